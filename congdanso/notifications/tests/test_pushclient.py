"""The push client's batch pump (aiohttp) against a real HTTP/1.1 server on loopback (same event loop)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from congdanso.core import outgoing
from congdanso.notifications.pushclient import Halted, PushClient, Request, request_for

pytestmark = pytest.mark.usefixtures("_loopback_receivers")


class Server:
    """Answers ``/ok/*`` 201, ``/busy/*`` 429, ``/close/*`` 201 with ``Connection: close``, ``/hang/*`` never.
    ``drop_idle`` closes every connection after each answer has been flushed and the client went quiet."""

    def __init__(self) -> None:
        self.connections = 0
        self.paths: list[str] = []
        self.writers: list[asyncio.StreamWriter] = []
        self.port = 0

    async def start(self) -> Server:
        server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self.server = server
        return self

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
                await reader.readexactly(int(headers.get("content-length", "0")))
                path = lines[0].split(" ")[1]
                self.paths.append(path)
                kind = path.split("/")[1]
                if kind == "hang":
                    await asyncio.sleep(3600)
                status, extra = (429, "Retry-After: 7\r\n") if kind == "busy" else (201, "")
                if kind == "close":
                    extra = "Connection: close\r\n"
                writer.write(f"HTTP/1.1 {status} X\r\n{extra}Content-Length: 2\r\n\r\nok".encode("latin-1"))
                await writer.drain()
                if kind == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    def drop_all(self) -> None:
        for writer in self.writers:
            writer.close()

    async def stop(self) -> None:
        self.drop_all()
        self.server.close()
        await self.server.wait_closed()


def run(test: Callable[[Server, PushClient], Awaitable[Any]], timeout: float = 5.0) -> Any:
    async def main() -> Any:
        server = await Server().start()
        client = PushClient(timeout=timeout, concurrency=4)
        try:
            return await test(server, client)
        finally:
            await client.close()
            await server.stop()

    return asyncio.run(main())


def requests_for(server: Server, paths: list[str]) -> list[Request]:
    return [request_for(i, f"http://127.0.0.1:{server.port}{p}", p) for i, p in enumerate(paths)]


def render_with(client: PushClient) -> Callable[[Request], tuple[dict[str, str], bytes]]:
    def render(request: Request) -> tuple[dict[str, str], bytes]:
        if request.item.startswith("/bad/"):
            raise ValueError("p256dh is not a point")
        return {"TTL": "60"}, b"abc"

    return render


def test_a_batch_is_pumped_through_at_most_concurrency_connections_and_kept_for_the_next() -> None:
    async def test(server: Server, client: PushClient) -> tuple[list[Any], list[Any], int]:
        first = await client.send_all(requests_for(server, [f"/ok/{i}" for i in range(40)]), render_with(client),
                                      concurrency=4)
        second = await client.send_all(requests_for(server, [f"/ok/b{i}" for i in range(10)]),
                                       render_with(client), concurrency=4)
        return first, second, server.connections

    first, second, connections = run(test)
    assert [r.status for r in first] == [201] * 40 and [r.status for r in second] == [201] * 10
    assert connections == 4, "the second batch reuses the kept-alive connections"


def test_each_path_gets_its_own_answer_in_batch_order() -> None:
    async def test(server: Server, client: PushClient) -> list[Any]:
        paths = ["/ok/1", "/busy/2", "/ok/3"]
        return await client.send_all(requests_for(server, paths), render_with(client), concurrency=1), server.paths

    results, seen = run(test)
    assert [r.status for r in results] == [201, 429, 201]
    assert results[1].headers["retry-after"] == "7"
    assert seen == ["/ok/1", "/busy/2", "/ok/3"]


def test_halt_stops_the_rest_of_the_origin() -> None:
    async def test(server: Server, client: PushClient) -> tuple[list[Any], list[str]]:
        paths = ["/busy/0"] + [f"/ok/{i}" for i in range(1, 20)]
        results = await client.send_all(requests_for(server, paths), render_with(client), concurrency=1,
                                        halt=lambda r: r.status == 429)
        return results, server.paths

    results, seen = run(test)
    assert results[0].status == 429
    assert all(isinstance(r, Halted) and r.response.status == 429 for r in results[1:])
    assert seen == ["/busy/0"], "nothing more was sent to that origin"


def test_a_render_error_fails_only_its_own_request() -> None:
    async def test(server: Server, client: PushClient) -> list[Any]:
        return await client.send_all(requests_for(server, ["/ok/1", "/bad/2", "/ok/3"]), render_with(client),
                                     concurrency=2)

    results = run(test)
    assert isinstance(results[1], ValueError)
    assert results[0].status == results[2].status == 201


def test_connection_close_answers_open_new_connections() -> None:
    async def test(server: Server, client: PushClient) -> tuple[list[Any], int]:
        paths = [f"/close/{i}" for i in range(6)]
        return await client.send_all(requests_for(server, paths), render_with(client), concurrency=2), \
            server.connections

    results, connections = run(test)
    assert [r.status for r in results] == [201] * 6
    assert connections == 6


@pytest.mark.parametrize("noticed", [True, False], ids=["close-seen-before", "close-races-the-request"])
def test_idle_connections_closed_by_the_server_are_replaced_without_losing_a_request(noticed: bool) -> None:
    async def test(server: Server, client: PushClient) -> tuple[list[Any], list[str]]:
        await client.send_all(requests_for(server, ["/ok/a", "/ok/b"]), render_with(client), concurrency=2)
        server.drop_all()  # the push service times out our idle connections
        if noticed:
            await asyncio.sleep(0.05)
        server.paths.clear()
        results = await client.send_all(requests_for(server, ["/ok/c", "/ok/d", "/ok/e"]), render_with(client),
                                        concurrency=2)
        return results, sorted(server.paths)

    results, seen = run(test)
    assert [r.status for r in results] == [201] * 3
    assert seen == ["/ok/c", "/ok/d", "/ok/e"], "each request sent exactly once"


def test_an_unanswered_request_times_out_and_the_others_go_on() -> None:
    async def test(server: Server, client: PushClient) -> list[Any]:
        paths = ["/hang/1"] + [f"/ok/{i}" for i in range(8)]
        return await client.send_all(requests_for(server, paths), render_with(client), concurrency=2)

    results = run(test, timeout=0.5)
    assert isinstance(results[0], TimeoutError)
    assert [r.status for r in results[1:]] == [201] * 8


def test_a_refused_connection_fails_every_request_of_that_origin() -> None:
    async def test(server: Server, client: PushClient) -> list[Any]:
        await server.stop()
        return await client.send_all(requests_for(server, ["/ok/1", "/ok/2", "/ok/3"]), render_with(client),
                                     concurrency=2)

    results = run(test)
    assert all(isinstance(r, OSError) for r in results)


def test_requests_to_several_origins_in_one_batch() -> None:
    async def test(server: Server, client: PushClient) -> list[Any]:
        other = await Server().start()
        try:
            elsewhere = [request_for(i, f"http://127.0.0.1:{other.port}/ok/{i}", f"/ok/{i}") for i in (2, 3)]
            requests = [*requests_for(server, ["/busy/1", "/ok/2"]), *elsewhere]
            return await client.send_all(requests, render_with(client), concurrency=1,
                                         halt=lambda r: r.status == 429)
        finally:
            await other.stop()

    results = run(test)
    assert results[0].status == 429 and isinstance(results[1], Halted)
    assert results[2].status == results[3].status == 201, "a 429 from one origin does not stop another"


def test_an_empty_batch_sends_nothing() -> None:
    async def test(server: Server, client: PushClient) -> list[Any]:
        return await client.send_all([], render_with(client), concurrency=4)

    assert run(test) == []


@pytest.mark.parametrize(("url", "expected"), [
    ("https://fcm.googleapis.com/fcm/send/abc:DEF", ("https", "fcm.googleapis.com", 443, "/fcm/send/abc:DEF")),
    ("http://127.0.0.1:8080/push/1", ("http", "127.0.0.1", 8080, "/push/1")),
    ("https://Push.Example.org", ("https", "push.example.org", 443, "/")),
    ("https://[2001:db8::1]:9443/p?x=1", ("https", "2001:db8::1", 9443, "/p?x=1")),
])
def test_endpoints_are_split(url: str, expected: tuple[str, str, int, str]) -> None:
    target = outgoing.parse_url(url)
    assert (target.scheme, target.host, target.port, target.path) == expected


@pytest.mark.parametrize("url", ["ftp://push.example.org/x", "https:///nohost", "https://h:99999/x",
                                 "https://h:port/x", "https://push.example.org/a b", "not a url", "javascript:x",
                                 "https://user@push.example.org/p"])
def test_bad_endpoints_are_refused(url: str) -> None:
    with pytest.raises(outgoing.OutgoingRefused):
        request_for(0, url, None)
