"""Every outgoing HTTP request of the platform goes through here (DESIGN.md convention 12).

Push endpoints come from residents' browsers and webhook URLs from integrators: without a check, anyone could make
the worker POST to the city's internal network or to a cloud metadata service. So:

- only ``http``/``https`` URLs without user info;
- the host is resolved and **every** address it resolves to must be public: private, loopback, link-local (cloud
  metadata lives there), multicast, reserved, unspecified, shared (CGNAT) addresses and IPv6 forms that embed
  them (IPv4-mapped, 6to4, Teredo, NAT64) are refused;
- the connection goes to the address that was checked (no second resolution an attacker's DNS could answer
  differently), TLS still verifying the certificate against the host name;
- redirects are not followed unless the caller allows a number of them, and each new location is checked again;
- every request has a timeout and the answer's body is read up to a cap (the rest is dropped with the connection).

``OUTGOING_ALLOWED_HOSTS`` (setting) names hosts that skip the address check: a development webhook receiver or
the tests' local push service on loopback. Never put a host there that residents can choose.

Two clients: ``Client`` (synchronous, urllib3 pools keyed by the checked address; webhooks, SMS) and
``aiohttp_connector`` for the Web Push sender, whose resolver checks the addresses aiohttp connects to.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import urllib3
from django.conf import settings

REDIRECT_STATUSES = (301, 302, 303, 307, 308)
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Not flagged by ``ipaddress`` as non-global in every Python version: NAT64's well-known prefix maps IPv4 (possibly
# internal) addresses, and 100.64.0.0/10 is carrier-grade NAT space.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")


class OutgoingRefused(ValueError):
    """The URL or an address its host resolves to may not be contacted."""


class AddressRefused(OSError):
    """Raised inside aiohttp's connector when a host resolves to an address that may not be contacted."""


@dataclass(frozen=True, slots=True)
class Target:
    scheme: str
    host: str  # lower case, IPv6 without brackets
    port: int
    netloc: str  # as written in the URL: the Host header
    path: str  # path and query

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.netloc}"


@dataclass(slots=True)
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes
    truncated: bool = False  # the answer was longer than the cap; the rest was not read
    url: str = ""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def parse_url(url: str) -> Target:
    """Split an outgoing URL, refusing what is not a plain http(s) URL."""
    if not isinstance(url, str) or any(c in url for c in " \t\r\n\x00"):
        raise OutgoingRefused("the URL contains whitespace or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise OutgoingRefused(f"not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise OutgoingRefused("only http and https URLs may be contacted")
    if not parts.hostname:
        raise OutgoingRefused("the URL has no host")
    if "@" in parts.netloc:
        raise OutgoingRefused("user info in the URL")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname.lower().rstrip("."), port or (443 if parts.scheme == "https" else 80),
                  parts.netloc, path)


def allowed_hosts() -> set[str]:
    return {h.strip().lower().strip("[]") for h in getattr(settings, "OUTGOING_ALLOWED_HOSTS", []) if h.strip()}


def is_allowed_host(host: str) -> bool:
    return host.lower().strip("[]").rstrip(".") in allowed_hosts()


def refusal(address: str | IPAddress) -> str | None:
    """Why this address may not be contacted, or None when it is a public unicast address."""
    try:
        ip = ipaddress.ip_address(str(address).split("%", 1)[0])
    except ValueError:
        return f"{address} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            reason = refusal(embedded)
            if reason:
                return f"{ip} embeds {reason}"
    for flag, label in (("is_loopback", "loopback"), ("is_link_local", "link-local"), ("is_multicast", "multicast"),
                        ("is_unspecified", "unspecified"), ("is_reserved", "reserved"), ("is_private", "private")):
        if getattr(ip, flag):
            return f"{ip} is a {label} address"
    if getattr(ip, "is_site_local", False):
        return f"{ip} is a site-local address"
    if ip in _SHARED or not ip.is_global:
        return f"{ip} is not a public address"
    return None


def check_addresses(host: str, addresses: list[str]) -> None:
    if not addresses:
        raise OutgoingRefused(f"{host} did not resolve to any address")
    for address in addresses:
        reason = refusal(address)
        if reason:
            raise OutgoingRefused(f"{host} may not be contacted: {reason}")


def resolve(host: str, port: int) -> list[str]:
    """The addresses of ``host`` (all of them checked); raises OutgoingRefused or OSError (no such host)."""
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not is_allowed_host(host):
        check_addresses(host, addresses)
    return addresses


def check_url(url: str, *, resolve_host: bool = True) -> Target:
    """Parse ``url`` and check its host: an IP literal or a local name always; a host name by resolving it when
    ``resolve_host`` (a name that does not resolve now is let through: the clients check again when they connect,
    since DNS answers change anyway).

    Used where a URL is accepted (a push subscription, a webhook) to answer a clear error at once.
    """
    target = parse_url(url)
    if is_allowed_host(target.host):
        return target
    try:
        ipaddress.ip_address(target.host)
        literal = True
    except ValueError:
        literal = False
    if literal:
        check_addresses(target.host, [target.host])
    elif target.host == "localhost" or target.host.endswith((".localhost", ".local", ".internal", ".localdomain")):
        raise OutgoingRefused(f"{target.host} is a local name")
    elif resolve_host:
        with contextlib.suppress(OSError):  # not resolvable now: checked again at connection time
            resolve(target.host, target.port)
    return target


# --- synchronous client (webhooks, SMS) -------------------------------------------------------------------------

@dataclass
class Client:
    """POST (or GET) to checked addresses with connection reuse; one per batch of requests, ``close()`` after."""

    timeout: float = 10.0
    max_bytes: int = field(default_factory=lambda: settings.OUTGOING_MAX_RESPONSE_BYTES)
    user_agent: str = "CongDanSo/1"
    pools: dict[tuple[str, str, int, str], urllib3.HTTPConnectionPool] = field(default_factory=dict)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for pool in self.pools.values():
            pool.close()
        self.pools.clear()

    def _pool(self, target: Target, address: str) -> urllib3.HTTPConnectionPool:
        key = (target.scheme, target.host, target.port, address)
        pool = self.pools.get(key)
        if pool is None:
            timeout = urllib3.Timeout(connect=self.timeout, read=self.timeout)
            if target.scheme == "https":
                pool = urllib3.HTTPSConnectionPool(
                    address, target.port, timeout=timeout, maxsize=1, retries=False, cert_reqs="CERT_REQUIRED",
                    assert_hostname=target.host, server_hostname=target.host)
            else:
                pool = urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, maxsize=1, retries=False)
            self.pools[key] = pool
        return pool

    def request(self, method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None,
                redirects: int = 0) -> Response:
        """Send one request; follow at most ``redirects`` redirects, each checked like the first URL.

        Raises OutgoingRefused for a refused URL or address, OSError (urllib3's errors included) when unreachable.
        """
        for _hop in range(redirects + 1):
            target = parse_url(url)
            addresses = resolve(target.host, target.port)
            pool = self._pool(target, addresses[0])
            sent = {"User-Agent": self.user_agent, **(headers or {}), "Host": target.netloc}
            try:
                raw = pool.urlopen(method, target.path, body=body, headers=sent, redirect=False, retries=False,
                                   preload_content=False, assert_same_host=False)
            except urllib3.exceptions.HTTPError as exc:
                raise ConnectionError(f"{target.origin}: {exc}") from exc
            response = self._read(raw, url)
            location = response.headers.get("location")
            if response.status not in REDIRECT_STATUSES or not location or _hop == redirects:
                return response
            url = urljoin(url, location)
            if response.status == 303 or (response.status in (301, 302) and method == "POST"):
                method, body = "GET", None
        raise AssertionError("unreachable")  # pragma: no cover

    def post(self, url: str, *, body: bytes, headers: dict[str, str] | None = None, redirects: int = 0) -> Response:
        return self.request("POST", url, body=body, headers=headers, redirects=redirects)

    def _read(self, raw: urllib3.BaseHTTPResponse, url: str) -> Response:
        try:
            data = raw.read(self.max_bytes + 1, decode_content=True)
        except urllib3.exceptions.HTTPError as exc:
            raw.release_conn()
            raise ConnectionError(f"{url}: {exc}") from exc
        truncated = len(data) > self.max_bytes
        if truncated:  # the rest is not read: this connection cannot carry another request
            raw.close()
        raw.release_conn()
        return Response(raw.status, {k.lower(): v for k, v in raw.headers.items()}, data[:self.max_bytes],
                        truncated, url)


def post(url: str, *, body: bytes, headers: dict[str, str] | None = None, timeout: float = 10.0,
         redirects: int = 0, user_agent: str = "CongDanSo/1") -> Response:
    """One checked POST (see ``Client.request``)."""
    with Client(timeout=timeout, user_agent=user_agent) as client:
        return client.post(url, body=body, headers=headers, redirects=redirects)


# --- aiohttp (Web Push) -----------------------------------------------------------------------------------------

def aiohttp_connector(*, limit_per_host: int, **kwargs: Any) -> Any:
    """An aiohttp TCPConnector whose every connection goes to a checked address.

    aiohttp connects to the addresses its resolver returns, so what is checked is what is contacted. It does not ask
    the resolver about IP literals: callers check those with ``check_url(url, resolve_host=False)`` first.
    """
    import aiohttp
    from aiohttp.resolver import DefaultResolver

    class SafeResolver(DefaultResolver):  # type: ignore[misc,valid-type]
        async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
                          ) -> list[Any]:
            results = await super().resolve(host, port, family)
            if not is_allowed_host(host):
                try:
                    check_addresses(host, [r["host"] for r in results])
                except OutgoingRefused as exc:
                    raise AddressRefused(str(exc)) from exc  # aiohttp fails this request with a ClientConnectorError
            return results

    return aiohttp.TCPConnector(resolver=SafeResolver(), limit=0, limit_per_host=limit_per_host, **kwargs)
