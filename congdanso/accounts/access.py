"""Who may enter staff pages (back office, each app's staff views): signed-in staff who passed the second factor."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from congdanso.accounts.actors import is_staff_member


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not (is_staff_member(user) and user.is_verified()):  # type: ignore[attr-defined]  # set by OTPMiddleware
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('accounts:staff_login')}?{query}")
        return view(request, *args, **kwargs)

    return wrapper
