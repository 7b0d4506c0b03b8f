"""Incident reports (phản ánh hiện trường): the report, its photos, its timeline, followers and routing data."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from congdanso.agencies.models import Agency, Category, Unit
from congdanso.core.fields import EncryptedTextField
from congdanso.lib.text import search_text
from congdanso.reports.states import Status


class Channel(models.TextChoices):
    APP = "app", _("Ứng dụng")
    WEB = "web", _("Cổng thông tin")
    HOTLINE = "hotline", _("Đường dây nóng 1022")
    EMAIL = "email", _("Thư điện tử")
    ZALO = "zalo", _("Zalo")
    OPEN311 = "open311", _("Hệ thống liên kết (Open311)")


class Priority(models.TextChoices):
    LOW = "low", _("Thấp")
    NORMAL = "normal", _("Bình thường")
    URGENT = "urgent", _("Khẩn cấp")


class WardSource(models.TextChoices):
    BOUNDARY = "boundary", _("Theo ranh giới hành chính")
    CHOSEN = "chosen", _("Người phản ánh chọn")
    STAFF = "staff", _("Cán bộ chọn")
    NONE = "", _("Chưa rõ")


class Report(models.Model):
    """One incident reported by a resident (or on a caller's behalf). Reporter identity is never public."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("mã phản ánh"), max_length=24, unique=True, null=True, blank=True)
    # Foreign keys led by a composite index below (category, ward, agency, reporter) have no index of their own:
    # every index is one more write on each new report.
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+", verbose_name=_("lĩnh vực"),
                                 db_index=False)
    status = models.CharField(_("trạng thái"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    priority = models.CharField(_("mức ưu tiên"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    description = models.TextField(_("nội dung"), max_length=4000)
    attributes = models.JSONField(_("thông tin bổ sung"), default=dict, blank=True)
    lat = models.FloatField(_("vĩ độ"), null=True, blank=True)
    lon = models.FloatField(_("kinh độ"), null=True, blank=True)
    address = models.CharField(_("địa chỉ, tên đường"), max_length=300, blank=True)
    # The description and address folded (lib.text.fold: lower case, no diacritics), kept by save(): the public
    # search matches "o ga" to "Ổ gà" with the database's own LIKE, served by a trigram index on PostgreSQL.
    search_folded = models.TextField(blank=True, default="", editable=False)
    # A ~500 m grid cell of the location (lib.geo.cell_of): street-zoom bbox queries read a few cells by index.
    cell = models.BigIntegerField(null=True, blank=True, editable=False)
    ward = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("phường/xã"), db_index=False)
    ward_source = models.CharField(max_length=10, choices=WardSource.choices, blank=True, default="")
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("cơ quan xử lý"), db_index=False)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("cán bộ xử lý"))
    # Who reported: never shown publicly; hidden from the agency too when identity_hidden (DPO grant needed).
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("người phản ánh"), db_index=False)
    identity_hidden = models.BooleanField(_("ẩn danh tính với cơ quan xử lý"), default=False)
    contact_name = EncryptedTextField(_("họ tên người liên hệ"), blank=True)
    contact_phone = EncryptedTextField(_("điện thoại người liên hệ"), blank=True)
    contact_email = EncryptedTextField(_("thư điện tử người liên hệ"), blank=True)
    channel = models.CharField(_("kênh tiếp nhận"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    source_label = models.CharField(_("nguồn"), max_length=120, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("người nhập"))
    idempotency_key = models.CharField(max_length=80, unique=True, null=True, blank=True, editable=False)
    request_hash = models.CharField(max_length=64, blank=True, editable=False)
    # SLA: due moments are stored, "overdue" is derived from them.
    forward_due_at = models.DateTimeField(_("hạn chuyển xử lý"), null=True, blank=True)
    forwarded_at = models.DateTimeField(_("chuyển xử lý lúc"), null=True, blank=True)
    resolve_due_at = models.DateTimeField(_("hạn trả kết quả"), null=True, blank=True)
    committed_date = models.DateField(_("ngày cam kết hoàn thành"), null=True, blank=True)
    received_at = models.DateTimeField(_("tiếp nhận lúc"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("xử lý xong lúc"), null=True, blank=True)
    closed_at = models.DateTimeField(_("đóng lúc"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("báo quá hạn lúc"), null=True, blank=True)
    resolution_note = models.TextField(_("kết quả xử lý"), blank=True)
    reject_reason = models.TextField(_("lý do không tiếp nhận"), blank=True)
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="duplicates", verbose_name=_("trùng với"))
    transfer_count = models.PositiveIntegerField(_("số lần chuyển"), default=0)
    reopen_count = models.PositiveIntegerField(_("số lần mở lại"), default=0)
    flagged = models.BooleanField(_("cần chú ý (chuyển qua lại nhiều lần)"), default=False)
    follower_count = models.PositiveIntegerField(_("người theo dõi"), default=0)
    me_too_count = models.PositiveIntegerField(_("người cùng gặp"), default=0)
    is_hidden = models.BooleanField(_("ẩn khỏi công khai"), default=False)
    hidden_reason = models.CharField(_("lý do ẩn"), max_length=300, blank=True)
    # Moderation: an editor looked at the content (the queue holds new reports not yet looked at), and why a member of
    # staff asked an editor to look at it ("" when nobody did, or an editor has since).
    reviewed_at = models.DateTimeField(_("biên tập viên đã xem lúc"), null=True, blank=True)
    moderation_flag = models.CharField(_("lý do đề nghị biên tập"), max_length=300, blank=True)
    # A caller who gave a phone number to the hotline and agreed to get the tracking code and status changes by SMS.
    sms_consent_at = models.DateTimeField(_("đồng ý nhận tin nhắn SMS lúc"), null=True, blank=True)
    created_at = models.DateTimeField(_("gửi lúc"), default=timezone.now)
    updated_at = models.DateTimeField(_("cập nhật lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("phản ánh")
        verbose_name_plural = _("phản ánh")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["lat", "lon"], name="report_latlon"),
            # Street zoom: a few cells, and within each the lat range and lon test read from the index itself, so
            # only the rows inside the box are fetched from the table.
            models.Index(fields=["cell", "lat", "lon"], name="report_cell_latlon"),
            models.Index(fields=["updated_at", "id"], name="report_updated"),
            models.Index(fields=["status", "id"], name="report_status"),
            models.Index(fields=["category", "status"], name="report_category_status"),
            models.Index(fields=["ward", "status"], name="report_ward_status"),
            models.Index(fields=["agency", "status"], name="report_agency_status"),
            models.Index(fields=["reporter", "id"], name="report_reporter"),
            models.Index(fields=["resolve_due_at"], name="report_due"),
        ]

    def __str__(self) -> str:
        return self.code or f"#{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_folded = search_text(f"{self.description} {self.address}")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"description", "address"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_folded"}
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        from congdanso.reports.states import OPEN

        return self.status in OPEN

    @property
    def is_overdue(self) -> bool:
        return bool(self.is_open and self.resolve_due_at and timezone.now() > self.resolve_due_at)

    @property
    def is_forward_overdue(self) -> bool:
        return bool(self.forwarded_at is None and self.forward_due_at and timezone.now() > self.forward_due_at)


class PhotoKind(models.TextChoices):
    REPORT = "report", _("Ảnh phản ánh")
    PROGRESS = "progress", _("Ảnh tiến độ")
    PROOF = "proof", _("Ảnh kết quả xử lý")


class ReportPhoto(models.Model):
    """A re-encoded photo without metadata, with a thumbnail. Staff may redact regions (faces, plates)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey("ReportEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="photos")
    kind = models.CharField(max_length=10, choices=PhotoKind.choices, default=PhotoKind.REPORT)
    image = models.FileField(_("ảnh"), max_length=200)
    thumbnail = models.FileField(_("ảnh thu nhỏ"), max_length=200)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    is_hidden = models.BooleanField(_("ẩn"), default=False)
    redacted_at = models.DateTimeField(_("che lúc"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ảnh phản ánh")
        verbose_name_plural = _("ảnh phản ánh")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name


# Who did it, when it is not an agency: stored as a key and translated when shown, so that the history reads in the
# viewer's language, not the language of whoever caused the event.
ACTOR_ROLES = {
    "@reporter": _("Người phản ánh"),
    "@resident": _("Người dân"),
    "@system": _("Hệ thống"),
    "@coordinator": _("Ban điều phối phản ánh"),
    "@editor": _("Ban biên tập"),
}


def actor_display(label: str) -> str:
    """The public name behind a stored actor label: a role key, a reception channel (``@channel:hotline``) or an
    agency's name as stored."""
    if label in ACTOR_ROLES:
        return str(ACTOR_ROLES[label])
    if label.startswith("@channel:") and label.removeprefix("@channel:") in Channel.values:
        return str(Channel(label.removeprefix("@channel:")).label)
    return label


class ReportEvent(models.Model):
    """One line of the report's history. Public lines form the timeline; internal notes are never public."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events",
                               db_index=False)  # led by the (report, id) index below
    kind = models.CharField(max_length=20)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_label = models.CharField(max_length=200, blank=True)  # public: an agency's name, never a resident's
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    message = models.TextField(blank=True)
    is_public = models.BooleanField(default=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("diễn biến phản ánh")
        verbose_name_plural = _("diễn biến phản ánh")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["report", "id"], name="report_event_report")]

    def __str__(self) -> str:
        return f"{self.report_id}:{self.kind}"

    @property
    def actor_name(self) -> str:
        return actor_display(self.actor_label)


class Follow(models.Model):
    """A resident following a report; ``me_too`` also counts them as affected ("tôi cũng gặp")."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    me_too = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("theo dõi phản ánh")
        verbose_name_plural = _("theo dõi phản ánh")
        constraints = [models.UniqueConstraint(fields=["report", "user"], name="unique_report_follow")]
        indexes = [models.Index(fields=["user", "report"], name="report_follow_user")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.report_id}"


class ResponseTemplate(models.Model):
    """A canned answer staff start from, per category (or for all categories when none)."""

    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("lĩnh vực"))
    title = models.CharField(_("tiêu đề"), max_length=120)
    body = models.TextField(_("nội dung"))
    is_active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        verbose_name = _("mẫu trả lời")
        verbose_name_plural = _("mẫu trả lời")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class CategoryOptions(models.Model):
    """What the reports app adds to a category: the distance within which a new report is likely a duplicate."""

    category = models.OneToOneField(Category, on_delete=models.CASCADE, related_name="report_options")
    duplicate_radius_m = models.PositiveIntegerField(_("bán kính gợi ý trùng (m)"), default=150)

    class Meta:
        verbose_name = _("tuỳ chọn lĩnh vực phản ánh")
        verbose_name_plural = _("tuỳ chọn lĩnh vực phản ánh")

    def __str__(self) -> str:
        return str(self.category)


class AttributeType(models.TextChoices):
    STRING = "string", "string"
    NUMBER = "number", "number"
    DATETIME = "datetime", "datetime"
    TEXT = "text", "text"
    SINGLE = "singlevaluelist", "singlevaluelist"
    MULTI = "multivaluelist", "multivaluelist"


class CategoryAttribute(models.Model):
    """An extra question of a category (Open311 service attribute), e.g. "số trụ đèn"."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="report_attributes")
    code = models.SlugField(_("mã"), max_length=40)
    datatype = models.CharField(_("kiểu"), max_length=16, choices=AttributeType.choices, default=AttributeType.STRING)
    description = models.CharField(_("câu hỏi"), max_length=300)
    required = models.BooleanField(_("bắt buộc"), default=False)
    order = models.PositiveIntegerField(_("thứ tự"), default=0)
    values = models.JSONField(_("các lựa chọn"), default=list, blank=True,
                              help_text=_('Danh sách {"key": ..., "name": ...} cho kiểu danh sách.'))

    class Meta:
        verbose_name = _("thông tin bổ sung của lĩnh vực")
        verbose_name_plural = _("thông tin bổ sung của lĩnh vực")
        ordering = ["category", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["category", "code"], name="unique_category_attribute")]

    def __str__(self) -> str:
        return f"{self.category.code}:{self.code}"


class WardBoundary(models.Model):
    """A unit's boundary polygon from the city's GeoJSON (``manage.py import_boundaries``), with its bbox."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="boundary")
    geometry = models.JSONField()
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ranh giới phường/xã")
        verbose_name_plural = _("ranh giới phường/xã")

    def __str__(self) -> str:
        return str(self.unit_id)


class IdentityGrant(models.Model):
    """A data protection officer lets one staff member see the hidden identity of one report's reporter."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="identity_grants")
    grantee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("căn cứ"), max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("hết hạn"))

    class Meta:
        verbose_name = _("cấp quyền xem danh tính")
        verbose_name_plural = _("cấp quyền xem danh tính")

    def __str__(self) -> str:
        return f"{self.grantee_id} @ {self.report_id}"


class MapCell(models.Model):
    """Pre-counted clusters for the public map when zoomed out, rebuilt from the reports now and then."""

    level = models.PositiveSmallIntegerField()
    cx = models.IntegerField()
    cy = models.IntegerField()
    category_id = models.IntegerField()
    state = models.CharField(max_length=8)  # open | done
    count = models.PositiveIntegerField()
    lat_sum = models.FloatField()
    lon_sum = models.FloatField()

    class Meta:
        verbose_name = _("ô bản đồ")
        verbose_name_plural = _("ô bản đồ")
        indexes = [models.Index(fields=["level", "cy", "cx"], name="report_mapcell")]

    def __str__(self) -> str:
        return f"{self.level}:{self.cx},{self.cy}"
