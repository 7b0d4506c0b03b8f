"""URLs of the dossiers bench server: the project's, plus the baseline endpoint (one indexed read of a dossier row,
two columns, by primary key) and the same read by code (the unique index residents' lookups go through)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def baseline(request: HttpRequest) -> JsonResponse:
    from congdanso.dossiers.models import Dossier

    row = Dossier.objects.filter(pk=int(request.GET.get("id", "1"))).values("id", "code").first()
    return JsonResponse(row or {})


def by_code(request: HttpRequest) -> JsonResponse:
    from congdanso.dossiers.models import Dossier

    row = Dossier.objects.filter(code=request.GET.get("code", "")).values("id", "code").first()
    return JsonResponse(row or {})


urlpatterns = [
    path("bench/baseline", baseline),
    path("bench/by-code", by_code),
    path("", include("congdanso.urls")),
]
