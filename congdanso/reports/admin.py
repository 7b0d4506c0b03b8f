"""Django admin for what administrators configure: response templates, category attributes and options.
Reports themselves are handled in the back office (services), so they are read-only here."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from congdanso.reports.models import CategoryAttribute, CategoryOptions, Report, ResponseTemplate


@admin.register(ResponseTemplate)
class ResponseTemplateAdmin(admin.ModelAdmin):
    list_display = ("title", "category", "is_active")
    list_filter = ("is_active", "category__group")
    search_fields = ("title", "body")


@admin.register(CategoryAttribute)
class CategoryAttributeAdmin(admin.ModelAdmin):
    list_display = ("category", "code", "datatype", "required", "order")
    list_filter = ("datatype", "required")


@admin.register(CategoryOptions)
class CategoryOptionsAdmin(admin.ModelAdmin):
    list_display = ("category", "duplicate_radius_m")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("code", "category", "status", "agency", "created_at")
    list_filter = ("status", "channel")
    search_fields = ("code",)
    exclude = ("reporter", "contact_name", "contact_phone", "contact_email", "idempotency_key", "request_hash")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
