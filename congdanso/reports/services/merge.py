"""Merging a duplicate report into the one that survives."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from congdanso.reports import states
from congdanso.reports.errors import ReportNotFound, invalid
from congdanso.reports.models import Follow, Report
from congdanso.reports.services.common import (
    _announce,
    _event,
    _now,
    _require_worker,
    _transition,
    get_report,
)
from congdanso.reports.states import Status


def merge_report(report: Report | int, *, into: Report | int, actor: Any, request: Any = None) -> Report:
    """Mark ``report`` a duplicate of ``into``: its reporter and followers follow the survivor and are told."""
    survivor_id = into.pk if isinstance(into, Report) else into
    pk = report.pk if isinstance(report, Report) else report
    if survivor_id == pk:
        raise invalid("merge_self")
    with transaction.atomic():
        # Lock both in id order so two crossing merges cannot deadlock.
        locked = {r.pk: r for r in Report.objects.select_for_update().filter(pk__in=sorted([pk, survivor_id]))
                  .order_by("pk")}
        if pk not in locked or survivor_id not in locked:
            raise ReportNotFound()
        survivor = locked[survivor_id]
        if survivor.status not in states.OPEN and survivor.status != Status.RESOLVED:
            raise invalid("merge_target_closed")

        def authorize(r: Report) -> None:
            _require_worker(actor, r)

        def change(r: Report) -> None:
            r.duplicate_of_id = survivor_id
            r.closed_at = _now()

        merged = _transition(pk, "merge", actor=actor, authorize=authorize, change=change,
                             data={"into": survivor.code}, request=request)
        moved = 0
        people = set(Follow.objects.filter(report_id=pk).values_list("user_id", flat=True))
        if merged.reporter_id:
            people.add(merged.reporter_id)
        people.discard(survivor.reporter_id)
        already = set(Follow.objects.filter(report_id=survivor_id).values_list("user_id", flat=True))
        me_too = set(Follow.objects.filter(report_id=pk, me_too=True).values_list("user_id", flat=True))
        if merged.reporter_id:
            me_too.add(merged.reporter_id)
        new = [Follow(report_id=survivor_id, user_id=u, me_too=u in me_too) for u in people - already]
        Follow.objects.bulk_create(new)
        moved = len(new)
        Report.objects.filter(pk=survivor_id).update(
            follower_count=Follow.objects.filter(report_id=survivor_id).count(),
            me_too_count=Follow.objects.filter(report_id=survivor_id, me_too=True).count(),
            updated_at=_now(),
        )
        survivor = get_report(survivor_id)
        event = _event(survivor, "merged_in", actor=actor, data={"from": merged.code, "followers_moved": moved})
        _announce(survivor, event, extra={"merged_from": merged.pk})
    return merged
