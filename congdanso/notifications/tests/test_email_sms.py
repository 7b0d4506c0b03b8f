"""E-mail through a real SMTP server on loopback (aiosmtpd); SMS through the HTTP adapter to a local gateway."""

from __future__ import annotations

import json
import logging
import socket
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction

from congdanso.notifications import services
from congdanso.notifications.models import Delivery, DeliveryStatus
from congdanso.testing.factories import drain, make_due, verified_contact

pytestmark = pytest.mark.django_db
CONTEXT = {"code": "HS-1", "status": "Đã có kết quả", "procedure": "Đăng ký hộ kinh doanh"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    return inbox, controller


def test_email_arrives_over_smtp(citizen, smtp) -> None:
    inbox, controller = smtp
    citizen.email = "lan@example.vn"
    citizen.save()
    controller.start()
    try:
        with transaction.atomic():
            services.notify([citizen], "dossier_status", CONTEXT, link="/dossiers/HS-1")
        drain()
    finally:
        controller.stop()
    [(rcpt, message)] = inbox.messages
    delivery = Delivery.objects.get(channel="email")
    assert rcpt == ["lan@example.vn"]
    assert message["Subject"] == "Hồ sơ HS-1: Đã có kết quả"
    assert message["Message-ID"].startswith(f"<delivery-{delivery.pk}@")
    assert "Đăng ký hộ kinh doanh" in message.get_content()
    assert delivery.status == DeliveryStatus.SENT


def test_smtp_down_is_retried_with_a_clear_log_then_delivered(citizen, smtp, caplog) -> None:
    inbox, controller = smtp
    citizen.email = "lan@example.vn"
    citizen.save()
    with transaction.atomic():  # the request that caused it: no exception even though SMTP is down
        services.notify([citizen], "dossier_status", CONTEXT)
    with caplog.at_level(logging.WARNING):
        drain()
    delivery = Delivery.objects.get(channel="email")
    assert delivery.status == DeliveryStatus.QUEUED and "SMTP unreachable" in delivery.last_error
    assert "e-mail server unreachable, 1 messages will be retried" in caplog.text
    controller.start()
    try:
        make_due()
        drain()
    finally:
        controller.stop()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2
    assert len(inbox.messages) == 1


class Gateway:
    def __init__(self, fail_first: int = 0) -> None:
        self.requests: list[tuple[dict, dict]] = []
        self.fail_first = fail_first
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway.requests.append((dict(self.headers), body))
                failing = len(gateway.requests) <= gateway.fail_first
                self.send_response(503 if failing else 202)
                if failing:
                    self.send_header("Retry-After", "30")
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"


def test_sms_http_adapter_with_retry(citizen, settings) -> None:
    gateway = Gateway(fail_first=1)
    settings.SMS_BACKEND, settings.SMS_URL, settings.SMS_TOKEN = "http", gateway.url, "tok-123"
    settings.SITE_URL = "https://congdanso.example.vn"
    verified_contact(citizen, phone="+84901234567")
    services.update_preferences(citizen, channels_by_kind={"report_status": ["sms"]}, quiet_start=None,
                                quiet_end=None, phone="+84901234567")
    with transaction.atomic():
        services.notify([citizen], "report_status", {"code": "PA-7", "status": "Đã xử lý", "subject": "Cây đổ"},
                        link="/reports/PA-7")
    drain()
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.QUEUED and "503" in delivery.last_error
    make_due()
    drain()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    (headers1, _body1), (headers2, body2) = gateway.requests
    assert headers2["Authorization"] == "Bearer tok-123"
    assert headers1["Idempotency-Key"] == headers2["Idempotency-Key"] == f"cds-delivery-{delivery.pk}"
    assert body2["to"] == "+84901234567"
    assert body2["text"].startswith("Phản ánh PA-7: Đã xử lý")
    assert body2["text"].endswith("https://congdanso.example.vn/reports/PA-7")
    gateway.server.shutdown()


def test_sms_console_backend(citizen, capsys) -> None:
    verified_contact(citizen, phone="0901234567")
    services.update_preferences(citizen, channels_by_kind={"announcement": ["sms"]}, quiet_start=None,
                                quiet_end=None, phone="0901234567")
    with transaction.atomic():
        services.notify([citizen], "announcement", {"title": "Lịch tiêm chủng", "message": "Sáng thứ hai"})
    drain()
    assert "[SMS to 0901234567] Lịch tiêm chủng: Sáng thứ hai" in capsys.readouterr().out
    assert Delivery.objects.get().status == DeliveryStatus.SENT
