from __future__ import annotations

from collections.abc import Iterator

import pytest

from congdanso.core import outbox
from congdanso.core.models import OutboxMessage, OutboxStatus
from congdanso.notifications import vapid
from congdanso.notifications.channels import webpush
from congdanso.notifications.tests.pushservice import PushService


@pytest.fixture
def push_service() -> Iterator[PushService]:
    service = PushService().start()
    yield service
    service.stop()


@pytest.fixture(autouse=True)
def _loopback_receivers(settings) -> None:  # type: ignore[no-untyped-def]
    """The tests' push service, webhook receiver and SMS gateway run on loopback: let core.outgoing reach them."""
    settings.OUTGOING_ALLOWED_HOSTS = ["127.0.0.1", "localhost"]


@pytest.fixture(autouse=True)
def _fresh_vapid_tokens() -> Iterator[None]:
    vapid.forget_tokens()
    webpush.reset()
    yield
    webpush.reset()


def drain(max_rounds: int = 20) -> dict[str, int]:
    """Run every due outbox row in this process (what a worker does), until none is left."""
    counts: dict[str, int] = {}
    for _ in range(max_rounds):
        due = list(OutboxMessage.objects.filter(status=OutboxStatus.PENDING).values_list("pk", "available_at"))
        from django.utils import timezone

        due = [pk for pk, at in due if at <= timezone.now()]
        if not due:
            break
        for pk in due:
            result = outbox.run_message(pk, "test-worker")
            counts[result] = counts.get(result, 0) + 1
    return counts


def make_due() -> None:
    """Fast-forward: every waiting outbox row and queued delivery becomes due now."""
    from django.utils import timezone

    from congdanso.notifications.channels import webpush
    from congdanso.notifications.models import Delivery, DeliveryStatus

    webpush.reset()  # forget Retry-After pauses too: time has "passed"
    OutboxMessage.objects.filter(status=OutboxStatus.PENDING).update(available_at=timezone.now())
    Delivery.objects.filter(status=DeliveryStatus.QUEUED).update(available_at=timezone.now())
