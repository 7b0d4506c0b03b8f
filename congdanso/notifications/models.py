"""Notifications: the inbox item, its deliveries per channel, preferences, push subscriptions and webhooks.

A ``Notification`` is one message to one person; it *is* the in-app inbox entry. Every other channel gets a
``Delivery`` row (one per channel, and for Web Push one per subscribed device) written in the same transaction, so
nothing is lost when a worker dies: the delivery worker claims rows with a conditional UPDATE and records the end
state (sent, delivered, failed with a reason, or expired).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from congdanso.core.fields import EncryptedTextField


class Channel(models.TextChoices):
    INBOX = "inbox", _("Hộp thư trong ứng dụng")
    WEBPUSH = "webpush", _("Thông báo đẩy")
    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn SMS")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Chờ gửi")
    SENDING = "sending", _("Đang gửi")
    SENT = "sent", _("Đã gửi")
    DELIVERED = "delivered", _("Đã nhận")
    FAILED = "failed", _("Thất bại")
    EXPIRED = "expired", _("Hết hạn")


FINAL_STATUSES = (DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.FAILED, DeliveryStatus.EXPIRED)


class Notification(models.Model):
    # Empty for a message to a person without an account (a hotline caller who agreed to SMS): no inbox entry, one
    # SMS delivery to the number the owning app holds (``contacts.py``), read when it is sent.
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                                  verbose_name=_("người nhận"), null=True, blank=True)
    kind = models.CharField(_("loại"), max_length=40, db_index=True)
    language = models.CharField(_("ngôn ngữ"), max_length=8, default="vi")
    title = models.CharField(_("tiêu đề"), max_length=200)
    body = models.TextField(_("nội dung"), blank=True)
    link = models.CharField(_("liên kết"), max_length=500, blank=True)
    object_type = models.CharField(_("loại đối tượng"), max_length=80, blank=True)
    object_id = models.CharField(_("mã đối tượng"), max_length=64, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("người gây ra"))
    urgent = models.BooleanField(_("khẩn cấp"), default=False)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    read_at = models.DateTimeField(_("đọc lúc"), null=True, blank=True)
    # How many updates this one notification stands for: updates of one object within NOTIFY_GROUP_SECONDS are
    # grouped into the first (its text replaced by the latest), ``updated_at`` says when the last one came.
    group_count = models.PositiveIntegerField(_("số cập nhật gộp"), default=1)
    updated_at = models.DateTimeField(_("cập nhật lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notif_recipient_read"),
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient_created"),
            models.Index(fields=["object_type", "object_id"], name="notif_object"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class PushSubscription(models.Model):
    """A browser's Web Push subscription (RFC 8030 endpoint + RFC 8291 keys), tied to an account and a session."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions",
                             verbose_name=_("người dùng"))
    endpoint = models.TextField(_("địa chỉ dịch vụ đẩy"))
    endpoint_hash = models.CharField(max_length=64, unique=True, editable=False)
    p256dh = models.CharField(_("khoá công khai P-256"), max_length=120)
    auth = models.CharField(_("bí mật xác thực"), max_length=40)
    session_key = models.CharField(_("phiên đăng nhập"), max_length=40, blank=True, db_index=True)
    user_agent = models.CharField(_("trình duyệt"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    last_success_at = models.DateTimeField(_("gửi thành công gần nhất"), null=True, blank=True)

    class Meta:
        verbose_name = _("đăng ký thông báo đẩy")
        verbose_name_plural = _("đăng ký thông báo đẩy")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.endpoint[:60]}"

    def save(self, *args, **kwargs) -> None:
        self.endpoint_hash = self.hash_endpoint(self.endpoint)
        super().save(*args, **kwargs)

    @staticmethod
    def hash_endpoint(endpoint: str) -> str:
        return hashlib.sha256(endpoint.encode("utf-8")).hexdigest()


class Delivery(models.Model):
    """One notification on one channel (and device). Claimed by a worker with a conditional UPDATE."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries",
                                     verbose_name=_("thông báo"))
    channel = models.CharField(_("kênh"), max_length=10, choices=Channel.choices)
    subscription = models.ForeignKey(PushSubscription, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="deliveries", verbose_name=_("thiết bị"))
    status = models.CharField(_("trạng thái"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.QUEUED)
    attempts = models.PositiveIntegerField(_("số lần thử"), default=0)
    available_at = models.DateTimeField(_("gửi từ"), default=timezone.now)
    expires_at = models.DateTimeField(_("hết hạn lúc"), null=True, blank=True)
    claimed_by = models.CharField(_("nhận bởi"), max_length=120, blank=True)
    claimed_at = models.DateTimeField(_("nhận lúc"), null=True, blank=True)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("nhận được lúc"), null=True, blank=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("lượt gửi")
        verbose_name_plural = _("lượt gửi")
        indexes = [models.Index(fields=["status", "available_at"], name="delivery_status_due")]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk} ({self.status})"


class Preference(models.Model):
    """What a resident wants to receive, where, and when not to be disturbed."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_preference", verbose_name=_("người dùng"))
    # {kind code: [channel codes]}; a kind missing here uses the kind's default channels.
    channels = models.JSONField(_("kênh theo loại thông báo"), default=dict, blank=True)
    quiet_start = models.TimeField(_("giờ yên lặng từ"), null=True, blank=True)
    quiet_end = models.TimeField(_("giờ yên lặng đến"), null=True, blank=True)
    email = EncryptedTextField(_("thư điện tử nhận thông báo"), blank=True)
    phone = EncryptedTextField(_("số điện thoại nhận SMS"), blank=True)
    # Set when the resident typed the one-time code sent there; e-mail and SMS are offered only once verified.
    email_verified_at = models.DateTimeField(_("xác nhận thư điện tử lúc"), null=True, blank=True)
    phone_verified_at = models.DateTimeField(_("xác nhận số điện thoại lúc"), null=True, blank=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("tuỳ chọn thông báo")
        verbose_name_plural = _("tuỳ chọn thông báo")

    def __str__(self) -> str:
        return f"{self.user_id}"


class ContactVerification(models.Model):
    """A one-time code sent to a resident's e-mail address or phone number, to prove it reaches them.

    Only keyed hashes are kept: of the code (with the address it was sent to, so a code proves that address only)
    and of the address. One row per person and channel; it is deleted when the code is confirmed, after too many
    wrong codes, when the address changes, and replaced by the next code sent."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_verifications",
                             verbose_name=_("người dùng"))
    channel = models.CharField(_("kênh"), max_length=10,
                               choices=[(Channel.EMAIL, Channel.EMAIL.label), (Channel.SMS, Channel.SMS.label)])
    address_hash = models.CharField(_("mã băm của địa chỉ"), max_length=64)
    code_hash = models.CharField(_("mã băm của mã xác nhận"), max_length=64)
    attempts = models.PositiveSmallIntegerField(_("số lần nhập sai"), default=0)
    sent_at = models.DateTimeField(_("gửi lúc"), default=timezone.now)
    expires_at = models.DateTimeField(_("hết hạn lúc"), db_index=True)

    class Meta:
        verbose_name = _("mã xác nhận liên hệ")
        verbose_name_plural = _("mã xác nhận liên hệ")
        constraints = [models.UniqueConstraint(fields=["user", "channel"], name="contact_verification_one")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.channel}"


class Webhook(models.Model):
    """An integrator's endpoint: receives signed JSON events (HMAC-SHA256) for the topics it subscribed to."""

    name = models.CharField(_("tên"), max_length=120)
    url = models.URLField(_("địa chỉ nhận"), max_length=500)
    secret = EncryptedTextField(_("khoá ký"))
    topics = models.JSONField(_("chủ đề"), default=list, help_text=_("Ví dụ: report.status_changed, dossier.*"))
    active = models.BooleanField(_("đang hoạt động"), default=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhook")

    def __str__(self) -> str:
        return self.name

    def wants(self, topic: str) -> bool:
        for pattern in self.topics or []:
            if pattern in ("*", topic) or (pattern.endswith(".*") and topic.startswith(pattern[:-1])):
                return True
        return False
