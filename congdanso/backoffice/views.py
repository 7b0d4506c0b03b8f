from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from congdanso.accounts.access import staff_required
from congdanso.accounts.http import AuthenticatedRequest
from congdanso.accounts.models import StaffRole
from congdanso.reports import services as reports
from congdanso.reports.queries import workload


@never_cache
@staff_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    roles = StaffRole.objects.filter(user=request.user).select_related("agency")
    moderation = reports.moderation_queue().count() if reports.can_moderate(request.user) else None
    return render(request, "backoffice/home.html", {"roles": roles, "work": workload(request.user),
                                                    "moderation": moderation})
