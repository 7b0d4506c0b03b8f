"""The audit log: one call, used by every service that changes or reveals something that matters."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
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
        connection.audit_maintenance = True
        try:
            yield
        finally:
            connection.audit_maintenance = previous
