"""Reads about what a category asks (CategoryAttribute, "category questions") and the reply templates: who may
manage them, and the answers a report gave, as staff and the public see them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from congdanso.accounts.actors import Actor, is_staff_member
from congdanso.accounts.models import StaffRole
from congdanso.accounts.roles import Role
from congdanso.accounts.services import has_role
from congdanso.agencies.models import Category
from congdanso.reports.models import AttributeType, CategoryAttribute, Report, ResponseTemplate

# Free-text answers may hold anything a resident typed (a name, a phone number): staff only. Choices, numbers and
# dates are shown to the public with the report.
FREE_TEXT = frozenset({AttributeType.STRING, AttributeType.TEXT})


def administered_agency_ids(user: Actor) -> set[int] | None:
    """The agencies whose categories ``user`` configures: None means every agency (city admin), an empty set none."""
    if not is_staff_member(user):
        return set()
    if has_role(user, Role.CITY_ADMIN):
        return None
    return set(StaffRole.objects.filter(user=user, role=Role.AGENCY_ADMIN, agency__isnull=False)
               .values_list("agency_id", flat=True))


def can_manage_catalogue(user: Actor) -> bool:
    ids = administered_agency_ids(user)
    return ids is None or bool(ids)


def manageable_categories(user: Actor) -> QuerySet[Category]:
    """Categories whose questions and templates ``user`` may edit: all for a city admin, those whose default agency
    an agency admin administers."""
    ids = administered_agency_ids(user)
    categories = Category.objects.select_related("default_agency").order_by("group", "name")
    return categories if ids is None else categories.filter(default_agency_id__in=ids)


def can_manage_category(user: Actor, category: Category | None) -> bool:
    """``None`` is "every category" (a template for all): only a city admin manages those."""
    ids = administered_agency_ids(user)
    if ids is None:
        return True
    return category is not None and category.default_agency_id in ids


def questions_for(user: Actor) -> QuerySet[CategoryAttribute]:
    return (CategoryAttribute.objects.filter(category__in=manageable_categories(user))
            .select_related("category").order_by("category__group", "category__name", "order", "code"))


def templates_for(user: Actor) -> QuerySet[ResponseTemplate]:
    found = ResponseTemplate.objects.select_related("category").order_by("title")
    if administered_agency_ids(user) is None:
        return found
    return found.filter(Q(category__in=manageable_categories(user)))


@dataclass(frozen=True)
class Answer:
    code: str
    question: str
    datatype: str
    value: Any  # as stored (a key, a list of keys, a number, text)
    text: str  # for people: the choices' names, joined


def answers(report: Report, *, public: bool) -> list[Answer]:
    """The answers to the category's questions, in the questions' order (free text left out when ``public``)."""
    stored = report.attributes or {}
    found = []
    for question in CategoryAttribute.objects.filter(category_id=report.category_id).order_by("order", "code"):
        if question.code not in stored or (public and question.datatype in FREE_TEXT):
            continue
        value = stored[question.code]
        if question.datatype in (AttributeType.SINGLE, AttributeType.MULTI):
            names = {str(v.get("key")): str(v.get("name") or v.get("key")) for v in question.values or []}
            chosen = value if isinstance(value, list) else [value]
            text = ", ".join(names.get(str(v), str(v)) for v in chosen)
        elif isinstance(value, float) and value.is_integer():
            text = str(int(value))
        else:
            text = str(value)
        found.append(Answer(question.code, question.description, question.datatype, value, text))
    return found
