from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from congdanso.lib.text import fold, search_text


class UnitKind(models.TextChoices):
    WARD = "phuong", _("Phường")
    COMMUNE = "xa", _("Xã")
    SPECIAL_ZONE = "dac_khu", _("Đặc khu")


class Unit(models.Model):
    """A commune-level administrative unit (phường, xã, đặc khu) with its official statistics-office code."""

    code = models.CharField(_("mã đơn vị"), max_length=5, unique=True)
    kind = models.CharField(_("loại"), max_length=10, choices=UnitKind.choices)
    name = models.CharField(_("tên"), max_length=120)
    name_folded = models.CharField(max_length=120, editable=False, db_index=True)
    province_code = models.CharField(_("mã tỉnh/thành"), max_length=2, default="79")

    class Meta:
        verbose_name = _("phường/xã")
        verbose_name_plural = _("phường/xã")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        """The name in the active language: in English the type word follows ("Sài Gòn Ward", "Cần Giờ Commune")."""
        if get_language() != "en":
            return self.name
        for prefix, word in (("Phường ", "Ward"), ("Xã ", "Commune"), ("Đặc khu ", "Special Zone")):
            if self.name.startswith(prefix):
                return f"{self.name[len(prefix):]} {word}"
        return self.name


class AgencyKind(models.TextChoices):
    DEPARTMENT = "department", _("Sở, ngành")
    WARD_COMMITTEE = "ward_committee", _("UBND phường/xã")
    CITY_COMMITTEE = "city_committee", _("UBND Thành phố")
    PUBLIC_SERVICE = "public_service", _("Đơn vị sự nghiệp, doanh nghiệp công ích")


class Agency(models.Model):
    code = models.CharField(_("mã cơ quan"), max_length=40, unique=True)
    name = models.CharField(_("tên cơ quan"), max_length=200)
    short_name = models.CharField(_("tên viết tắt"), max_length=60, blank=True)
    kind = models.CharField(_("loại"), max_length=20, choices=AgencyKind.choices)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="agencies", verbose_name=_("địa bàn")
    )
    name_en = models.CharField(_("tên cơ quan (tiếng Anh)"), max_length=200, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The name in the active language: a ward committee is named from its unit in English."""
        if get_language() != "en":
            return self.name
        if self.kind == AgencyKind.WARD_COMMITTEE and self.unit is not None:
            return f"People's Committee of {self.unit.label}"
        return self.name_en or self.name


class Category(models.Model):
    """An incident category (lĩnh vực phản ánh) with where it goes and how fast it must be handled."""

    code = models.CharField(_("mã lĩnh vực"), max_length=40, unique=True)
    group = models.CharField(_("nhóm"), max_length=120)
    name = models.CharField(_("tên"), max_length=200)
    name_folded = models.CharField(max_length=200, editable=False, db_index=True)
    group_en = models.CharField(_("nhóm (tiếng Anh)"), max_length=120, blank=True)
    name_en = models.CharField(_("tên (tiếng Anh)"), max_length=200, blank=True)
    synonyms = models.TextField(
        _("từ đồng nghĩa"), blank=True,
        help_text=_("Những từ người dân hay gõ cho lĩnh vực này, cách nhau bằng dấu chấm phẩy "
                    "(ví dụ: cống; nghẹt cống)."),
    )
    synonyms_en = models.TextField(_("từ đồng nghĩa (tiếng Anh)"), blank=True)
    # Folded words of the group, name, synonyms and English names: what the public search matches categories on.
    terms_folded = models.TextField(editable=False, blank=True, default="")
    default_agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("cơ quan mặc định"),
    )
    routes_to_ward = models.BooleanField(
        _("chuyển về UBND phường/xã nơi xảy ra"), default=False,
        help_text=_("Nếu bật, phản ánh được chuyển cho UBND phường/xã; nếu không, cho cơ quan mặc định."),
    )
    forward_minutes = models.PositiveIntegerField(_("thời hạn chuyển xử lý (phút)"), default=5)
    resolve_working_days = models.PositiveIntegerField(_("thời hạn trả kết quả (ngày làm việc)"), default=5)
    is_active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        verbose_name = _("lĩnh vực phản ánh")
        verbose_name_plural = _("lĩnh vực phản ánh")
        ordering = ["group", "name"]

    def __str__(self) -> str:
        return f"{self.group} — {self.name}"

    def save(self, *args, **kwargs) -> None:
        self.name_folded = fold(f"{self.group} {self.name}")
        self.terms_folded = search_text(" ".join(self.search_phrases()))
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "name_folded", "terms_folded"}
        super().save(*args, **kwargs)

    def synonym_list(self, *, english: bool = False) -> list[str]:
        return [s.strip() for s in (self.synonyms_en if english else self.synonyms).split(";") if s.strip()]

    def search_phrases(self) -> list[str]:
        """Every phrase a resident's words are matched against (``agencies.queries.match_categories``)."""
        return [self.name, self.group, *self.synonym_list(), self.name_en, self.group_en,
                *self.synonym_list(english=True)]

    @property
    def label(self) -> str:
        """The name in the active language (English when chosen and known)."""
        return self.name_en if self.name_en and get_language() == "en" else self.name

    @property
    def group_label(self) -> str:
        return self.group_en if self.group_en and get_language() == "en" else self.group
