"""core.outgoing: non-public addresses refused (literal, resolved, after a redirect), allowed hosts, size cap."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import aiohttp
import pytest

from congdanso.core import outgoing


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.8.9.10", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.100.100.200",
    "0.0.0.0", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255", "::1", "::", "fe80::1",
    "fd00:ec2::254", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2002:7f00:1::1", "64:ff9b::a9fe:a9fe",
])
def test_non_public_addresses_are_refused(address: str) -> None:
    assert outgoing.refusal(address), address


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "142.250.1.1"])
def test_public_addresses_pass(address: str) -> None:
    assert outgoing.refusal(address) is None


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/", "https://10.1.2.3/push", "https://[::1]:8443/x",
    "https://localhost/x", "http://metadata.google.internal/", "https://printer.local/x", "https://0x7f000001/x",
    "gopher://example.org/", "https://user:pw@example.org/",
])
def test_check_url_refuses_internal_targets(url: str, settings: Any) -> None:
    settings.OUTGOING_ALLOWED_HOSTS = []
    with pytest.raises(outgoing.OutgoingRefused):
        outgoing.check_url(url)


def fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> None:
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host in answers:
            return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                     (a, int(port or 0))) for a in answers[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_a_name_is_refused_when_any_of_its_addresses_is_internal(monkeypatch: pytest.MonkeyPatch,
                                                                 settings: Any) -> None:
    settings.OUTGOING_ALLOWED_HOSTS = []
    fake_dns(monkeypatch, {"hook.example.org": ["93.184.216.34", "10.0.0.7"], "ok.example.org": ["93.184.216.34"]})
    with pytest.raises(outgoing.OutgoingRefused, match=r"10\.0\.0\.7"):
        outgoing.check_url("https://hook.example.org/x")
    assert outgoing.check_url("https://ok.example.org/x").host == "ok.example.org"


class Server:
    """``/ok`` 200, ``/big`` a 1 MB answer, ``/redirect?to=URL`` 302 to URL."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.do_GET()

            def do_GET(self) -> None:
                outer.paths.append(self.path)
                if self.path.startswith("/redirect?to="):
                    self.send_response(302)
                    self.send_header("Location", self.path.split("=", 1)[1])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = b"x" * 1_000_000 if self.path == "/big" else b"ok"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.httpd.shutdown()


def test_loopback_is_refused_unless_the_setting_allows_the_host(server: Server, settings: Any) -> None:
    settings.OUTGOING_ALLOWED_HOSTS = []
    with pytest.raises(outgoing.OutgoingRefused):
        outgoing.post(f"{server.url}/ok", body=b"{}")
    assert server.paths == [], "nothing was sent"
    settings.OUTGOING_ALLOWED_HOSTS = ["127.0.0.1"]
    response = outgoing.post(f"{server.url}/ok", body=b"{}")
    assert (response.status, response.body) == (200, b"ok")


def test_redirects_are_not_followed_by_default_and_rechecked_when_allowed(server: Server, settings: Any) -> None:
    settings.OUTGOING_ALLOWED_HOSTS = ["127.0.0.1"]
    inner = f"http://127.0.0.2:{server.port}/ok"  # loopback too, but not an allowed host
    response = outgoing.post(f"{server.url}/redirect?to={inner}", body=b"{}")
    assert response.status == 302 and server.paths == [f"/redirect?to={inner}"]
    with pytest.raises(outgoing.OutgoingRefused):
        outgoing.post(f"{server.url}/redirect?to={inner}", body=b"{}", redirects=3)
    assert len(server.paths) == 2, "the refused location was never contacted"
    allowed = outgoing.post(f"{server.url}/redirect?to={server.url}/ok", body=b"{}", redirects=3)
    assert allowed.status == 200 and server.paths[-1] == "/ok"


def test_answers_are_read_up_to_the_cap(server: Server, settings: Any) -> None:
    settings.OUTGOING_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.OUTGOING_MAX_RESPONSE_BYTES = 1000
    with outgoing.Client(timeout=5) as client:
        big = client.post(f"{server.url}/big", body=b"")
        after = client.post(f"{server.url}/ok", body=b"")  # the cut connection is not reused for the next one
    assert big.truncated and len(big.body) == 1000
    assert (after.status, after.body) == (200, b"ok")


def test_aiohttp_connector_refuses_names_resolving_to_internal_addresses(server: Server, settings: Any,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    settings.OUTGOING_ALLOWED_HOSTS = []
    fake_dns(monkeypatch, {"push.rebind.example": ["127.0.0.1"]})

    async def main() -> Any:
        async with aiohttp.ClientSession(connector=outgoing.aiohttp_connector(limit_per_host=1)) as session:
            try:
                async with session.post(f"http://push.rebind.example:{server.port}/ok", data=b"x") as r:
                    return r.status
            except aiohttp.ClientError as exc:
                return exc

    result = asyncio.run(main())
    assert isinstance(result, aiohttp.ClientConnectorError) and isinstance(result.os_error, outgoing.AddressRefused)
    assert server.paths == []
    settings.OUTGOING_ALLOWED_HOSTS = ["push.rebind.example"]
    assert asyncio.run(main()) == 200
