"""A lean HTTP/1.1 client for the Web Push hot path: a batch of POSTs pumped through kept-alive connections per
push-service origin on one asyncio loop, responses parsed by httptools (the C parser uvicorn uses), TLS through the
standard ``ssl`` module.

Why not aiohttp: a push costs ~75 µs of encryption, and a general client's machinery (URL objects, cookie jars,
tracing, multidicts, one coroutine, future and timeout per request) costs more than that. Here a connection, as soon
as it has its answer, takes the next request of its origin and writes it from the protocol callback: no task,
future or timer per request. Requests are rendered (encrypted) a few at a time when a connection needs one, so the
encryption runs in a tight loop and the push service answers the last ones meanwhile.

It does only what push needs: POST a small body, read the status, a few headers and at most a short body; one
request at a time per connection (no pipelining); a connection the server marks "close", or that fails, is dropped.
A kept-alive connection that turns out dead on its first request is replaced and the request sent once more.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httptools

BODY_KEEP = 500  # bytes of an error body kept for the log
RENDER_AHEAD = 16  # requests rendered (encrypted) in one go when a connection needs one


@dataclass(slots=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


class PushHTTPError(ConnectionError):
    pass


class Halted(Exception):
    """Not sent: an earlier answer of the same origin (e.g. 429) stopped the rest of the batch for that origin."""

    def __init__(self, response: Response) -> None:
        super().__init__(f"not sent: the push service answered {response.status}")
        self.response = response


@dataclass(frozen=True, slots=True)
class Target:
    scheme: str
    host: str
    port: int
    netloc: str
    path: str

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.netloc}"

    @property
    def key(self) -> tuple[str, str, int]:
        return self.scheme, self.host, self.port


def parse_endpoint(url: str) -> Target:
    """Split a push endpoint; the common ``scheme://host[:port]/path`` shape without ``urlsplit``'s cost."""
    if " " in url or "\r" in url or "\n" in url or "\t" in url:
        raise PushHTTPError("whitespace in the push endpoint")
    scheme, sep, rest = url.partition("://")
    netloc, slash, path = rest.partition("/")
    if sep and "@" not in netloc and "[" not in netloc and "?" not in netloc and "#" not in url:
        host, colon, port_text = netloc.partition(":")
        if scheme in ("http", "https") and host and (not colon or port_text.isdigit()):
            port = int(port_text) if colon else (443 if scheme == "https" else 80)
            if 0 < port < 65536:
                return Target(scheme, host.lower(), port, netloc, slash + path if slash else "/")
        if scheme not in ("http", "https") or not host:
            raise PushHTTPError(f"not an http(s) URL: {url[:80]}")
    parts = urlsplit(url)  # unusual shapes: IPv6 literals, query strings
    try:
        given_port = parts.port
    except ValueError as exc:
        raise PushHTTPError(f"bad port in the push endpoint: {url[:80]}") from exc
    scheme, host = parts.scheme, parts.hostname or ""
    if scheme not in ("http", "https") or not host:
        raise PushHTTPError(f"not an http(s) URL: {url[:80]}")
    if "@" in parts.netloc:
        raise PushHTTPError("user info in the push endpoint")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, host, given_port or (443 if scheme == "https" else 80), parts.netloc, path)


@dataclass(slots=True)
class Request:
    """One POST of a batch: ``render`` turns ``item`` into the request bytes when a connection is ready for it."""

    index: int
    target: Target
    item: Any
    retried: bool = False


Result = Response | Exception


class _Connection(asyncio.Protocol):
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.lane: _Lane | None = None
        self.request: Request | None = None
        self.started = 0.0
        self.served = 0
        self.closed = False
        self.reused = False  # taken from the idle pool: it may have been closed by the server meanwhile
        self.parser = httptools.HttpResponseParser(self)
        self.headers: dict[str, str] = {}
        self.body = bytearray()

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._drop(PushHTTPError(f"malformed response: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self._drop(PushHTTPError(f"connection closed by the push service{f': {exc}' if exc else ''}"))

    # httptools callbacks
    def on_message_begin(self) -> None:
        self.headers = {}
        self.body = bytearray()

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_body(self, body: bytes) -> None:
        if len(self.body) < BODY_KEEP:
            self.body += body[: BODY_KEEP - len(self.body)]

    def on_message_complete(self) -> None:
        request, self.request = self.request, None
        if request is None or self.lane is None:  # an answer nobody asked for: the connection is not trustworthy
            self.close()
            return
        self.served += 1
        if not self.parser.should_keep_alive():
            self.close()
        self.lane.answered(self, request, Response(self.parser.get_status_code(), self.headers, bytes(self.body)))

    def send(self, request: Request, data: bytes) -> None:
        assert self.transport is not None
        self.request, self.started = request, self.loop.time()
        self.transport.write(data)

    def _drop(self, exc: Exception) -> None:
        was_closed, self.closed = self.closed, True
        if not was_closed and self.transport is not None:
            self.transport.close()
        request, self.request = self.request, None
        if request is not None and self.lane is not None:
            self.lane.lost(self, request, exc)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class _Batch:
    def __init__(self, client: PushClient, requests: Sequence[Request], render: Callable[[Request], bytes],
                 halt: Callable[[Response], bool] | None, concurrency: int) -> None:
        self.client, self.render, self.halt, self.concurrency = client, render, halt, max(1, concurrency)
        self.loop = asyncio.get_running_loop()
        self.results: list[Result | None] = [None] * len(requests)
        self.pending = len(requests)
        self.done = self.loop.create_future()
        queues: dict[tuple[str, str, int], deque[Request]] = {}
        for request in requests:
            queues.setdefault(request.target.key, deque()).append(request)
        self.lanes = [_Lane(self, key, queue) for key, queue in queues.items()]

    def settle(self, request: Request, result: Result) -> None:
        if self.results[request.index] is None:
            self.results[request.index] = result
            self.pending -= 1
            if self.pending == 0 and not self.done.done():
                self.done.set_result(None)

    async def run(self) -> list[Result]:
        if self.pending:
            for lane in self.lanes:
                lane.start()
            self.watchdog = self.loop.call_later(self._tick(), self._watch)
            try:
                await self.done
            finally:
                self.watchdog.cancel()
                for lane in self.lanes:
                    lane.abandon()
        return [r if r is not None else PushHTTPError("not sent") for r in self.results]

    def _tick(self) -> float:
        return min(1.0, self.client.timeout / 4)

    def _watch(self) -> None:
        """Close connections whose answer is overdue; their request ends with a TimeoutError."""
        limit = self.loop.time() - self.client.timeout
        for lane in self.lanes:
            for conn in list(lane.active):
                if conn.request is not None and conn.started < limit:
                    conn._drop(TimeoutError("no answer in time"))
        if not self.done.done():
            self.watchdog = self.loop.call_later(self._tick(), self._watch)


class _Lane:
    """The requests of one origin in a batch and the connections carrying them."""

    def __init__(self, batch: _Batch, key: tuple[str, str, int], queue: deque[Request]) -> None:
        self.batch, self.key, self.queue = batch, key, queue
        self.active: set[_Connection] = set()
        self.connecting = 0
        self.opening: set[asyncio.Task[None]] = set()
        self.halted: Response | None = None
        self.ready: deque[tuple[Request, bytes]] = deque()  # rendered, waiting for a free connection

    def start(self) -> None:
        idle = self.batch.client.idle.get(self.key, [])
        while idle and (self.queue or self.ready) and len(self.active) < self.batch.concurrency:
            conn = idle.pop()
            if not conn.closed:
                conn.lane = self
                self.active.add(conn)
                self.feed(conn)
        self.grow()

    def grow(self) -> None:
        while (self.queue or self.ready) and not self.halted and len(self.active) + self.connecting < min(
                self.batch.concurrency, len(self.queue) + len(self.ready) + len(self.active)):
            self.connecting += 1
            task = self.batch.loop.create_task(self._open())
            self.opening.add(task)
            task.add_done_callback(self.opening.discard)

    async def _open(self) -> None:
        try:
            async with asyncio.timeout(self.batch.client.timeout):
                conn = await self.batch.client.connect(*self.key)
        except (OSError, TimeoutError, ssl.SSLError) as exc:
            self.connecting -= 1
            if not self.active and not self.connecting:  # nothing can carry the rest: they all fail alike
                while self.ready:
                    self.batch.settle(self.ready.popleft()[0], exc)
                while self.queue:
                    self.batch.settle(self.queue.popleft(), exc)
            return
        self.connecting -= 1
        if self.batch.done.done():
            self.batch.client.release(self.key, conn)
            return
        conn.lane = self
        self.active.add(conn)
        self.feed(conn)

    def feed(self, conn: _Connection) -> None:
        """Give ``conn`` its next request, or hand it back to the client's idle pool."""
        if not self.ready and not self.halted:
            self._render_ahead()
        if self.ready and not self.halted:
            request, data = self.ready.popleft()
            conn.send(request, data)
            return
        if self.halted:
            self.feed_none()
        self.active.discard(conn)
        conn.lane = None
        self.batch.client.release(self.key, conn)

    def answered(self, conn: _Connection, request: Request, response: Response) -> None:
        self.batch.settle(request, response)
        if self.batch.halt is not None and self.halted is None and self.batch.halt(response):
            self.halted = response
        if conn.closed:
            self.active.discard(conn)
            conn.lane = None
            if self.halted:
                self.feed_none()
            else:
                self.grow()
        else:
            self.feed(conn)

    def _render_ahead(self) -> None:
        """Render the next few requests in one go: the encryption runs in a tight loop (its code and tables stay
        hot in the CPU caches) instead of between socket events, and the connections waiting meanwhile are few."""
        while self.queue and len(self.ready) < RENDER_AHEAD:
            request = self.queue.popleft()
            try:
                self.ready.append((request, self.batch.render(request)))
            except Exception as exc:  # unusable subscription keys and the like: this request only
                self.batch.settle(request, exc)

    def feed_none(self) -> None:
        while self.ready:
            self.batch.settle(self.ready.popleft()[0], Halted(self.halted))  # type: ignore[arg-type]
        while self.queue:
            self.batch.settle(self.queue.popleft(), Halted(self.halted))  # type: ignore[arg-type]

    def lost(self, conn: _Connection, request: Request, exc: Exception) -> None:
        self.active.discard(conn)
        conn.lane = None
        if conn.served == 0 and conn.reused and not request.retried and not isinstance(exc, TimeoutError):
            request.retried = True  # a kept-alive connection the server had closed: once more on a fresh one
            self.queue.appendleft(request)
        else:
            self.batch.settle(request, exc)
        if self.halted:
            self.feed_none()
        else:
            self.grow()

    def abandon(self) -> None:
        """The batch ended (or was cancelled): close what is still in flight, keep the idle ones."""
        for task in list(self.opening):
            task.cancel()
        for conn in list(self.active):
            if conn.request is not None:
                conn.lane = None
                conn.request = None
                conn.close()
        self.active.clear()


class PushClient:
    """POST batches to push endpoints. Use from one event loop; ``close()`` before dropping it."""

    def __init__(self, *, timeout: float, user_agent: str = "CongDanSo-Push/1") -> None:
        self.timeout = timeout
        self.user_agent = user_agent
        self.idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self.ssl_context = ssl.create_default_context()

    async def connect(self, scheme: str, host: str, port: int) -> _Connection:
        loop = asyncio.get_running_loop()
        _transport, protocol = await loop.create_connection(
            lambda: _Connection(loop), host, port,
            ssl=self.ssl_context if scheme == "https" else None,
            server_hostname=host if scheme == "https" else None)
        return protocol

    def release(self, key: tuple[str, str, int], conn: _Connection) -> None:
        if conn.closed:
            return
        conn.reused, conn.served = True, 0
        self.idle.setdefault(key, []).append(conn)

    async def send_all(self, requests: Sequence[Request], render: Callable[[Request], bytes], *,
                       concurrency: int, halt: Callable[[Response], bool] | None = None) -> list[Result]:
        """Send every request, at most ``concurrency`` at a time per origin; a Response or an exception each.

        ``render`` makes a request's bytes (see ``head``); an exception it raises becomes that request's result.
        When ``halt`` says yes to an answer, the origin's requests not yet sent end as ``Halted``.
        """
        return await _Batch(self, requests, render, halt, concurrency).run()

    def head(self, target: Target, headers: bytes, length: int) -> bytes:
        """The request line and headers; ``headers`` is the pre-rendered block shared by many requests."""
        return (f"POST {target.path} HTTP/1.1\r\nHost: {target.netloc}\r\nUser-Agent: {self.user_agent}\r\n"
                f"Content-Length: {length}\r\n").encode("latin-1") + headers + b"\r\n"

    async def close(self) -> None:
        for pool in self.idle.values():
            for conn in pool:
                conn.close()
        self.idle.clear()
        await asyncio.sleep(0)


def header_block(headers: dict[str, str]) -> bytes:
    return "".join(f"{name}: {value}\r\n" for name, value in headers.items()).encode("latin-1")
