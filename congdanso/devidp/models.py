from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DemoPerson(models.Model):
    """A made-up resident known to the development identity provider (never a real person)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="devidp_person")
    full_name = models.CharField(_("họ và tên"), max_length=200)
    personal_id = models.CharField(_("số định danh cá nhân"), max_length=12, unique=True)
    birth_date = models.DateField(_("ngày sinh"))
    level = models.PositiveSmallIntegerField(_("mức định danh"), default=2)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("công dân thử nghiệm")
        verbose_name_plural = _("công dân thử nghiệm")
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.personal_id})"
