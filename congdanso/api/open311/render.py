"""Open311 GeoReport v2 bodies as XML or JSON from the same Python structures.

A document is a list of items under a root (``services`` → ``service``, ``service_requests`` → ``request``); values
are strings, numbers, booleans, None, nested dicts or lists (a list of dicts repeats the child element named by
``LIST_CHILD``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from xml.etree import ElementTree as ET

import orjson
from django.http import HttpResponse

# name of the list element → name of each child element
LIST_CHILD = {"attributes": "attribute", "values": "value", "keywords": "keyword", "notes": "note",
              "formats": "format", "endpoints": "endpoint", "changeset": "changeset"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    return str(value)


def _fill(parent: ET.Element, data: dict[str, Any]) -> None:
    for key, value in data.items():
        if isinstance(value, list):
            holder = ET.SubElement(parent, key)
            child = LIST_CHILD.get(key, "item")
            for item in value:
                node = ET.SubElement(holder, child)
                if isinstance(item, dict):
                    _fill(node, item)
                else:
                    node.text = _text(item)
        elif isinstance(value, dict):
            _fill(ET.SubElement(parent, key), value)
        else:
            ET.SubElement(parent, key).text = _text(value)


def xml_document(root: str, child: str | None, payload: Any) -> bytes:
    top = ET.Element(root)
    if child is None:
        _fill(top, payload)
    else:
        for item in payload:
            _fill(ET.SubElement(top, child), item)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="unicode").encode()


def respond(fmt: str, root: str, child: str | None, payload: Any, status: int = 200) -> HttpResponse:
    if fmt == "json":
        body = orjson.dumps(payload, option=orjson.OPT_OMIT_MICROSECONDS)  # datetimes to the second, as in XML
        return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    return HttpResponse(xml_document(root, child, payload), status=status,
                        content_type="text/xml; charset=utf-8")


def errors(fmt: str, status: int, description: str) -> HttpResponse:
    """The spec's error body: a list of {code, description}."""
    return respond(fmt, "errors", "error", [{"code": status, "description": description}], status=status)
