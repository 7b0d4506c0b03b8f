from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        abstract = True


class AppendOnlyError(RuntimeError):
    pass


class AuditEntry(models.Model):
    """Who did what, when, to which object, from where. Append-only (a database trigger refuses changes)."""

    at = models.DateTimeField(_("lúc"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người thực hiện"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    actor_label = models.CharField(_("tên người thực hiện"), max_length=200, blank=True)
    action = models.CharField(_("hành động"), max_length=80, db_index=True)
    object_type = models.CharField(_("loại đối tượng"), max_length=80, blank=True)
    object_id = models.CharField(_("mã đối tượng"), max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True)
    data = models.JSONField(_("chi tiết"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("nhật ký kiểm toán")
        verbose_name_plural = _("nhật ký kiểm toán")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("audit entries cannot be deleted")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("chờ xử lý")
    CLAIMED = "claimed", _("đang xử lý")
    DONE = "done", _("xong")
    FAILED = "failed", _("thất bại")


class OutboxMessage(models.Model):
    """Work that must not be lost, written in the transaction that caused it; a task or the sweeper runs it."""

    topic = models.CharField(_("chủ đề"), max_length=80, db_index=True)
    payload = models.JSONField(_("nội dung"), default=dict)
    status = models.CharField(_("trạng thái"), max_length=10, choices=OutboxStatus.choices,
                              default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(_("số lần thử"), default=0)
    available_at = models.DateTimeField(_("chạy từ"), default=timezone.now)
    enqueued_at = models.DateTimeField(_("đưa vào hàng đợi lúc"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("nhận lúc"), null=True, blank=True)
    claimed_by = models.CharField(_("nhận bởi"), max_length=100, blank=True)
    finished_at = models.DateTimeField(_("xong lúc"), null=True, blank=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("thông điệp chờ gửi")
        verbose_name_plural = _("thông điệp chờ gửi")
        indexes = [models.Index(fields=["status", "available_at"])]

    def __str__(self) -> str:
        return f"{self.topic}#{self.pk} ({self.status})"


class WorkerHeartbeat(models.Model):
    worker_id = models.CharField(max_length=100, unique=True)
    hostname = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    backend = models.CharField(max_length=20)
    started_at = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)
    # Outcomes of the tasks this worker ran in the last WORKER_FAILURE_WINDOW_SECONDS, written with each beat:
    # /readyz tells a worker that is alive but failing every task from a healthy one.
    recent_tasks = models.PositiveIntegerField(default=0)
    recent_failures = models.PositiveIntegerField(default=0)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("nhịp tim worker")
        verbose_name_plural = _("nhịp tim worker")

    def __str__(self) -> str:
        return f"{self.worker_id} @ {self.last_seen:%H:%M:%S}"


class RateCounter(models.Model):
    """A counter shared by every process, for rate limits when there is no Redis (core/counters.py)."""

    key = models.CharField(max_length=200, unique=True)
    value = models.BigIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("bộ đếm giới hạn")
        verbose_name_plural = _("bộ đếm giới hạn")

    def __str__(self) -> str:
        return f"{self.key}={self.value}"
