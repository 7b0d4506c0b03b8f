"""Shared reads of the agencies app: finding units and the agency responsible for a report."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from congdanso.agencies.models import Agency, AgencyKind, Category, Unit
from congdanso.lib.text import fold, phrase_rank, word_matches, words

_NOT_WORD = re.compile(r"[^\w\s]")
UNIT_TYPE_WORDS = {"phuong", "xa", "dac", "khu", "p"}


def search_units(text: str | None, *, limit: int | None = 20) -> QuerySet[Unit]:
    """Units whose name contains every word of ``text``, ignoring case and diacritics (``"tan dinh"`` finds
    ``Phường Tân Định``); a five-digit code finds that unit. Best matches first: the exact name, then names that
    end with the text (``"sai gon"`` → ``Phường Sài Gòn`` before ``Phường Sài Gòn Mới``), then the rest by name.
    """
    folded = _NOT_WORD.sub(" ", fold(text)).split()
    if not folded:
        return Unit.objects.none()
    phrase = " ".join(folded)
    if len(folded) == 1 and folded[0].isdigit():
        return Unit.objects.filter(code=folded[0])
    words = [word for word in folded if word not in UNIT_TYPE_WORDS] or folded
    query = Q()
    for word in words:
        query &= Q(name_folded__contains=word)
    core = " ".join(words)
    results = (
        Unit.objects.filter(query)
        .annotate(rank=Case(
            When(name_folded=phrase, then=Value(0)),
            When(name_folded__endswith=f" {core}", then=Value(1)),
            When(name_folded__contains=core, then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        ))
        .order_by("rank", "name_folded", "code")
    )
    return results[:limit] if limit else results


def ward_committee(unit: Unit | None) -> Agency | None:
    """The active People's Committee of a phường/xã/đặc khu."""
    if unit is None:
        return None
    return (
        Agency.objects.filter(kind=AgencyKind.WARD_COMMITTEE, unit=unit, is_active=True).order_by("code").first()
    )


def responsible_agency(category: Category, unit: Unit | None) -> Agency | None:
    """Who handles a report of this category at this place.

    The ward committee of ``unit`` when the category routes to wards; otherwise, or when the place is unknown or
    has no active committee, the category's default agency if it is active. None means nobody is set: the report
    waits for a city administrator to route it.
    """
    if category.routes_to_ward:
        committee = ward_committee(unit)
        if committee is not None:
            return committee
    agency = category.default_agency
    if agency is not None and agency.is_active:
        return agency
    return None


def active_categories() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).select_related("default_agency").order_by("group", "name")


MAX_CATEGORY_MATCHES = 8


def match_categories(text: str | None, categories: Iterable[Category] | None = None, *,
                     limit: int = MAX_CATEGORY_MATCHES) -> list[Category]:
    """The categories whose name, group or synonyms (Vietnamese or English) match the words a resident typed, best
    first: the whole name or a synonym, then phrases that begin with the words, then the rest. Diacritics count only
    where typed (``lib.text.word_matches``). Only a list to choose from: nothing is chosen for the resident.
    The new-report page runs the same rule in the browser (``reports/static/reports/combobox.js``)."""
    typed = words(text)
    if not typed:
        return []
    scored: list[tuple[int, int, Category]] = []
    for order, category in enumerate(categories if categories is not None else active_categories()):
        phrases = [words(p) for p in category.search_phrases() if p]
        ranks = [r for r in (phrase_rank(typed, p) for p in phrases) if r is not None]
        if ranks:
            scored.append((min(ranks), order, category))
        elif all(any(word_matches(w, word, prefix=i == len(typed) - 1) for p in phrases for word in p)
                 for i, w in enumerate(typed)):
            scored.append((4, order, category))  # the words spread over several phrases
    scored.sort(key=lambda item: (item[0], item[1]))
    return [category for _rank, _order, category in scored[:limit]]
