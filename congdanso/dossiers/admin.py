"""Django admin of dossiers: read-only (every change goes through ``services``, which writes the timeline and the
audit log). One-stop-shop systems are created with ``manage.py create_integration_system``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from congdanso.dossiers.models import Dossier, DossierEvent, IntegrationSystem


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _EventInline(admin.TabularInline):
    model = DossierEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "kind", "from_status", "to_status", "actor_label", "message", "is_public")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Dossier)
class DossierAdmin(_ReadOnly):
    list_display = ("code", "procedure", "agency", "status", "due_at", "updated_at")
    list_filter = ("status", "channel")
    search_fields = ("code",)
    exclude = ("applicant_name", "applicant_number", "applicant_phone")  # personal data: seen on audited pages only
    inlines = [_EventInline]


@admin.register(IntegrationSystem)
class IntegrationSystemAdmin(_ReadOnly):
    list_display = ("name", "key_prefix", "is_active", "created_at")
