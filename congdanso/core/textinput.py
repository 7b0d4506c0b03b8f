"""Text from outside, checked and normalised in one place for every channel (DESIGN.md, convention 11).

``lib.text.clean_text`` does the work; this module gives it translated messages and the three ways in:
``clean()`` for code that reads raw values (report inputs, Open311, plain views), ``CleanCharField`` for Django forms
and ``CleanStr``/``clean_str()`` for django-ninja schemas. ``InputGuardMiddleware`` (core.inputguard) refuses the
characters no field may hold before any view runs; this module adds what depends on the field (NFC, trimming,
required, length).
"""

from __future__ import annotations

from typing import Annotated, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from pydantic import AfterValidator

from congdanso.core.errors import DomainError
from congdanso.lib.text import TextRejected, clean_text

MESSAGES: dict[str, Promise] = {
    "nul": _("“%(field)s” chứa ký tự NUL, không được phép."),
    "control": _("“%(field)s” chứa ký tự điều khiển, không được phép (chỉ nhận tab và xuống dòng)."),
    "surrogate": _("“%(field)s” chứa ký tự Unicode không hợp lệ (surrogate lẻ)."),
    "invisible": _("“%(field)s” chỉ gồm ký tự vô hình."),
    "required": _("Hãy điền “%(field)s”."),
    "too_long": _("“%(field)s” dài tối đa %(limit)s ký tự."),
}


class TextInputError(DomainError):
    """A text field refused; ``code`` is ``text_<reason>`` and ``field`` names the field."""

    code = "text_invalid"

    def __init__(self, reason: str, field: str, *, limit: int | None = None, label: str | Promise | None = None):
        super().__init__(message(reason, label or field, limit), code=f"text_{reason}")
        self.field = field
        self.reason = reason

    def as_dict(self) -> dict[str, str]:
        return {**super().as_dict(), "field": self.field}


def message(reason: str, field: str | Promise, limit: int | None = None) -> str:
    return str(MESSAGES.get(reason, MESSAGES["control"]) % {"field": field, "limit": limit})


def clean(value: Any, *, field: str, label: str | Promise | None = None, max_length: int | None = None,
          required: bool = False, multiline: bool = True) -> str:
    """The normalised text, or ``TextInputError`` (400) naming ``field`` (shown as ``label`` when given)."""
    if value is not None and not isinstance(value, str):
        value = str(value)
    try:
        return clean_text(value, max_length=max_length, required=required, multiline=multiline)
    except TextRejected as exc:
        raise TextInputError(exc.code, field, limit=exc.limit, label=label) from exc


class CleanCharField(forms.CharField):
    """A form ``CharField`` through the same normaliser: a bad value is a form error, never a silent strip."""

    def __init__(self, *, multiline: bool = False, **kwargs: Any):
        kwargs.setdefault("strip", False)  # trimming is the normaliser's (it also trims zero-width characters)
        super().__init__(**kwargs)
        self.multiline = multiline

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        try:
            return clean_text(value, multiline=self.multiline)
        except TextRejected as exc:
            raise ValidationError(message(exc.code, self.label or _("trường này")), code=exc.code) from exc


def clean_str(value: str) -> str:
    """Pydantic validator: the normaliser on one schema field (ninja turns the ValueError into its 422 body)."""
    try:
        return clean_text(value)
    except TextRejected as exc:
        raise ValueError(message(exc.code, _("giá trị"), exc.limit)) from exc


CleanStr = Annotated[str, AfterValidator(clean_str)]
