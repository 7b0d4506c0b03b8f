"""Files a service writes inside its transaction, deleted again if the block fails, so a refused request leaves no
orphan file. Each app that stores uploads keeps one ``WrittenFiles`` for its storage (report photos, dossier
documents)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar

from django.core.files.base import ContentFile
from django.core.files.storage import Storage


class WrittenFiles:
    def __init__(self, name: str, storage: Callable[[], Storage]) -> None:
        self._written: ContextVar[list[str] | None] = ContextVar(name, default=None)
        self._storage = storage

    @contextmanager
    def cleanup(self) -> Iterator[list[str]]:
        """Collects the names written inside (this thread/context only); deletes them if the block raises."""
        written: list[str] = []
        token = self._written.set(written)
        try:
            yield written
        except BaseException:
            self.delete(written)
            raise
        finally:
            self._written.reset(token)

    def save(self, name: str, content: bytes) -> str:
        stored = self._storage().save(name, ContentFile(content))
        written = self._written.get()
        if written is not None:
            written.append(stored)
        return stored

    def delete(self, names: Iterable[str]) -> None:
        for name in names:
            with suppress(OSError):
                self._storage().delete(name)
