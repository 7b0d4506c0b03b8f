"""Small geography helpers: bounding boxes, distances, point-in-polygon over many polygons (shapely STRtree)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class BBox:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    @classmethod
    def parse(cls, text: str) -> BBox:
        """``"min_lon,min_lat,max_lon,max_lat"`` (the Open311/GeoJSON order). Raises ValueError when malformed."""
        parts = [float(p) for p in text.split(",")]
        if len(parts) != 4 or any(math.isnan(p) or math.isinf(p) for p in parts):
            raise ValueError("bbox needs four numbers: min_lon,min_lat,max_lon,max_lat")
        box = cls(*parts)
        if not (-180 <= box.min_lon <= box.max_lon <= 180 and -90 <= box.min_lat <= box.max_lat <= 90):
            raise ValueError("bbox corners out of order or out of range")
        return box

    def contains(self, lat: float, lon: float) -> bool:
        return self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon

    def __str__(self) -> str:
        return f"{self.min_lon},{self.min_lat},{self.max_lon},{self.max_lat}"


CELL_DEGREES = 0.005  # ~550 m of latitude


def cell_of(lat: float, lon: float) -> int:
    """The grid cell holding a point, as one integer (row * 100000 + column)."""
    return math.floor(lat / CELL_DEGREES) * 100000 + math.floor(lon / CELL_DEGREES)


def cells_in(box: BBox, limit: int = 64) -> list[int] | None:
    """The grid cells a box covers, or None when they are more than ``limit`` (a zoomed-out view)."""
    rows = range(math.floor(box.min_lat / CELL_DEGREES), math.floor(box.max_lat / CELL_DEGREES) + 1)
    cols = range(math.floor(box.min_lon / CELL_DEGREES), math.floor(box.max_lon / CELL_DEGREES) + 1)
    if len(rows) * len(cols) > limit:
        return None
    return [r * 100000 + c for r in rows for c in cols]


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def around(lat: float, lon: float, radius_m: float) -> BBox:
    """The box that contains the circle of ``radius_m`` around a point (a cheap index pre-filter)."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = dlat / max(0.01, math.cos(math.radians(lat)))
    return BBox(lon - dlon, lat - dlat, lon + dlon, lat + dlat)


class PolygonIndex:
    """Which of many polygons holds a point. Built once from GeoJSON geometries; lookups use an STRtree."""

    def __init__(self, items: Iterable[tuple[Any, dict[str, Any]]]):
        from shapely import STRtree
        from shapely.geometry import shape
        from shapely.validation import make_valid

        self.keys: list[Any] = []
        geometries = []
        for key, geometry in items:
            geom = shape(geometry)
            if not geom.is_valid:
                geom = make_valid(geom)
            self.keys.append(key)
            geometries.append(geom)
        self.geometries = geometries
        self.tree = STRtree(geometries) if geometries else None

    def __len__(self) -> int:
        return len(self.keys)

    def find(self, lat: float, lon: float) -> Any | None:
        if self.tree is None:
            return None
        from shapely.geometry import Point

        hits = self.tree.query(Point(lon, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        return self.keys[int(min(hits))]


def geometry_bounds(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) of a GeoJSON geometry."""
    from shapely.geometry import shape

    return tuple(shape(geometry).bounds)
