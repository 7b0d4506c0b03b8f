"""Background tasks of the core: running outbox rows. Tasks carry ids only; the rows carry the work."""

from __future__ import annotations

from django_tasks import task

from congdanso.core import outbox


@task()
def run_outbox_batch(message_ids: list[int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    worker = outbox.worker_name()
    for message_id in message_ids:
        result = outbox.run_message(message_id, worker)
        counts[result] = counts.get(result, 0) + 1
    return counts
