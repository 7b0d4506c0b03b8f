"""Counters in the database, shared by every process: rate limits when there is no Redis.

Each key is one row; a count locks the row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's write transaction
serialises writers), so two processes never both read the same value. The keys of one call are taken in sorted
order, so two calls cannot deadlock. Expired rows are reused when their key comes back and purged by the worker's
periodic sweep (``purge_expired``).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from congdanso.core.models import RateCounter


def count(keys: list[str], timeout: int, delta: int = 1) -> list[int]:
    """Add ``delta`` to each counter and return the new values in the order of ``keys``. A missing or expired
    counter starts at 0 and lives ``timeout`` seconds from this count (fixed windows)."""
    now = timezone.now()
    expires = now + timedelta(seconds=timeout)
    values: dict[str, int] = {}
    with transaction.atomic():
        for key in sorted(set(keys)):
            row = RateCounter.objects.select_for_update().filter(key=key).first()
            if row is None:
                try:
                    with transaction.atomic():
                        RateCounter.objects.create(key=key, value=delta, expires_at=expires)
                    values[key] = delta
                    continue
                except IntegrityError:  # another process created it first: count on its row
                    row = RateCounter.objects.select_for_update().get(key=key)
            if row.expires_at <= now:
                row.value, row.expires_at = delta, expires
            else:
                row.value += delta
            row.save(update_fields=["value", "expires_at"])
            values[key] = row.value
    return [values[key] for key in keys]


def purge_expired() -> int:
    return RateCounter.objects.filter(expires_at__lte=timezone.now()).delete()[0]
