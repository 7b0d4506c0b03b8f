from __future__ import annotations

from collections.abc import Iterator

import pytest

from congdanso.notifications import vapid
from congdanso.notifications.channels import webpush
from congdanso.notifications.tests.pushservice import PushService
from congdanso.testing.factories import drain, make_due

__all__ = ["drain", "make_due"]  # imported from here by tests written before the factories module


@pytest.fixture
def push_service() -> Iterator[PushService]:
    service = PushService().start()
    yield service
    service.stop()


@pytest.fixture(autouse=True)
def _fresh_vapid_tokens() -> Iterator[None]:
    vapid.forget_tokens()
    webpush.reset()
    yield
    webpush.reset()
