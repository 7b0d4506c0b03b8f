"""The administrative-procedure catalogue (thủ tục hành chính): the national record of each procedure, as the
national public-service portal publishes it, and what the search reads.

A procedure owns its steps, channels (with deadline and fees), document cases and their documents, agencies by role
and legal bases; the import (``services.import_procedures``) replaces them as a whole when the record changes.
``name_key`` and ``search_text`` are derived (``textsearch.search_key``) and written by the services only; the search
indexes live in migration 0002 (PostgreSQL: full text + pg_trgm; SQLite: an FTS5 table kept by triggers).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from congdanso.agencies.models import Agency


class Level(models.TextChoices):
    """Cấp thực hiện. Since 2025-07-01 there is no district level."""

    CENTRAL = "central", _("Cấp trung ương")
    PROVINCE = "province", _("Cấp tỉnh")
    COMMUNE = "commune", _("Cấp xã")


class OnlineLevel(models.TextChoices):
    """Mức độ dịch vụ công trực tuyến (Decree 42/2022/NĐ-CP)."""

    NONE = "none", _("Chưa cung cấp trực tuyến")
    PARTIAL = "partial", _("Trực tuyến một phần")
    FULL = "full", _("Trực tuyến toàn trình")


class ChannelKind(models.TextChoices):
    """Cách thức thực hiện."""

    IN_PERSON = "in_person", _("Trực tiếp")
    ONLINE = "online", _("Trực tuyến")
    POSTAL = "postal", _("Dịch vụ bưu chính")


class AgencyRole(models.TextChoices):
    PERFORMING = "performing", _("Cơ quan thực hiện")
    DECIDING = "deciding", _("Cơ quan có thẩm quyền")
    AUTHORISED = "authorised", _("Cơ quan được ủy quyền")
    COORDINATING = "coordinating", _("Cơ quan phối hợp")


class ProcedureField(models.Model):
    """Lĩnh vực: the national catalogue's grouping of procedures (Hộ tịch, Cư trú, Xây dựng…)."""

    code = models.CharField(_("mã lĩnh vực"), max_length=40, unique=True)
    name = models.CharField(_("tên lĩnh vực"), max_length=200)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("lĩnh vực thủ tục")
        verbose_name_plural = _("lĩnh vực thủ tục")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Procedure(models.Model):
    """Thủ tục hành chính: one national catalogue record."""

    code = models.CharField(_("mã thủ tục"), max_length=30, unique=True)
    decision = models.CharField(_("số quyết định công bố"), max_length=120, blank=True)
    name = models.CharField(_("tên thủ tục"), max_length=500)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=500, blank=True)
    level = models.CharField(_("cấp thực hiện"), max_length=10, choices=Level.choices)
    field = models.ForeignKey(ProcedureField, on_delete=models.PROTECT, related_name="procedures",
                              verbose_name=_("lĩnh vực"))
    kind = models.CharField(_("loại thủ tục"), max_length=200, blank=True)
    steps_note = models.TextField(_("ghi chú trình tự"), blank=True)
    applicants = models.TextField(_("đối tượng thực hiện"), blank=True)
    result = models.TextField(_("kết quả thực hiện"), blank=True)
    requirements = models.TextField(_("yêu cầu, điều kiện"), blank=True)
    keywords = models.CharField(_("từ khóa"), max_length=500, blank=True)
    online_level = models.CharField(_("mức độ trực tuyến"), max_length=8, choices=OnlineLevel.choices,
                                    default=OnlineLevel.NONE)
    online_url = models.URLField(_("địa chỉ nộp trực tuyến"), max_length=500, blank=True)
    # The shortest deadline of its channels in working days (None when none parses): what a list shows.
    working_days = models.DecimalField(_("thời hạn (ngày làm việc)"), max_digits=5, decimal_places=1, null=True,
                                       blank=True)
    is_active = models.BooleanField(_("đang áp dụng"), default=True)
    # Derived by the services (textsearch.search_key), read by the search indexes.
    name_key = models.CharField(max_length=500, editable=False, default="")
    search_text = models.TextField(editable=False, default="")
    # SHA-256 of the imported record: a re-import of the same record writes nothing.
    source_hash = models.CharField(max_length=64, editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
        ordering = ["name"]
        indexes = [models.Index(fields=["field", "level"], name="procedures_field_level")]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class ProcedureStep(models.Model):
    """Trình tự thực hiện: one numbered step."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="steps")
    number = models.PositiveSmallIntegerField(_("bước"))
    text = models.TextField(_("nội dung"))

    class Meta:
        verbose_name = _("bước thực hiện")
        verbose_name_plural = _("trình tự thực hiện")
        ordering = ["procedure", "number"]
        constraints = [models.UniqueConstraint(fields=["procedure", "number"], name="procedures_step_unique")]

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:60]}"


class ProcedureChannel(models.Model):
    """Cách thức thực hiện: in person, online or by post, each with its deadline and fees."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="channels")
    kind = models.CharField(_("hình thức nộp"), max_length=10, choices=ChannelKind.choices)
    deadline_text = models.CharField(_("thời hạn giải quyết"), max_length=500)
    working_days = models.DecimalField(_("số ngày làm việc"), max_digits=5, decimal_places=1, null=True,
                                       blank=True)
    fees_text = models.CharField(_("phí, lệ phí"), max_length=500, blank=True)
    fee_amount = models.PositiveBigIntegerField(_("lệ phí (đồng)"), null=True, blank=True)
    description = models.TextField(_("mô tả"), blank=True)

    class Meta:
        verbose_name = _("cách thức thực hiện")
        verbose_name_plural = _("cách thức thực hiện")
        ordering = ["procedure", "id"]
        constraints = [models.UniqueConstraint(fields=["procedure", "kind"], name="procedures_channel_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.deadline_text[:60]}"


class DocumentCase(models.Model):
    """Thành phần hồ sơ: the documents of one case (trường hợp); a procedure with one case has one untitled."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="cases")
    number = models.PositiveSmallIntegerField(_("thứ tự"))
    title = models.CharField(_("trường hợp"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("trường hợp hồ sơ")
        verbose_name_plural = _("trường hợp hồ sơ")
        ordering = ["procedure", "number"]
        constraints = [models.UniqueConstraint(fields=["procedure", "number"], name="procedures_case_unique")]

    def __str__(self) -> str:
        return self.title or f"#{self.number}"


class ProcedureDocument(models.Model):
    """One document to bring: its name, form template and number of originals and copies."""

    case = models.ForeignKey(DocumentCase, on_delete=models.CASCADE, related_name="documents")
    number = models.PositiveSmallIntegerField(_("thứ tự"))
    name = models.TextField(_("tên giấy tờ"))
    template_name = models.CharField(_("mẫu đơn, tờ khai"), max_length=300, blank=True)
    template_url = models.URLField(_("tải mẫu"), max_length=500, blank=True)
    originals = models.PositiveSmallIntegerField(_("bản chính"), default=0)
    copies = models.PositiveSmallIntegerField(_("bản sao"), default=0)
    required = models.BooleanField(_("bắt buộc"), default=True)

    class Meta:
        verbose_name = _("giấy tờ")
        verbose_name_plural = _("giấy tờ")
        ordering = ["case", "number"]

    def __str__(self) -> str:
        return self.name[:80]


class ProcedureAgency(models.Model):
    """An agency with its role in the procedure and where it receives dossiers; linked to the platform's
    ``Agency`` when one has the same code."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="agencies")
    role = models.CharField(_("vai trò"), max_length=14, choices=AgencyRole.choices)
    code = models.CharField(_("mã cơ quan"), max_length=40, blank=True, db_index=True)
    name = models.CharField(_("tên cơ quan"), max_length=300)
    address = models.CharField(_("địa chỉ tiếp nhận"), max_length=500, blank=True)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("cơ quan trên hệ thống"))

    class Meta:
        verbose_name = _("cơ quan thực hiện")
        verbose_name_plural = _("cơ quan thực hiện")
        ordering = ["procedure", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class LegalBasis(models.Model):
    """Căn cứ pháp lý: one legal document."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="legal_bases")
    number = models.CharField(_("số ký hiệu"), max_length=120)
    summary = models.CharField(_("trích yếu"), max_length=500, blank=True)
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    issuer = models.CharField(_("cơ quan ban hành"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("căn cứ pháp lý")
        verbose_name_plural = _("căn cứ pháp lý")
        ordering = ["procedure", "id"]

    def __str__(self) -> str:
        return self.number


