"""Django admin of the catalogue: browse every record with its parts; a procedure's own fields may be corrected
(saved through ``services.save_procedure``, which refreshes the search columns and writes the audit log). The parts
(steps, channels, documents, agencies, legal bases) come from the import and are read-only here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from congdanso.procedures import services
from congdanso.procedures.models import (
    DocumentCase,
    LegalBasis,
    Procedure,
    ProcedureAgency,
    ProcedureChannel,
    ProcedureDocument,
    ProcedureField,
    ProcedureStep,
)


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StepInline(_ReadOnlyInline):
    model = ProcedureStep


class ChannelInline(_ReadOnlyInline):
    model = ProcedureChannel


class CaseInline(_ReadOnlyInline):
    model = DocumentCase
    show_change_link = True


class AgencyInline(_ReadOnlyInline):
    model = ProcedureAgency


class LegalBasisInline(_ReadOnlyInline):
    model = LegalBasis


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "field", "level", "online_level", "is_active", "updated_at")
    list_filter = ("level", "online_level", "is_active", "field")
    search_fields = ("code", "name", "name_en", "keywords")
    readonly_fields = ("code", "working_days", "created_at", "updated_at")
    inlines = [StepInline, ChannelInline, CaseInline, AgencyInline, LegalBasisInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # procedures come from the import (manage.py import_procedures)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # withdraw one by unticking "đang áp dụng"

    def save_model(self, request: HttpRequest, obj: Procedure, form: Any, change: bool) -> None:
        services.save_procedure(obj, actor=request.user)


@admin.register(DocumentCase)
class DocumentCaseAdmin(admin.ModelAdmin):
    list_display = ("procedure", "number", "title")
    inlines = [type("DocumentInline", (_ReadOnlyInline,), {"model": ProcedureDocument})]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ProcedureField)
class ProcedureFieldAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en")
    search_fields = ("code", "name", "name_en")
