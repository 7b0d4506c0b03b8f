"""Refuses, before any view runs, request input that no field of any channel may hold, and puts query and form
values in Unicode NFC (DESIGN.md, convention 11).

Checked: the path, every query parameter, every form field and upload name, every string and key of a JSON body,
and the headers. Refused with a 400 in the shape of the channel (the API's ``{code, message, field}``, Open311's
``errors`` body, an HTML page elsewhere): NUL and control characters other than tab and newlines, lone surrogates,
text made only of invisible characters, JSON bodies larger than ``INPUT_MAX_JSON_BYTES`` or nested deeper than
``INPUT_MAX_JSON_DEPTH`` (checked before any view parses them, so a 100,000-deep array never reaches a parser that
recurses), bodies that are not UTF-8, form bodies that cannot be parsed. Query and form values that are not in NFC
are rewritten in NFC (``*password*`` fields excepted), so that "ộ" typed as o + two combining marks is stored, searched
and compared as the one character. Field-level rules (trimming, length, required) are applied by ``core.textinput``
where each field is read.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any
from xml.etree import ElementTree as ET

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _

from congdanso.core.textinput import message
from congdanso.lib.text import problem, xml_safe

# Header values arrive decoded as Latin-1, so UTF-8 bytes of a user agent look like C1 controls: only NUL and the C0
# controls other than tab are refused there (RFC 9110 allows none of them in a field value).
_BAD_HEADER = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Endpoints that read their body as a stream, line by line, and put every value through the normaliser themselves
# (bulk imports of many megabytes): their bodies of these content types are not read whole here. Registered by the
# app that owns the endpoint (AppConfig.ready) with ``allow_streamed``.
_STREAMED: dict[str, frozenset[str]] = {}


def allow_streamed(path: str, content_types: Iterable[str]) -> None:
    """Leave the body of requests to ``path`` (exactly) with one of ``content_types`` to the view."""
    _STREAMED[path] = frozenset(content_types)


class Refused(Exception):
    def __init__(self, code: str, text: str, field: str = ""):
        super().__init__(code)
        self.code, self.text, self.field = code, text, field


def _text(value: str, field: str) -> None:
    reason = problem(value)
    if reason is not None:
        raise Refused(f"text_{reason}", message(reason, field or _("giá trị")), field)


def _pairs(items: Iterable[tuple[str, list[str]]], where: str) -> bool:
    """Checks every key and value; True when one of them is not in NFC (and the whole set should be rewritten)."""
    denormal = False
    for key, values in items:
        _text(key, where)
        denormal = denormal or not _is_nfc(key)
        for value in values:
            _text(value, key)
            denormal = denormal or not _is_nfc(value)
    return denormal


def _is_nfc(value: str) -> bool:
    return value.isascii() or unicodedata.is_normalized("NFC", value)


def _nfc(data: QueryDict) -> QueryDict:
    """A copy of ``data`` in NFC; secrets (``*password*`` fields) are left byte for byte as typed."""
    copy = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        keep = "password" in key
        copy.setlist(unicodedata.normalize("NFC", key),
                     values if keep else [unicodedata.normalize("NFC", value) for value in values])
    copy._mutable = False
    return copy


def _json_strings(document: Any, max_depth: int) -> None:
    """Walks the parsed body without recursion: depth first, every key and string checked."""
    stack: list[tuple[Any, int, str]] = [(document, 1, "")]
    while stack:
        node, depth, where = stack.pop()
        if isinstance(node, dict | list) and depth > max_depth:
            raise Refused("json_too_deep", _("Dữ liệu JSON lồng quá sâu (tối đa %(max)s cấp).") % {"max": max_depth})
        if isinstance(node, dict):
            for key, value in node.items():
                _text(key, where or "body")
                stack.append((value, depth + 1, f"{where}.{key}" if where else key))
        elif isinstance(node, list):
            stack.extend((value, depth + 1, where) for value in node)
        elif isinstance(node, str):
            _text(node, where or "body")


def _check_body(request: HttpRequest) -> None:
    content_type = (request.content_type or "").lower()
    if content_type in _FORM_TYPES:
        if request.method == "POST":
            try:
                if _pairs(request.POST.lists(), "form"):
                    request.POST = _nfc(request.POST)  # type: ignore[assignment]  # a QueryDict made immutable
                for _field, uploads in request.FILES.lists():
                    for upload in uploads:
                        _text(upload.name or "", "file")
            except (MultiPartParserError, UnicodeDecodeError) as exc:
                raise Refused("form_malformed", _("Dữ liệu biểu mẫu gửi lên bị hỏng.")) from exc
        return
    if content_type in _STREAMED.get(request.path, ()):
        return
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError as exc:
        raise Refused("content_length", _("Tiêu đề Content-Length không hợp lệ.")) from exc
    if not length:
        return
    limit = settings.INPUT_MAX_JSON_BYTES
    looks_json = "json" in content_type
    if length > limit and looks_json:
        raise Refused("json_too_large", _("Dữ liệu JSON quá lớn (tối đa %(kb)s KB).") % {"kb": limit // 1024})
    body = request.body  # bounded by DATA_UPLOAD_MAX_MEMORY_SIZE (Django answers 400 above it)
    if not body:
        return
    # Anything that parses as JSON is checked, whatever its declared type: some endpoints read request.body as JSON.
    start = body.lstrip()[:1]
    if not looks_json and start not in (b"{", b"["):
        return
    if len(body) > limit:
        raise Refused("json_too_large", _("Dữ liệu JSON quá lớn (tối đa %(kb)s KB).") % {"kb": limit // 1024})
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused("encoding", _("Dữ liệu gửi lên phải mã hoá UTF-8.")) from exc
    max_depth = settings.INPUT_MAX_JSON_DEPTH
    try:
        document = json.loads(text)
    except RecursionError as exc:
        raise Refused("json_too_deep",
                      _("Dữ liệu JSON lồng quá sâu (tối đa %(max)s cấp).") % {"max": max_depth}) from exc
    except ValueError:
        return  # not JSON after all: the view answers in its own words
    _json_strings(document, max_depth)


def check(request: HttpRequest) -> None:
    """Raises ``Refused`` for the first input no field may hold."""
    for name, value in request.META.items():
        if name.startswith("HTTP_") and isinstance(value, str) and _BAD_HEADER.search(value):
            raise Refused("header_invalid", _("Tiêu đề HTTP chứa ký tự điều khiển."), name[5:].replace("_", "-"))
    _text(request.path, "path")
    if _pairs(request.GET.lists(), "query"):
        request.GET = _nfc(request.GET)  # type: ignore[assignment]  # a QueryDict made immutable
    _check_body(request)


def _open311(request: HttpRequest, status: int, description: str) -> HttpResponse:
    if request.path.endswith(".json") or request.GET.get("format") == "json":
        return JsonResponse([{"code": status, "description": description}], safe=False, status=status)
    root = ET.Element("errors")
    error = ET.SubElement(root, "error")
    ET.SubElement(error, "code").text = str(status)
    ET.SubElement(error, "description").text = xml_safe(description)
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="unicode").encode()
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def refusal(request: HttpRequest, exc: Refused) -> HttpResponse:
    if request.path.startswith("/open311/"):
        return _open311(request, 400, exc.text)
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        body = {"code": exc.code, "message": exc.text}
        if exc.field:
            body["field"] = exc.field
        return JsonResponse(body, status=400)
    return render(request, "web/error.html", {"status": 400, "title": _("Dữ liệu gửi lên không hợp lệ"),
                                              "message": exc.text}, status=400)


class InputGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            check(request)
        except Refused as exc:
            return refusal(request, exc)
        return self.get_response(request)
