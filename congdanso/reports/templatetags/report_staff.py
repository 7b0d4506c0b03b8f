"""Template helpers of the reports pages (the back office, and `coords` on the public report page too)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def coords(report: object) -> str:
    """A report's location in the one format every page uses: "10.77690, 106.70090" (WGS 84, five decimals, a dot
    whatever the language: a comma would be read as the separator between the two numbers)."""
    lat, lon = getattr(report, "lat", None), getattr(report, "lon", None)
    if lat is None or lon is None:
        return ""
    return f"{float(lat):.5f}, {float(lon):.5f}"
