from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from congdanso.accounts.roles import Role
from congdanso.core.fields import EncryptedTextField


class UserKind(models.TextChoices):
    CITIZEN = "citizen", _("Công dân")
    STAFF = "staff", _("Cán bộ")
    DEVIDP = "devidp", _("Người dùng thử của IdP phát triển")


class IdentityLevel(models.IntegerChoices):
    NONE = 0, _("Chưa định danh")
    LEVEL1 = 1, _("Mức 1")
    LEVEL2 = 2, _("Mức 2")


class User(AbstractUser):
    """A resident (logged in through VNeID/OIDC, no password) or a staff member (password + TOTP)."""

    kind = models.CharField(_("loại tài khoản"), max_length=10, choices=UserKind.choices, default=UserKind.CITIZEN)
    full_name = models.CharField(_("họ và tên"), max_length=200, blank=True)
    oidc_issuer = models.CharField(_("nhà cung cấp định danh"), max_length=300, blank=True)
    oidc_subject = models.CharField(_("mã chủ thể (sub)"), max_length=255, blank=True)
    personal_id = EncryptedTextField(_("số định danh cá nhân"), blank=True)
    personal_id_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    birth_date = models.DateField(_("ngày sinh"), null=True, blank=True)
    identity_level = models.PositiveSmallIntegerField(
        _("mức định danh"), choices=IdentityLevel.choices, default=IdentityLevel.NONE
    )
    account_type = models.CharField(_("loại tài khoản định danh"), max_length=40, blank=True)
    identity_verified_at = models.DateTimeField(_("xác thực định danh lúc"), null=True, blank=True)
    preferred_language = models.CharField(_("ngôn ngữ"), max_length=8, default="vi")

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
        constraints = [
            models.UniqueConstraint(
                fields=["oidc_issuer", "oidc_subject"],
                condition=~models.Q(oidc_subject=""),
                name="unique_oidc_identity",
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def is_citizen(self) -> bool:
        return self.kind == UserKind.CITIZEN

    @property
    def is_staff_member(self) -> bool:
        return self.kind == UserKind.STAFF


class StaffRole(models.Model):
    """One role held by a staff member, for one agency where the role is agency-scoped."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_roles", verbose_name=_("cán bộ"))
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.CASCADE, related_name="staff_roles",
        verbose_name=_("cơ quan"),
    )
    granted_at = models.DateTimeField(_("cấp lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("vai trò cán bộ")
        verbose_name_plural = _("vai trò cán bộ")
        constraints = [models.UniqueConstraint(fields=["user", "role", "agency"], name="unique_staff_role")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}" + (f" ({self.agency})" if self.agency_id else "")
