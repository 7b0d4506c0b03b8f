"""URLs of the reports bench server: the project's, plus the baseline endpoint (one indexed read)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def baseline(request: HttpRequest) -> JsonResponse:
    from congdanso.reports.models import Report

    row = Report.objects.filter(pk=int(request.GET.get("id", "1"))).values("id", "code").first()
    return JsonResponse(row or {})


urlpatterns = [
    path("bench/baseline", baseline),
    path("", include("congdanso.urls")),
]
