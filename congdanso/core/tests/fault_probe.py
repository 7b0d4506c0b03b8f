"""The process side of the fault tests (``python -m congdanso.core.tests.fault_probe``).

It registers the ``test.fault`` outbox topic, whose handler sleeps ``PROBE_DELAY`` seconds (default 0) and then
appends ``<n> <pid>`` to the file named by ``PROBE_LOG``; then:

* ``enqueue FIRST COUNT``: commits one transaction that writes rows ``n = FIRST … FIRST+COUNT-1``;
* ``worker``: runs ``manage.py run_worker`` in this process, until stopped;
* ``get PATH …``: prints, as JSON, the status, ``Retry-After`` and body of each GET (``/readyz`` included) as a
  web process with this environment answers them.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

import django

TOPIC = "test.fault"


def deliver(payload: dict[str, Any]) -> None:
    time.sleep(float(os.environ.get("PROBE_DELAY", "0")))
    line = f"{payload['n']} {os.getpid()}\n".encode()
    fd = os.open(os.environ["PROBE_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "congdanso.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.test import Client

    from congdanso.core import outbox

    outbox.register(TOPIC, deliver)
    command, *rest = argv
    if command == "enqueue":
        first, count = int(rest[0]), int(rest[1])
        with transaction.atomic():
            outbox.enqueue_many(TOPIC, [{"n": n} for n in range(first, first + count)])
    elif command == "worker":
        call_command("run_worker")
    elif command == "get":
        answers = []
        for path in rest:
            response = Client(raise_request_exception=False).get(path)
            body = response.json() if response["Content-Type"].startswith("application/json") else None
            answers.append({"path": path, "status_code": response.status_code,
                            "retry_after": response.get("Retry-After"), "body": body})
        print(json.dumps(answers))
    else:
        print(f"unknown command {command!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
