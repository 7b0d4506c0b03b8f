"""A small command-line probe the worker tests run in other processes (``python -m congdanso.core.tests.outbox_probe``).

It registers the ``test.e2e`` outbox topic, whose handler appends ``<n> <pid>`` to the file named by
``PROBE_LOG`` (one line per delivery, so the test can count deliveries across processes), then:

* ``setup N``: commits a transaction that enqueues N rows (payload ``{"n": i}``), hints them a second time
  (a duplicated hint must be harmless), and writes one more row as claimed by a worker that died long ago
  (``n = -1``, its lease expired, no hint anywhere);
* ``worker [--burst]``: runs ``manage.py run_worker`` in this process;
* ``state``: prints the outbox rows as JSON;
* ``ready``: prints the /readyz answer as JSON.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta

import django

from congdanso.core.tests.fault_probe import deliver  # appends "<n> <pid>" to PROBE_LOG

TOPIC = "test.e2e"


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "congdanso.settings")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction
    from django.test import Client
    from django.utils import timezone

    from congdanso.core import outbox
    from congdanso.core.models import OutboxMessage, OutboxStatus

    outbox.register(TOPIC, deliver)
    command, *rest = argv
    if command == "setup":
        with transaction.atomic():
            rows = [outbox.enqueue(TOPIC, {"n": n}) for n in range(int(rest[0]))]
        outbox._hint([row.pk for row in rows])
        long_ago = timezone.now() - timedelta(seconds=settings.OUTBOX_LEASE_SECONDS + 60)
        OutboxMessage.objects.create(topic=TOPIC, payload={"n": -1}, status=OutboxStatus.CLAIMED, attempts=1,
                                     claimed_at=long_ago, claimed_by="dead-host:4242", enqueued_at=long_ago,
                                     available_at=long_ago)
    elif command == "worker":
        call_command("run_worker", *rest)
    elif command == "state":
        rows = OutboxMessage.objects.order_by("pk").values("payload", "status", "attempts", "claimed_by")
        print(json.dumps(list(rows)))
    elif command == "ready":
        response = Client().get("/readyz")
        print(json.dumps({"status_code": response.status_code, **response.json()}))
    else:
        print(f"unknown command {command!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
