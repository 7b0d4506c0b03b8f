"""Per-address report limits count each resident behind a trusted proxy, not the proxy."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from congdanso.core.audit import client_ip
from congdanso.reports import services
from congdanso.reports.errors import RateLimited
from congdanso.reports.tests.conftest import make_input

PROXY = "10.0.0.5"


def request_from(remote: str, forwarded: str) -> Any:
    return RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)


@pytest.mark.django_db
def test_residents_behind_one_proxy_have_their_own_per_address_limit(settings: Any, category: Any) -> None:
    """Behind a proxy, REMOTE_ADDR is the proxy for everyone: counting it made all residents share one limit."""
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.REPORTS_RATE_PER_IP_HOUR = 1
    first = request_from(PROXY, "203.0.113.1")
    second = request_from(PROXY, "203.0.113.2")
    services.submit_report(make_input(category), actor=None, ip=client_ip(first))
    services.submit_report(make_input(category), actor=None, ip=client_ip(second))  # another resident
    with pytest.raises(RateLimited):
        services.submit_report(make_input(category), actor=None, ip=client_ip(request_from(PROXY, "203.0.113.1")))
