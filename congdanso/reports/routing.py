"""Where a report is and who handles it: the ward from imported boundaries (point in polygon), else the resident's
choice; then category + ward → the responsible agency (agencies.queries). No agency → the triage queue.

The polygon index is built once per process from ``WardBoundary`` rows and rebuilt when they change (see
``boundary_index``; no shared in-memory state is assumed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Max

from congdanso.agencies.models import Agency, Category, Unit
from congdanso.agencies.queries import responsible_agency
from congdanso.core.memo import Memo
from congdanso.lib.geo import BBox, PolygonIndex
from congdanso.reports.models import WardBoundary, WardSource

# The polygon index, rebuilt only when the boundary rows changed: this process's saves and deletes forget it at once
# (core.memo), another process's import is noticed within _RECHECK_SECONDS by comparing a cheap stamp.
_RECHECK_SECONDS = 30
_index: Memo[tuple[tuple[int, Any], PolygonIndex]] = Memo("reports.boundary_index", ttl=_RECHECK_SECONDS)
_last: dict[str, tuple[tuple[int, Any], PolygonIndex]] = {}


def _stamp() -> tuple[int, Any]:
    agg = WardBoundary.objects.aggregate(n=Count("id"), last=Max("imported_at"))
    return (agg["n"], agg["last"])


def _build() -> tuple[tuple[int, Any], PolygonIndex]:
    stamp = _stamp()
    previous = _last.get("built")
    if previous is not None and previous[0] == stamp:
        return previous
    rows = WardBoundary.objects.values_list("unit_id", "geometry") if stamp[0] else []
    built = (stamp, PolygonIndex(rows))
    _last["built"] = built
    return built


def boundary_index(force: bool = False) -> PolygonIndex | None:
    """The STRtree over every imported boundary, or None when none is imported."""
    if force:
        _last.clear()
    index = _index.get("all", _build, fresh=force)[1]
    return index if len(index) else None


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
