"""Ward boundaries used to place a report's point in a ward."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from congdanso.agencies.models import Unit
from congdanso.core import audit
from congdanso.reports import routing
from congdanso.reports.services.common import _now

# --- boundaries ---------------------------------------------------------------------------------------------------

def import_boundaries(features: list[dict[str, Any]], *, actor: Any = None, code_property: str = "code"
                      ) -> dict[str, int]:
    """Load ward polygons from GeoJSON features whose ``properties[code_property]`` is a unit code."""
    from congdanso.lib.geo import geometry_bounds
    from congdanso.reports.models import WardBoundary

    units = {u.code: u for u in Unit.objects.all()}
    counts = {"imported": 0, "unknown": 0, "skipped": 0}
    with transaction.atomic():
        for feature in features:
            props = feature.get("properties") or {}
            geometry = feature.get("geometry")
            code = str(props.get(code_property) or props.get("ma") or props.get("ma_xa") or "").strip()
            unit = units.get(code.zfill(5) if code.isdigit() else code)
            if unit is None:
                counts["unknown"] += 1
                continue
            if not geometry or geometry.get("type") not in ("Polygon", "MultiPolygon"):
                counts["skipped"] += 1
                continue
            min_lon, min_lat, max_lon, max_lat = geometry_bounds(geometry)
            WardBoundary.objects.update_or_create(unit=unit, defaults={
                "geometry": geometry, "min_lon": min_lon, "min_lat": min_lat, "max_lon": max_lon,
                "max_lat": max_lat, "imported_at": _now()})
            counts["imported"] += 1
        audit.record("reports.boundaries_imported", actor=actor, object_type="reports.wardboundary", **counts)
    routing.forget_boundaries()
    return counts
