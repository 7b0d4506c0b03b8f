"""docs/notifications.md's examples work against the code: the "Sending" block is run as written, and the
webhook command line it shows registers a webhook."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from congdanso.core.models import OutboxMessage
from congdanso.notifications.models import Notification, Webhook
from congdanso.reports import services
from congdanso.testing.factories import make_input

pytestmark = pytest.mark.django_db
DOC = Path(__file__).resolve().parents[3] / "docs" / "notifications.md"


def test_the_sending_example_runs_as_written(citizen, category, officer) -> None:
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"## Sending\n.*?```python\n(.*?)```", text, re.S).group(1)
    report = services.submit_report(make_input(category), actor=citizen).report
    Webhook.objects.create(name="Báo chí", url="https://hooks.example.org/cds", secret="s", topics=["report.*"])
    exec(compile(block, str(DOC), "exec"), {"report": report, "officer": officer})
    notification = Notification.objects.get(recipient=citizen, kind="report_status")
    assert notification.title == f"Phản ánh {report.code}: {report.get_status_display()}"
    assert category.name in notification.body
    assert notification.link == reverse("reports:detail", args=[report.code]) and notification.actor == officer
    assert (notification.object_type, notification.object_id) == ("reports.report", str(report.pk))
    assert OutboxMessage.objects.filter(topic="notifications.webhook", payload__topic="report.status_changed").exists()


def test_the_webhook_command_line_registers_a_webhook() -> None:
    text = DOC.read_text(encoding="utf-8")
    line = re.search(r"`manage\.py (create_webhook [^`]+)`", text).group(1)
    args = [a.strip("'") for a in line.split()]
    assert args[:2] == ["create_webhook", "NAME"]
    out = StringIO()
    call_command("create_webhook", "Tổng đài 1022", "https://hooks.example.org/cds", *args[3:], stdout=out)
    hook = Webhook.objects.get()
    assert hook.topics == ["report.*"] and "whsec_" in out.getvalue()
