"""Where a report is and who handles it: the ward from imported boundaries (point in polygon), else the resident's
choice; then category + ward → the responsible agency (agencies.queries). No agency → the triage queue.

The polygon index is built once per process from ``WardBoundary`` rows and rebuilt when an import changes them
(checked against the database at most every ``_RECHECK_SECONDS``; no shared in-memory state is assumed).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Max

from congdanso.agencies.models import Agency, Category, Unit
from congdanso.agencies.queries import responsible_agency
from congdanso.lib.geo import BBox, PolygonIndex
from congdanso.reports.models import WardBoundary, WardSource

_RECHECK_SECONDS = 30
_lock = threading.Lock()
_state: dict[str, Any] = {"stamp": None, "index": None, "checked": 0.0}


def _stamp() -> tuple[int, Any]:
    agg = WardBoundary.objects.aggregate(n=Count("id"), last=Max("imported_at"))
    return (agg["n"], agg["last"])


def boundary_index(force: bool = False) -> PolygonIndex | None:
    """The STRtree over every imported boundary, or None when none is imported."""
    now = time.monotonic()
    with _lock:
        if force or _state["index"] is None or now - _state["checked"] > _RECHECK_SECONDS:
            stamp = _stamp()
            _state["checked"] = now
            if force or stamp != _state["stamp"]:
                rows = WardBoundary.objects.values_list("unit_id", "geometry")
                _state["index"] = PolygonIndex(rows) if stamp[0] else PolygonIndex([])
                _state["stamp"] = stamp
        index = _state["index"]
    return index if index is not None and len(index) else None


def forget_boundaries() -> None:
    with _lock:
        _state.update(stamp=None, index=None, checked=0.0)


def city_bbox() -> BBox:
    return BBox.parse(settings.REPORTS_CITY_BBOX)


def in_city(lat: float, lon: float, chosen: Unit | None = None) -> bool:
    """Inside an imported boundary when there are any; inside the configured city box otherwise.

    With a ward chosen by the resident the city box is enough: an import may cover only part of the city, and a
    point outside every imported polygon is then placed in the chosen ward (``locate``).
    """
    index = boundary_index()
    if index is not None and index.find(lat, lon) is not None:
        return True
    if index is not None and chosen is None:
        return False
    return city_bbox().contains(lat, lon)


@dataclass(frozen=True)
class Place:
    ward: Unit | None
    source: str


def locate(lat: float | None, lon: float | None, chosen: Unit | None) -> Place:
    if lat is not None and lon is not None:
        index = boundary_index()
        if index is not None:
            unit_id = index.find(lat, lon)
            if unit_id is not None:
                return Place(Unit.objects.get(pk=unit_id), WardSource.BOUNDARY)
    if chosen is not None:
        return Place(chosen, WardSource.CHOSEN)
    return Place(None, WardSource.NONE)


def agency_for(category: Category, ward: Unit | None) -> Agency | None:
    return responsible_agency(category, ward)
