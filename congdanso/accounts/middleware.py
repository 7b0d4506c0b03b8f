"""Staff sessions end after STAFF_SESSION_IDLE_SECONDS without activity and STAFF_SESSION_MAX_SECONDS in all."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from congdanso.accounts.actors import is_staff_member

STARTED_KEY = "staff_started_at"
REFRESHED_KEY = "staff_refreshed_at"


class StaffSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if is_staff_member(user):
            now = timezone.now().timestamp()
            started = request.session.get(STARTED_KEY)
            if started is None or now - started > settings.STAFF_SESSION_MAX_SECONDS:
                logout(request)
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{reverse('accounts:staff_login')}?{query}")
            # Renew the idle window at most once a minute, so most requests do not write the session.
            if now - request.session.get(REFRESHED_KEY, 0) > 60:
                request.session[REFRESHED_KEY] = now
                request.session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)
        return self.get_response(request)
