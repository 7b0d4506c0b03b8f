"""Machine clients of the API: Open311 integrators, each with its own api_key (only a hash is stored)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Integrator(models.Model):
    name = models.CharField(_("tên hệ thống"), max_length=120, unique=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("đầu khoá"), max_length=12, editable=False)
    is_active = models.BooleanField(_("đang dùng"), default=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)

    class Meta:
        verbose_name = _("hệ thống liên kết (Open311)")
        verbose_name_plural = _("hệ thống liên kết (Open311)")

    def __str__(self) -> str:
        return self.name
