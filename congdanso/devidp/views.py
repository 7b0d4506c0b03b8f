"""The development identity provider's pages: choose a demo resident, then the standard OIDC endpoints."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from oauth2_provider import views as dot

from congdanso.devidp import services
from congdanso.devidp.models import DemoPerson

SESSION_KEY = "devidp_person"


def enabled_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.DEVIDP_ENABLED:
            raise Http404("development identity provider is off")
        services.ensure_setup()
        return view(request, *args, **kwargs)

    return wrapper


def current_person(request: HttpRequest) -> DemoPerson | None:
    person_id = request.session.get(SESSION_KEY)
    if not person_id:
        return None
    return DemoPerson.objects.select_related("user").filter(pk=person_id).first()


@never_cache
@enabled_only
def choose(request: HttpRequest) -> HttpResponse:
    authorize_path = reverse("oauth2_provider:authorize")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not next_url.startswith(authorize_path):
        next_url = ""
    if request.method == "POST":
        person = DemoPerson.objects.filter(pk=request.POST.get("person")).first()  # type: ignore[misc]  # None: no row
        if person is not None and next_url:
            request.session[SESSION_KEY] = person.pk
            return HttpResponseRedirect(next_url)
    people = DemoPerson.objects.all()
    return render(request, "devidp/choose.html", {"people": people, "next": next_url},
                  status=400 if request.method == "POST" else 200)


class AuthorizationView(dot.AuthorizationView):
    """DOT's authorize endpoint with the demo resident (not the app's session user) as the end user."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        person = current_person(request)
        if person is None or request.GET.get("prompt") == "login":
            query = request.GET.copy()
            query.pop("prompt", None)
            target = f"{request.path}?{query.urlencode()}"
            return HttpResponseRedirect(f"{reverse('devidp-choose')}?{urlencode({'next': target})}")
        request.user = person.user
        return super().dispatch(request, *args, **kwargs)


class LogoutView(dot.RPInitiatedLogoutView):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.session.pop(SESSION_KEY, None)
        return super().dispatch(request, *args, **kwargs)


authorize = enabled_only(AuthorizationView.as_view())
token = enabled_only(dot.TokenView.as_view())
userinfo = enabled_only(dot.UserInfoView.as_view())
jwks = enabled_only(dot.JwksInfoView.as_view())
discovery = enabled_only(dot.ConnectDiscoveryInfoView.as_view())
logout = enabled_only(LogoutView.as_view())
