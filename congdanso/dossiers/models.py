"""Dossiers (hồ sơ thủ tục hành chính): the dossier, its timeline, its files, its rating, and the one-stop-shop
systems that push dossiers in.

"Overdue" is never stored: ``queries.is_overdue`` derives it from ``due_at``. The time a dossier waits for the
applicant (supplements, fees) moves ``due_at`` on when the wait ends and is summed in ``paused_seconds``.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from congdanso.agencies.models import Agency
from congdanso.core.fields import EncryptedTextField
from congdanso.dossiers.states import EventKind, Status
from congdanso.procedures.models import Procedure, ProcedureDocument


class ApplicantKind(models.TextChoices):
    CITIZEN = "citizen", _("Công dân")
    BUSINESS = "business", _("Doanh nghiệp")
    HOUSEHOLD = "household", _("Hộ kinh doanh")


class SubmissionChannel(models.IntegerChoices):
    """The national portal's channel codes."""

    DIRECT = 1, _("Trực tiếp")
    ONLINE = 2, _("Trực tuyến")
    POSTAL = 3, _("Bưu chính")


class FeeStatus(models.TextChoices):
    NONE = "none", _("Không thu phí")
    DUE = "due", _("Chờ nộp phí")
    PAID = "paid", _("Đã nộp phí")
    WAIVED = "waived", _("Được miễn phí")


def lookup_token() -> str:
    """The opaque key of the receipt's QR code and lookup link: not guessable from the code or another dossier."""
    return secrets.token_urlsafe(16)


class IntegrationSystem(models.Model):
    """A one-stop-shop system (một cửa điện tử) of a department or ward that pushes dossiers and their status.

    It authenticates with an API key of which only the SHA-256 is stored, and may write only dossiers of its own
    agencies."""

    name = models.CharField(_("tên hệ thống"), max_length=200)
    key_prefix = models.CharField(max_length=12, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    agencies = models.ManyToManyField(Agency, related_name="+", verbose_name=_("cơ quan"))
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hệ thống một cửa")
        verbose_name_plural = _("hệ thống một cửa")

    def __str__(self) -> str:
        return self.name


class Dossier(models.Model):
    code = models.CharField(_("mã hồ sơ"), max_length=64, unique=True)
    # Unique by a constraint rather than ``unique=True``: on PostgreSQL that would add a second, pattern-matching
    # index that no query uses (the token is only ever looked up whole) and every write must update.
    lookup_token = models.CharField(max_length=32, default=lookup_token, editable=False)
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("thủ tục"), db_index=False)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("cơ quan tiếp nhận"), db_index=False)
    status = models.CharField(_("trạng thái"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    # The status before a wait for the applicant (supplement, fees): where the dossier goes back when it ends.
    paused_from = models.CharField(max_length=12, blank=True, default="", editable=False)
    paused_since = models.DateTimeField(null=True, blank=True, editable=False)
    paused_seconds = models.PositiveBigIntegerField(_("thời gian chờ công dân (giây)"), default=0)
    channel = models.PositiveSmallIntegerField(_("hình thức nộp"), choices=SubmissionChannel.choices,
                                               default=SubmissionChannel.DIRECT)

    applicant_kind = models.CharField(_("loại người nộp"), max_length=10, choices=ApplicantKind.choices,
                                      default=ApplicantKind.CITIZEN)
    applicant_name = EncryptedTextField(_("tên người nộp"), blank=True)
    # Personal ID number (citizens) or tax code (businesses): encrypted, found by its blind index.
    applicant_number = EncryptedTextField(_("số định danh / mã số thuế"), blank=True)
    applicant_number_index = models.CharField(max_length=64, blank=True, default="", editable=False)
    applicant_phone = EncryptedTextField(_("điện thoại người nộp"), blank=True)
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("tài khoản người nộp"), db_index=False)

    submitted_at = models.DateTimeField(_("nộp lúc"), default=timezone.now)
    accepted_at = models.DateTimeField(_("tiếp nhận lúc"), null=True, blank=True)
    due_at = models.DateTimeField(_("ngày hẹn trả kết quả"), null=True, blank=True)
    finished_at = models.DateTimeField(_("xử lý xong lúc"), null=True, blank=True)
    returned_at = models.DateTimeField(_("trả kết quả lúc"), null=True, blank=True)
    # A late dossier carries the agency's apology (phiếu xin lỗi và hẹn lại ngày trả kết quả).
    apology = models.TextField(_("thư xin lỗi"), blank=True)
    apology_at = models.DateTimeField(_("xin lỗi lúc"), null=True, blank=True)
    original_due_at = models.DateTimeField(_("ngày hẹn ban đầu"), null=True, blank=True)

    fee_amount = models.PositiveBigIntegerField(_("phí, lệ phí (đồng)"), null=True, blank=True)
    fee_status = models.CharField(_("tình trạng phí"), max_length=8, choices=FeeStatus.choices,
                                  default=FeeStatus.NONE)
    result = models.TextField(_("kết quả"), blank=True)

    system = models.ForeignKey(IntegrationSystem, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("hệ thống gửi"), db_index=False)
    external_id = models.CharField(_("mã trong hệ thống gửi"), max_length=100, blank=True, default="")
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    updated_at = models.DateTimeField(_("cập nhật lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        indexes = [
            # the agency's list, newest first, and its filters by status
            models.Index(fields=["agency", "status", "-updated_at"], name="dossier_agency_status"),
            models.Index(fields=["applicant", "-updated_at"], name="dossier_applicant"),
            models.Index(fields=["applicant_number_index"], name="dossier_applicant_index"),
            models.Index(fields=["procedure", "-submitted_at"], name="dossier_procedure"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["system", "external_id"], condition=~models.Q(external_id=""),
                                    name="dossier_unique_external_id"),
            models.UniqueConstraint(fields=["lookup_token"], name="dossier_unique_lookup_token"),
        ]

    def __str__(self) -> str:
        return self.code


class DossierEvent(models.Model):
    """A line of the dossier's timeline (public unless ``is_public`` is off)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(_("loại"), max_length=20, choices=EventKind.choices)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", db_index=False)
    actor_label = models.CharField(_("người thực hiện"), max_length=200, blank=True)
    message = models.TextField(_("nội dung"), blank=True)
    is_public = models.BooleanField(default=True)
    # A one-stop-shop system's own id of the event: a repeat with the same id changes nothing.
    system = models.ForeignKey(IntegrationSystem, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", db_index=False)
    external_id = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("created_at", "id")
        indexes = [models.Index(fields=["dossier", "created_at"], name="dossier_event_timeline")]
        constraints = [
            models.UniqueConstraint(fields=["system", "external_id"], condition=~models.Q(external_id=""),
                                    name="dossier_event_unique_external_id"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class DossierSequence(models.Model):
    """The last sequence number given to an agency's dossiers of one day (``<agency>-<YYMMDD>-<sequence>``)."""

    agency_code = models.CharField(max_length=40)
    day = models.DateField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency_code", "day"], name="dossier_sequence_day")]

    def __str__(self) -> str:
        return f"{self.agency_code} {self.day}: {self.value}"


class DossierFile(models.Model):
    """A document of the dossier (an online submission's upload, a supplement, the result), stored outside the
    web root and served only to the applicant and the agency's staff."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="files", db_index=False)
    document = models.ForeignKey(ProcedureDocument, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", db_index=False)
    event = models.ForeignKey(DossierEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="files",
                              db_index=False)
    label = models.CharField(_("tên giấy tờ"), max_length=300)
    original_name = models.CharField(_("tên tệp"), max_length=200)
    storage_name = models.CharField(max_length=200, unique=True, editable=False)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", db_index=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["dossier", "created_at"], name="dossier_file_dossier")]

    def __str__(self) -> str:
        return self.label


class DossierDraft(models.Model):
    """A resident's online submission while they fill it in: one per resident and procedure, kept between visits
    (and devices) until it is submitted or discarded, or ``DOSSIER_DRAFT_DAYS`` after its last change."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="+", db_index=False)
    # The form's answers: {"case": <DocumentCase.number>, "agency": <Agency.code>, "unit": <Unit.code>}
    answers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("hồ sơ nháp")
        verbose_name_plural = _("hồ sơ nháp")
        constraints = [models.UniqueConstraint(fields=["user", "procedure"], name="dossier_draft_one_per_procedure")]
        indexes = [models.Index(fields=["updated_at"], name="dossier_draft_updated")]

    def __str__(self) -> str:
        return f"{self.procedure_id} ({self.user_id})"


class DraftFile(models.Model):
    """A document already uploaded to a draft (checked and cleaned like every upload); on submission its stored file
    becomes the dossier's ``DossierFile`` without being copied."""

    draft = models.ForeignKey(DossierDraft, on_delete=models.CASCADE, related_name="files")
    document = models.ForeignKey(ProcedureDocument, on_delete=models.CASCADE, related_name="+", db_index=False)
    original_name = models.CharField(_("tên tệp"), max_length=200)
    storage_name = models.CharField(max_length=200, unique=True, editable=False)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["draft", "document"], name="dossier_draft_file_per_document")]

    def __str__(self) -> str:
        return self.original_name


class Satisfaction(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("Rất hài lòng")
    SATISFIED = "satisfied", _("Hài lòng")
    UNSATISFIED = "unsatisfied", _("Không hài lòng")


class Rating(models.Model):
    """The applicant's rating of the service for one dossier (Decision 766/QĐ-TTg): 9 criteria scored 0–2 and the
    overall satisfaction. Once per dossier."""

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="rating")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", db_index=False)
    scores = models.JSONField(_("điểm theo tiêu chí"))  # {"c1": 0..2, …, "c9": 0..2}
    total = models.PositiveSmallIntegerField(_("tổng điểm"))  # 0–18
    satisfaction = models.CharField(_("mức độ hài lòng"), max_length=16, choices=Satisfaction.choices)
    comment = models.TextField(_("ý kiến"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["agency", "created_at"], name="rating_agency_month")]

    def __str__(self) -> str:
        return f"{self.total}/18 {self.satisfaction}"
