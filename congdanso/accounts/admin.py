"""Django admin for users and staff roles.

Personal data never appears here: the personal ID number (and its blind index) and the birth date are left out of
every list and form, because a read of them must go through an audited service, not the admin.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from congdanso.accounts.models import StaffRole, User


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 0
    fields = ("role", "agency", "granted_at")
    readonly_fields = ("granted_at",)
    autocomplete_fields = ("agency",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "full_name", "kind", "identity_level", "is_active", "last_login")
    list_filter = ("kind", "identity_level", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "full_name", "email")
    ordering = ("username",)
    inlines = (StaffRoleInline,)
    readonly_fields = ("oidc_issuer", "oidc_subject", "identity_level", "account_type", "identity_verified_at",
                       "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Thông tin"), {"fields": ("kind", "full_name", "email", "preferred_language")}),
        (_("Định danh"), {"fields": ("oidc_issuer", "oidc_subject", "identity_level", "account_type",
                                     "identity_verified_at")}),
        (_("Quyền"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Thời gian"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",),
                "fields": ("username", "full_name", "kind", "usable_password", "password1", "password2")}),
    )
