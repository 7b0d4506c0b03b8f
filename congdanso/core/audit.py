"""The audit log: one call, used by every service that changes or reveals something that matters."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from congdanso.core.models import AuditEntry


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    action: str,
    *,
    actor: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    request: HttpRequest | None = None,
    ip: str | None = None,
    **data: Any,
) -> AuditEntry:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    is_user = getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        action=action,
        actor=actor if is_user else None,
        actor_label=str(actor or "")[:200],
        object_type=object_type,
        object_id=str(object_id),
        ip_address=ip or client_ip(request),
        data=data,
    )
