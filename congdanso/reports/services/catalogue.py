"""What agency and city admins configure for reports: the questions a category asks and the reply templates.

The caller (a back-office view) validates the fields with its form and passes the unsaved or changed instance; the
service checks that the actor manages the category (before and after the change), saves and audits.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest

from congdanso.accounts.actors import Actor
from congdanso.core import audit
from congdanso.reports.catalogue import can_manage_category
from congdanso.reports.errors import NotAllowed
from congdanso.reports.models import CategoryAttribute, ResponseTemplate


def _require_manager(actor: Actor, *categories: object) -> None:
    for category in categories:
        if not can_manage_category(actor, category):  # type: ignore[arg-type]
            raise NotAllowed()


def _save_managed(row: CategoryAttribute | ResponseTemplate, *, actor: Actor, request: HttpRequest | None,
                  event: str, **details: Any) -> None:
    """Save a catalogue row the actor manages; moving it to another category needs rights on both. Audited as
    ``<event>_added`` or ``<event>_saved``."""
    with transaction.atomic():
        before = None
        if row.pk is not None:
            before = type(row).objects.select_related("category").select_for_update(of=("self",)).get(pk=row.pk)
            _require_manager(actor, before.category)
        _require_manager(actor, row.category)
        row.save()
        audit.record(f"{event}_saved" if before else f"{event}_added", actor=actor, obj=row, request=request,
                     **details)


def save_category_question(question: CategoryAttribute, *, actor: Actor, request: HttpRequest | None = None
                           ) -> CategoryAttribute:
    """Add or change a category's question."""
    _save_managed(question, actor=actor, request=request, event="reports.question",
                  category=question.category.code, code=question.code)
    return question


def delete_category_question(question: CategoryAttribute, *, actor: Actor, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        _require_manager(actor, question.category)
        audit.record("reports.question_deleted", actor=actor, obj=question, request=request,
                     category=question.category.code, code=question.code)
        question.delete()


def save_reply_template(template: ResponseTemplate, *, actor: Actor, request: HttpRequest | None = None
                        ) -> ResponseTemplate:
    """Add or change a reply template; one for every category (no category) is a city admin's."""
    _save_managed(template, actor=actor, request=request, event="reports.template",
                  category=template.category.code if template.category else None)
    return template


def delete_reply_template(template: ResponseTemplate, *, actor: Actor, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        _require_manager(actor, template.category)
        audit.record("reports.template_deleted", actor=actor, obj=template, request=request)
        template.delete()
