"""A lean HTTP/1.1 POST client for the Web Push hot path: kept-alive connections per push-service origin on one
asyncio loop, responses parsed by httptools (the C parser uvicorn uses), TLS through the standard ``ssl`` module.

Why not aiohttp: a push costs ~75 µs of encryption, and aiohttp's general machinery (URL objects, cookie jars,
tracing, multidicts) cost more than that per request; this client costs a fraction of it, which is what lets a
worker deliver at more than half the bare encryption rate. It does only what push needs: POST a small body, read the
status, a few headers and at most a short body; one request at a time per connection (no pipelining); a connection
the server marks "close", or that fails, is dropped.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

import httptools

BODY_KEEP = 500  # bytes of an error body kept for the log


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


class PushHTTPError(ConnectionError):
    pass


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


def parse_endpoint(url: str) -> Target:
    parts = urlsplit(url)
    scheme, host = parts.scheme, parts.hostname or ""
    if scheme not in ("http", "https") or not host:
        raise PushHTTPError(f"not an http(s) URL: {url[:80]}")
    if any(c in url for c in " \r\n\t"):
        raise PushHTTPError("whitespace in the push endpoint")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, host, parts.port or (443 if scheme == "https" else 80), parts.netloc, path)


class _Connection(asyncio.Protocol):
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[Response] | None = None
        self.closed = False
        self._reset()

    def _reset(self) -> None:
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
            self._fail(PushHTTPError(f"malformed response: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(PushHTTPError(f"connection closed by the push service{f': {exc}' if exc else ''}"))

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_body(self, body: bytes) -> None:
        if len(self.body) < BODY_KEEP:
            self.body += body[: BODY_KEEP - len(self.body)]

    def on_message_complete(self) -> None:
        response = Response(self.parser.get_status_code(), self.headers, bytes(self.body))
        if not self.parser.should_keep_alive():
            self.close()
        self._reset()
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(response)
        self.waiter = None

    def _fail(self, exc: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)
        self.waiter = None

    async def exchange(self, data: bytes) -> Response:
        assert self.transport is not None
        self.waiter = self.loop.create_future()
        self.transport.write(data)
        return await self.waiter

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class PushClient:
    """POST to push endpoints. Use from one event loop; ``close()`` before dropping it."""

    def __init__(self, *, timeout: float, user_agent: str = "CongDanSo-Push/1") -> None:
        self.timeout = timeout
        self.user_agent = user_agent
        self.idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self.ssl_context = ssl.create_default_context()

    async def _connect(self, scheme: str, host: str, port: int) -> _Connection:
        loop = asyncio.get_running_loop()
        _transport, protocol = await loop.create_connection(
            lambda: _Connection(loop), host, port,
            ssl=self.ssl_context if scheme == "https" else None,
            server_hostname=host if scheme == "https" else None)
        return protocol

    async def post(self, target: Target | str, body: bytes, headers: dict[str, str]) -> Response:
        if isinstance(target, str):
            target = parse_endpoint(target)
        scheme, host, port = target.scheme, target.host, target.port
        key = (scheme, host, port)
        lines = [f"POST {target.path} HTTP/1.1", f"Host: {target.netloc}", f"User-Agent: {self.user_agent}",
                 f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        pool = self.idle.setdefault(key, [])
        async with asyncio.timeout(self.timeout):
            for _attempt in range(2):
                conn = None
                while pool:
                    candidate = pool.pop()
                    if not candidate.closed:
                        conn = candidate
                        break
                reused = conn is not None
                if conn is None:
                    conn = await self._connect(scheme, host, port)
                try:
                    response = await conn.exchange(data)
                except PushHTTPError:
                    conn.close()
                    if reused:  # the server closed an idle kept-alive connection: once more on a fresh one
                        continue
                    raise
                except BaseException:
                    conn.close()
                    raise
                if not conn.closed:
                    pool.append(conn)
                return response
        raise PushHTTPError("no connection")

    async def close(self) -> None:
        for pool in self.idle.values():
            for conn in pool:
                conn.close()
        self.idle.clear()
        await asyncio.sleep(0)
