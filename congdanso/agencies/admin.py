"""Django admin for reference data. Searches ignore diacritics on the folded name columns too."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from congdanso.agencies.models import Agency, Category, Unit
from congdanso.lib.text import fold


class FoldedSearchMixin:
    """Also match the search words against ``name_folded`` so "tan dinh" finds "Phường Tân Định"."""

    folded_field = "name_folded"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        results, may_have_duplicates = super().get_search_results(  # type: ignore[misc]
            request, queryset, search_term
        )
        words = fold(search_term).split()
        if words:
            query = Q()
            for word in words:
                query &= Q(**{f"{self.folded_field}__contains": word})
            results = results | queryset.filter(query)
        return results, may_have_duplicates


@admin.register(Unit)
class UnitAdmin(FoldedSearchMixin, admin.ModelAdmin):
    list_display = ("code", "name", "kind", "province_code")
    list_filter = ("kind",)
    search_fields = ("name", "code")
    ordering = ("code",)

    def get_readonly_fields(self, request: HttpRequest, obj: Unit | None = None) -> tuple[str, ...]:
        return ("code",) if obj else ()


@admin.register(Agency)
class AgencyAdmin(FoldedSearchMixin, admin.ModelAdmin):
    folded_field = "unit__name_folded"  # "tan dinh" finds UBND Phường Tân Định
    list_display = ("code", "name", "short_name", "kind", "unit", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code", "short_name")
    list_select_related = ("unit",)
    autocomplete_fields = ("unit",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("code",) if obj else ()


@admin.register(Category)
class CategoryAdmin(FoldedSearchMixin, admin.ModelAdmin):
    list_display = ("code", "name", "group", "default_agency", "routes_to_ward", "forward_minutes",
                    "resolve_working_days", "is_active")
    list_filter = ("group", "routes_to_ward", "is_active", ("default_agency", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "code", "group")
    list_select_related = ("default_agency",)
    autocomplete_fields = ("default_agency",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("code",) if obj else ()
