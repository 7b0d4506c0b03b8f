"""Webhooks: signed with HMAC-SHA256, delivered to a local receiver, retried through the outbox."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction

from congdanso.core.models import OutboxMessage, OutboxStatus
from congdanso.notifications import services
from congdanso.notifications.models import Webhook
from congdanso.testing.factories import drain, make_due

pytestmark = pytest.mark.django_db
SECRET = "whsec-thu-nghiem-0123456789"


class Receiver:
    def __init__(self, fail_first: int = 0) -> None:
        self.calls: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(500 if len(receiver.calls) <= fail_first else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def verify(self, headers: dict, body: bytes) -> bool:
        expected = hmac.new(SECRET.encode(), headers["x-cds-timestamp"].encode() + b"." + body, hashlib.sha256)
        return hmac.compare_digest("sha256=" + expected.hexdigest(), headers["x-cds-signature"])


def test_webhook_is_signed_and_retried_until_accepted() -> None:
    receiver = Receiver(fail_first=1)
    Webhook.objects.create(name="Tổng đài 1022", url=receiver.url, secret=SECRET, topics=["report.*"])
    Webhook.objects.create(name="Dịch vụ công", url=receiver.url, secret=SECRET, topics=["dossier.status_changed"])
    with transaction.atomic():
        assert services.emit_webhook("report.status_changed", {"code": "PA-9", "status": "resolved"}) == 1
    drain()
    message = OutboxMessage.objects.get(topic=services.WEBHOOK_TOPIC)
    assert message.status == OutboxStatus.PENDING and "500" in message.last_error and message.attempts == 1
    make_due()
    drain()
    message.refresh_from_db()
    assert message.status == OutboxStatus.DONE
    (h1, _b1), (h2, b2) = receiver.calls
    assert h1["x-cds-delivery"] == h2["x-cds-delivery"], "the same event id on every retry"
    assert receiver.verify(h2, b2)
    tampered = b2.replace(b"resolved", b"rejected")
    assert not receiver.verify(h2, tampered)
    event = json.loads(b2)
    assert event["topic"] == "report.status_changed" and event["data"] == {"code": "PA-9", "status": "resolved"}
    assert h2["x-cds-event"] == "report.status_changed"
    receiver.server.shutdown()


def test_no_subscriber_no_row() -> None:
    Webhook.objects.create(name="x", url="http://127.0.0.1:9/", secret=SECRET, topics=["dossier.*"], active=True)
    Webhook.objects.create(name="y", url="http://127.0.0.1:9/", secret=SECRET, topics=["*"], active=False)
    with transaction.atomic():
        assert services.emit_webhook("report.created", {}) == 0
    assert not OutboxMessage.objects.exists()


def test_create_webhook_command_prints_a_secret_that_signs_the_events(settings) -> None:
    import io

    from django.core.management import call_command

    from congdanso.core.models import AuditEntry

    receiver = Receiver()
    out = io.StringIO()
    call_command("create_webhook", "Trung tâm IOC", receiver.url, "--topic", "report.*", stdout=out)
    secret = out.getvalue().strip()
    hook = Webhook.objects.get()
    assert secret.startswith("whsec_") and hook.secret == secret and hook.topics == ["report.*"]
    assert AuditEntry.objects.filter(action="notifications.webhook_created").count() == 1
    with transaction.atomic():
        assert services.emit_webhook("report.status_changed", {"code": "PA-1"}) == 1
    drain()
    [(headers, body)] = receiver.calls
    expected = hmac.new(secret.encode(), headers["x-cds-timestamp"].encode() + b"." + body, hashlib.sha256)
    assert headers["x-cds-signature"] == "sha256=" + expected.hexdigest()
    receiver.server.shutdown()


@pytest.mark.parametrize(("url", "topics"), [
    ("ftp://ioc.hcmc.gov.vn/hook", ["report.*"]),
    ("http://ioc.hcmc.gov.vn/hook", ["report.*"]),  # plain http only to loopback (or in development)
    ("https://ioc.hcmc.gov.vn/hook", ["weather.*"]),
    ("https://ioc.hcmc.gov.vn/hook", []),
    ("https://[ioc.hcmc.gov.vn/hook", ["report.*"]),  # malformed: a clear error, not a traceback
])
def test_bad_webhooks_are_refused_with_a_clear_message(url, topics, settings) -> None:
    from django.core.management import CommandError, call_command

    settings.DEBUG = False
    args = [a for t in topics for a in ("--topic", t)] or ["--topic", " "]
    with pytest.raises(CommandError):
        call_command("create_webhook", "X", url, *args)
    assert not Webhook.objects.exists()
