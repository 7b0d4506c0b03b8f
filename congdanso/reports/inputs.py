"""Raw report input from any channel → ``services.ReportInput``: the one parser of the new-report form, the JSON API's
POST and Open311's POST requests.

Each channel only maps its own field names (``lat``/``lon`` here, ``lat``/``long`` in Open311); what a value may be is
decided here once: coordinates (numbers within range, NaN and infinities refused), category questions
(``attribute[code]`` fields, one value or several), text (the one normaliser of ``core.textinput``: no control
characters, NFC, trimmed, within the column's length — refused with a message, never cut), photos (at most
``REPORTS_MAX_PHOTOS``, read from the setting on every path; one more is an error, never a silent drop; each file's
size is checked before it is read into memory). Business rules (is the category active, the point in the city, the
answers right for the category) stay in the services.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from congdanso.core.errors import DomainError
from congdanso.core.textinput import clean
from congdanso.lib.images import ImageRejected
from congdanso.reports import photos as photo_store
from congdanso.reports import services
from congdanso.reports.errors import ReportError, invalid, raise_all
from congdanso.reports.photos import Upload

# Column sizes of the report (models.Report) and of one answer to a category question.
MAX_DESCRIPTION = 4000
MAX_ADDRESS = 300
MAX_CODE = 100
MAX_ATTRIBUTE_TEXT = 1000
MAX_ATTRIBUTES = 50
MAX_CONTACT_NAME = 200
MAX_CONTACT_PHONE = 40
MAX_CONTACT_EMAIL = 200
TRUE_WORDS = ("1", "on", "true", "yes")
MAX_IDEMPOTENCY_KEY = 64  # stored with its scope ("o311-12:", "u345:") in a column of 80


class FormData(Protocol):
    """What a ``QueryDict`` offers: ``get``, ``getlist`` and its keys."""

    def get(self, key: str, default: Any = None) -> Any: ...
    def getlist(self, key: str) -> list[Any]: ...
    def __iter__(self) -> Any: ...


class File(Protocol):
    name: str | None
    size: int | None

    def read(self) -> bytes: ...


def coordinate(value: Any, *, axis: str, field: str) -> float | None:
    """A latitude (``axis="lat"``) or longitude (``"lon"``) in degrees, or None when not given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    limit = 90.0 if axis == "lat" else 180.0
    try:
        if isinstance(value, bool):
            raise ValueError(value)
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, OverflowError):
        number = math.nan
    if not math.isfinite(number) or not -limit <= number <= limit:
        raise ReportError(_("“%(field)s” phải là số độ trong khoảng -%(limit)s đến %(limit)s.")
                          % {"field": field, "limit": int(limit)}, code="bad_coordinates")
    return number


def flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in TRUE_WORDS


def attributes(data: FormData) -> dict[str, Any]:
    """The answers to category questions: every ``attribute[code]`` field, a list when it came several times."""
    found: dict[str, Any] = {}
    for key in data:
        if not (key.startswith("attribute[") and key.endswith("]")):
            continue
        code = clean(key[len("attribute["):-1], field=key, max_length=MAX_CODE, required=True, multiline=False)
        values = [clean(v, field=key, max_length=MAX_ATTRIBUTE_TEXT) for v in data.getlist(key)]
        found[code] = values if len(values) > 1 else (values[0] if values else "")
        if len(found) > MAX_ATTRIBUTES:
            raise ReportError(_("Quá nhiều câu trả lời (tối đa %(max)s).") % {"max": MAX_ATTRIBUTES},
                              code="too_many_attributes")
    return found


def uploads(files: Iterable[File]) -> list[Upload]:
    """The photos, refused (not cut) above ``REPORTS_MAX_PHOTOS``; a file too big is refused before it is read."""
    files = list(files)
    if len(files) > settings.REPORTS_MAX_PHOTOS:
        raise invalid("too_many_photos", max=settings.REPORTS_MAX_PHOTOS)
    out = []
    for index, f in enumerate(files, start=1):
        name = clean(f.name or "", field="photo", multiline=False)[:200] or f"photo-{index}"
        if f.size is not None and f.size > photo_store.max_bytes():
            raise photo_store.rejected(Upload(name, b""), ImageRejected("too_large"))
        out.append(Upload(name, f.read()))
    return out


def idempotency_key(value: Any) -> str | None:
    """The client's ``Idempotency-Key`` (header or form field), or None; a longer one is refused, not cut (two keys
    cut to the same prefix would answer each other's report)."""
    key = clean(value, field="Idempotency-Key", multiline=False)
    if len(key) > MAX_IDEMPOTENCY_KEY:
        raise ReportError(_("Idempotency-Key dài tối đa %(max)s ký tự.") % {"max": MAX_IDEMPOTENCY_KEY},
                          code="bad_idempotency_key")
    return key or None


def _email(value: Any) -> str:
    email = clean(value, field="email", max_length=MAX_CONTACT_EMAIL, multiline=False)
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ReportError(_("Địa chỉ thư điện tử không hợp lệ."), code="bad_email") from exc
    return email


def report_input(
    *, category: Any, description: Any, lat: Any = None, lon: Any = None, ward: Any = None, address: Any = "",
    identity_hidden: Any = False, priority: Any = "normal", answers: Mapping[str, Any] | None = None,
    files: Iterable[File] = (), channel: str, contact_name: Any = "", contact_phone: Any = "", contact_email: Any = "",
    source_label: str = "", names: Mapping[str, str] | None = None, sms_consent: Any = False,
) -> services.ReportInput:
    """The service's input from raw values of any channel. ``names`` maps ``lat``/``lon``/... to the channel's own
    field names, so that a message names the field the client sent."""
    name = {"lat": "lat", "lon": "lon", "description": "description", "address": "address", **(names or {})}
    problems: list[DomainError] = []

    def take(field: str, parse: Callable[[], Any], default: Any) -> Any:
        """The parsed value, or ``default`` with the problem kept: every field is read, all problems told at once."""
        try:
            return parse()
        except DomainError as exc:
            exc.field = field  # type: ignore[attr-defined]  # the form's field, where its message is shown
            problems.append(exc)
            return default

    result = services.ReportInput(
        category=take("category", lambda: clean(category, field="category", max_length=MAX_CODE, multiline=False),
                      ""),
        description=take("description", lambda: clean(description, field=name["description"], label=_("Nội dung"),
                                                      max_length=MAX_DESCRIPTION), "-"),
        lat=take("location", lambda: coordinate(lat, axis="lat", field=name["lat"]), None),
        lon=take("location", lambda: coordinate(lon, axis="lon", field=name["lon"]), None),
        ward=take("ward", lambda: clean(ward, field="ward", max_length=MAX_CODE, multiline=False), "") or None,
        address=take("address", lambda: clean(address, field=name["address"], label=_("Địa chỉ"),
                                              max_length=MAX_ADDRESS, multiline=False), ""),
        identity_hidden=flag(identity_hidden),
        priority=take("priority", lambda: clean(priority, field="priority", max_length=MAX_CODE, multiline=False),
                      "") or "normal",
        attributes=dict(answers or {}), photos=take("photos", lambda: uploads(files), []), channel=channel,
        contact_name=take("contact_name", lambda: clean(contact_name, field="first_name",
                                                        max_length=MAX_CONTACT_NAME, multiline=False), ""),
        contact_phone=take("contact_phone", lambda: clean(contact_phone, field="phone",
                                                          max_length=MAX_CONTACT_PHONE, multiline=False), ""),
        contact_email=take("contact_email", lambda: _email(contact_email), ""), source_label=source_label,
        sms_consent=flag(sms_consent),
    )
    raise_all(problems)
    return result


def from_form(post: FormData, files: Iterable[File], *, channel: str, on_behalf: bool = False
              ) -> services.ReportInput:
    """The new-report page, the JSON API (multipart forms with the same field names) and the staff page that types
    a report in for a caller (``on_behalf``: the caller's contact fields, never hidden from the agency, and whether
    the caller agreed to SMS)."""
    return report_input(
        category=post.get("category", ""), description=post.get("description", ""), lat=post.get("lat"),
        lon=post.get("lon"), ward=post.get("ward"), address=post.get("address", ""),
        identity_hidden=False if on_behalf else post.get("identity_hidden"),
        priority=post.get("priority") or "normal", answers=attributes(post), files=files, channel=channel,
        contact_name=post.get("contact_name", "") if on_behalf else "",
        contact_phone=post.get("contact_phone", "") if on_behalf else "",
        contact_email=post.get("contact_email", "") if on_behalf else "",
        sms_consent=post.get("sms_consent") if on_behalf else False,
    )


def from_open311(post: FormData, files: Iterable[File], *, channel: str, source_label: str) -> services.ReportInput:
    """GeoReport v2 POST requests: ``service_code``, ``lat``/``long``, ``address_string``, ``attribute[...]`` (the
    ``ward`` answer, or ``address_id``, names the ward), ``media_url`` kept as an answer, the caller's contact."""
    answers = attributes(post)
    ward = answers.pop("ward", None) or post.get("address_id") or None
    if post.get("media_url"):
        answers["media_url"] = clean(post.get("media_url"), field="media_url", max_length=500, multiline=False)
    first = clean(post.get("first_name", ""), field="first_name", max_length=MAX_CONTACT_NAME, multiline=False)
    last = clean(post.get("last_name", ""), field="last_name", max_length=MAX_CONTACT_NAME, multiline=False)
    return report_input(
        category=post.get("service_code", ""), description=post.get("description", ""), lat=post.get("lat"),
        lon=post.get("long"), ward=ward if isinstance(ward, str) else None, address=post.get("address_string", ""),
        answers=answers, files=files, channel=channel, contact_name=" ".join(p for p in (first, last) if p),
        contact_phone=post.get("phone", ""), contact_email=post.get("email", ""), source_label=source_label,
        names={"lon": "long", "address": "address_string"},
    )
