"""The audit log: one call, used by every service that changes or reveals something that matters."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.http import HttpRequest

from congdanso.core.models import AuditEntry


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or, behind trusted reverse proxies, the address the outermost
    trusted proxy saw (``TRUSTED_PROXY_HEADER``, counted ``TRUSTED_PROXY_COUNT`` entries from the right, because
    each proxy appends what it saw and a client can put anything at the left). A request that did not come from
    a trusted proxy address, or whose header is missing or malformed, is taken at its ``REMOTE_ADDR``."""
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or None
    header = settings.TRUSTED_PROXY_HEADER
    if not header:
        return remote
    if settings.TRUSTED_PROXY_ADDRESSES and remote not in settings.TRUSTED_PROXY_ADDRESSES:
        return remote
    value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
    hops = [hop.strip() for hop in value.split(",") if hop.strip()]
    count = max(1, settings.TRUSTED_PROXY_COUNT)
    if len(hops) < count:
        return remote
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


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
        object_type=object_type[:80],
        object_id=str(object_id)[:64],
        ip_address=ip or client_ip(request),
        data=data,
    )


@contextmanager
def maintenance_mode(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """A transaction in which the database lets the audit table be emptied (``flush``, a retention purge).

    Never use it to edit entries. PostgreSQL: a transaction-local setting read by the triggers; SQLite: a flag on
    this connection read through the ``congdanso_audit_maintenance()`` SQL function (see CoreConfig.ready).
    """
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('congdanso.audit_maintenance', true)")
                previous_setting = cursor.fetchone()[0] or "off"
                cursor.execute("SELECT set_config('congdanso.audit_maintenance', 'on', true)")
            yield
            # On an error the savepoint's rollback undoes the setting; on success it is put back by hand, since
            # a transaction-local setting would otherwise outlive a nested block.
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('congdanso.audit_maintenance', %s, true)", [previous_setting])
            return
        previous = getattr(connection, "audit_maintenance", False)
        connection.audit_maintenance = True  # type: ignore[attr-defined]  # a flag on this connection object
        try:
            yield
        finally:
            connection.audit_maintenance = previous  # type: ignore[attr-defined]
