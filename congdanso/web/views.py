from __future__ import annotations

import json
import sys

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles import finders
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache

from congdanso.accounts.views import SIGNED_OUT_KEY
from congdanso.core import outage
from congdanso.web.areas import AREAS, AREAS_BY_SLUG
from congdanso.web.cases import my_cases


def home(request: HttpRequest) -> HttpResponse:
    if request.COOKIES.get(SIGNED_OUT_KEY):  # back from the provider's logout, with its query in the URL
        response = redirect("web:signed_out")
        response.delete_cookie(SIGNED_OUT_KEY)
        return response
    return render(request, "web/home.html", {"areas": AREAS})


@never_cache
def signed_out(request: HttpRequest) -> HttpResponse:
    """"Bạn đã đăng xuất": a clear page at a clean address after logout."""
    response = redirect("web:home") if request.user.is_authenticated else render(request, "web/signed_out.html")
    response.delete_cookie(SIGNED_OUT_KEY)
    return response


# The footer's pages: plain text that a city edits in its templates.
INFO_PAGES = {"privacy": "web/info_privacy.html", "terms": "web/info_terms.html",
              "contact": "web/info_contact.html", "accessibility": "web/info_accessibility.html"}


def info(request: HttpRequest, page: str) -> HttpResponse:
    return render(request, INFO_PAGES[page])


@never_cache
@login_required(login_url="accounts:oidc_login")
def me(request: HttpRequest) -> HttpResponse:
    return render(request, "web/me.html", {"profile": request.user})


def coming_soon(request: HttpRequest, area: str) -> HttpResponse:
    found = AREAS_BY_SLUG.get(area)
    if found is None:
        raise Http404
    return render(request, "web/coming_soon.html", {"area": found})


def offline(request: HttpRequest) -> HttpResponse:
    # Kept by the service worker and shown to whoever is offline later: rendered as for nobody signed in.
    return render(request, "web/offline.html", {"user": AnonymousUser()})


@cache_control(max_age=3600, public=True)
def manifest(request: HttpRequest) -> HttpResponse:
    data = {
        "name": _("Công Dân Số"),
        "short_name": _("Công Dân Số"),
        "description": _("Kênh hai chiều giữa chính quyền và người dân"),
        "lang": getattr(request, "LANGUAGE_CODE", "vi"),
        "start_url": reverse("web:home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b71c1c",
        "icons": [
            {"src": static("web/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("web/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("web/icons/icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
        ],
    }
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/manifest+json")


@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    """Served from the site root so that its scope covers every page."""
    path = finders.find("web/sw.js")
    with open(path, encoding="utf-8") as handle:  # type: ignore[arg-type]
        body = handle.read()
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/error.html", {"status": 404, "title": _("Không tìm thấy trang"),
                  "message": _("Trang bạn tìm không tồn tại hoặc đã được chuyển đi.")}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if outage.is_outage(sys.exc_info()[1]):  # raised outside a view (e.g. a session read from Redis)
        return outage.unavailable(request)
    return render(request, "web/error.html", {"status": 500, "title": _("Có lỗi xảy ra"),
                  "message": _("Hệ thống gặp sự cố. Vui lòng thử lại sau.")}, status=500)


@never_cache
@login_required(login_url="accounts:oidc_login")
def cases(request: HttpRequest) -> HttpResponse:
    """Việc của tôi: everything the resident follows, latest change first, with what they can do next."""
    kind = request.GET.get("loai", "")
    found = [c for c in my_cases(request.user) if kind not in ("report", "followed", "dossier") or c.kind == kind]
    page = Paginator(found, 20).get_page(request.GET.get("page"))
    return render(request, "web/cases.html", {"page": page, "kind": kind})
