"""Render a kind's message once per language: ``notifications/kinds/<kind>.<lang>.txt``, title on the first line.

The context is the same for every recipient (no names, no personal data): a fan-out to 100,000 residents renders
the template twice (Vietnamese and English), not 100,000 times.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.utils import translation

TITLE_MAX = 200
BODY_MAX = 2000


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def normalise_language(code: str | None) -> str:
    code = (code or "").split("-")[0].lower()
    return code if code in languages() else settings.LANGUAGE_CODE


def render(kind: str, language: str, context: dict[str, Any]) -> Rendered:
    language = normalise_language(language)
    names = [f"notifications/kinds/{kind}.{language}.txt", f"notifications/kinds/{kind}.{settings.LANGUAGE_CODE}.txt"]
    try:
        template = select_template(names)
    except TemplateDoesNotExist as exc:
        raise LookupError(f"no template for notification kind {kind!r}: {names[0]}") from exc
    with translation.override(language):
        text = template.render(context).strip()
    title, _sep, body = text.partition("\n")
    return Rendered(title=title.strip()[:TITLE_MAX], body=body.strip()[:BODY_MAX])


def render_all(kind: str, needed: set[str], context: dict[str, Any]) -> dict[str, Rendered]:
    return {language: render(kind, language, context) for language in sorted(needed)}
