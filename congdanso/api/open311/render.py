"""Open311 GeoReport v2 bodies as XML or JSON from the same Python structures.

A document is a list of items under a root (``services`` → ``service``, ``service_requests`` → ``request``); values
are strings, numbers, booleans, None, nested dicts or lists (a list of dicts repeats the child element named by
``LIST_CHILD``).

Safe by construction: documents are built with ElementTree (which escapes markup) and every text goes through
``lib.text.xml_safe``, which replaces the characters XML 1.0 forbids (control characters, lone surrogates) — input is
refused with them, but a row stored before that rule, or by a path that skipped it, must not make the feed unreadable
for every integrator. Element names are checked too, so a key can never inject markup.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from xml.etree import ElementTree as ET

import orjson
from django.http import HttpResponse

from congdanso.lib.text import xml_safe

# name of the list element → name of each child element
LIST_CHILD = {"attributes": "attribute", "values": "value", "keywords": "keyword", "notes": "note",
              "formats": "format", "endpoints": "endpoint", "changeset": "changeset"}


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    return xml_safe(str(value))


def _element(parent: ET.Element, name: str) -> ET.Element:
    if not _NAME.match(name):
        raise ValueError(f"not an XML element name: {name!r}")
    return ET.SubElement(parent, name)


def _fill(parent: ET.Element, data: dict[str, Any]) -> None:
    for key, value in data.items():
        if isinstance(value, list):
            holder = _element(parent, key)
            child = LIST_CHILD.get(key, "item")
            for item in value:
                node = _element(holder, child)
                if isinstance(item, dict):
                    _fill(node, item)
                else:
                    node.text = _text(item)
        elif isinstance(value, dict):
            _fill(_element(parent, key), value)
        else:
            _element(parent, key).text = _text(value)


def xml_document(root: str, child: str | None, payload: Any) -> bytes:
    top = ET.Element(root)
    if child is None:
        _fill(top, payload)
    else:
        for item in payload:
            _fill(_element(top, child), item)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="unicode").encode()


def _jsonable(value: Any) -> Any:
    """The payload with every string made XML-safe: the fallback for text orjson refuses (a lone surrogate)."""
    if isinstance(value, str):
        return xml_safe(value)  # the same text as the XML body (a lone surrogate cannot be written as UTF-8 either)
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def respond(fmt: str, root: str, child: str | None, payload: Any, status: int = 200) -> HttpResponse:
    if fmt == "json":
        try:  # datetimes to the second, as in XML
            body = orjson.dumps(payload, option=orjson.OPT_OMIT_MICROSECONDS)
        except orjson.JSONEncodeError:  # a legacy row with text no JSON can carry: the same text as the XML body
            body = orjson.dumps(_jsonable(payload), option=orjson.OPT_OMIT_MICROSECONDS)
        return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    return HttpResponse(xml_document(root, child, payload), status=status,
                        content_type="text/xml; charset=utf-8")


def errors(fmt: str, status: int, description: str) -> HttpResponse:
    """The spec's error body: a list of {code, description}."""
    return respond(fmt, "errors", "error", [{"code": status, "description": description}], status=status)
