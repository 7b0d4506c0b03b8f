"""Background tasks of the core. The outbox's task lives with the outbox (``core/outbox.py``); this name is kept
so that tasks queued under ``congdanso.core.tasks.run_outbox_batch`` still resolve."""

from __future__ import annotations

from congdanso.core.outbox import run_outbox_batch

__all__ = ["run_outbox_batch"]
