"""Deadlines of a report (stored on it; "overdue" is derived by comparing them with now).

- forward: the report reaches the responsible unit within ``category.forward_minutes`` (1022 rule: 5 minutes);
- result: within ``category.resolve_working_days`` working days (holidays excluded, lib.workdays) for normal
  priority; twice that for low priority; ``REPORTS_URGENT_RESOLVE_HOURS`` clock hours for urgent ones.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from congdanso.agencies.models import Category
from congdanso.lib.workdays import add_working_time
from congdanso.reports.models import Priority


def forward_due(category: Category, start: dt.datetime) -> dt.datetime:
    return start + dt.timedelta(minutes=category.forward_minutes)


def resolve_due(category: Category, priority: str, start: dt.datetime) -> dt.datetime:
    if priority == Priority.URGENT:
        return start + dt.timedelta(hours=settings.REPORTS_URGENT_RESOLVE_HOURS)
    days = category.resolve_working_days * (2 if priority == Priority.LOW else 1)
    local = timezone.localtime(start)
    return add_working_time(local, max(1, days))


def confirm_until(resolved_at: dt.datetime) -> dt.datetime:
    """The resident may confirm or dispute the fix until then; afterwards the report closes by itself."""
    return resolved_at + dt.timedelta(days=settings.REPORTS_CONFIRM_DAYS)
