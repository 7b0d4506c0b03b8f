"""Filters for the notification texts (``notifications/kinds/*.txt``)."""

from __future__ import annotations

from django import template

register = template.Library()

ENDINGS = (".", "!", "?", "…", ":", ";")


@register.filter
def sentence(value: object) -> str:
    """The text as one sentence: trimmed, ending with exactly one full stop unless it already ends a sentence
    (so "Đã sửa." in a template ending with "." never becomes "Đã sửa..")."""
    text = " ".join(str(value or "").split())
    if not text:
        return ""
    return text if text.endswith(ENDINGS) else text + "."
