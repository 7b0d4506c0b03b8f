"""The client's address comes from REMOTE_ADDR, or from the configured header of trusted reverse proxies only."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from congdanso.core.audit import client_ip

PROXY = "10.0.0.5"


def request_from(remote: str, forwarded: str | None = None, header: str = "HTTP_X_FORWARDED_FOR") -> Any:
    extra = {header: forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_without_a_configured_header_the_forwarded_header_is_ignored(settings: Any) -> None:
    settings.TRUSTED_PROXY_HEADER = ""
    assert client_ip(request_from("198.51.100.7", "203.0.113.9")) == "198.51.100.7"


def test_behind_one_trusted_proxy_the_address_it_saw_is_used(settings: Any) -> None:
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_from(PROXY, "203.0.113.9")) == "203.0.113.9"
    # A client-sent value at the left is not believed: the proxy appended the address it really saw.
    assert client_ip(request_from(PROXY, "1.2.3.4, 203.0.113.9")) == "203.0.113.9"


def test_behind_two_proxies_the_entry_the_outer_one_added_is_used(settings: Any) -> None:
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request_from(PROXY, "6.6.6.6, 203.0.113.9, 10.0.0.9")) == "203.0.113.9"
    assert client_ip(request_from(PROXY, "203.0.113.9")) == PROXY  # fewer entries than proxies: not trusted


def test_only_requests_from_trusted_proxy_addresses_are_believed(settings: Any) -> None:
    settings.TRUSTED_PROXY_HEADER = "X-Real-IP"
    settings.TRUSTED_PROXY_ADDRESSES = [PROXY]
    assert client_ip(request_from(PROXY, "203.0.113.9", "HTTP_X_REAL_IP")) == "203.0.113.9"
    assert client_ip(request_from("198.51.100.7", "203.0.113.9", "HTTP_X_REAL_IP")) == "198.51.100.7"


@pytest.mark.parametrize("forwarded", ["", "not-an-ip", "203.0.113.9, <script>"])
def test_a_malformed_header_falls_back_to_remote_addr(settings: Any, forwarded: str) -> None:
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    assert client_ip(request_from(PROXY, forwarded)) == PROXY
