"""Process-local memo of small, rarely changed reference data (categories with their questions, code maps, the
ward boundary index), so the hot paths do not read it from the database on every request.

Each process keeps its own copy for ``ttl`` seconds. When a row the data is built from is saved or deleted, the
one receiver ``forget_all`` (connected by each app to its reference models' ``post_save`` / ``post_delete``)
empties every memo of this process at once; other processes see the change when their copy expires. Nothing here
may be relied on to be shared between processes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

_registry: list[Memo[Any]] = []


class Memo(Generic[T]):
    """Values by key, each loaded once and kept ``ttl`` seconds in this process."""

    def __init__(self, name: str, ttl: float) -> None:
        self.name = name
        self.ttl = ttl
        self._values: dict[Hashable, tuple[float, T]] = {}
        self._lock = threading.Lock()
        _registry.append(self)

    def get(self, key: Hashable, load: Callable[[], T], *, fresh: bool = False) -> T:
        """The value for ``key``, loaded by ``load()`` when absent, expired, or ``fresh`` is asked for."""
        now = time.monotonic()
        hit = self._values.get(key)
        if not fresh and hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        value = load()
        with self._lock:
            self._values[key] = (now, value)
        return value

    def discard(self, key: Hashable) -> None:
        with self._lock:
            self._values.pop(key, None)

    def forget(self) -> None:
        with self._lock:
            self._values.clear()


def _forget_every_memo() -> None:
    for memo in list(_registry):
        memo.forget()


def forget_all(**signal_kwargs: object) -> None:
    """Empty every memo of this process (a signal receiver: reference data changed). Again when the transaction
    commits: a read by another thread before the commit may have loaded the old rows."""
    _forget_every_memo()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_forget_every_memo)


def forget_when_changed(*models: type[Model]) -> None:
    """Connect ``forget_all`` to the saves and deletes of ``models`` (from an app's ``ready``)."""
    for model in models:
        label = model._meta.label_lower
        post_save.connect(forget_all, sender=model, dispatch_uid=f"memo-forget-save-{label}")
        post_delete.connect(forget_all, sender=model, dispatch_uid=f"memo-forget-delete-{label}")
