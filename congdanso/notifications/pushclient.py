"""Sends a batch of Web Push POSTs with aiohttp, through the safe outgoing-HTTP connector (``core.outgoing``).

Per push-service origin, ``concurrency`` coroutines each keep one kept-alive connection busy: a coroutine per
connection, not per push. Requests are rendered (encrypted) a few at a time when a coroutine needs one, so the
encryption runs in a tight loop while the push service answers the previous ones. When ``halt`` says yes to an
answer (a 429), the origin's requests not yet sent end as ``Halted``. Redirects are never followed (a push service
does not redirect; following one would let an endpoint point the worker elsewhere); answers are read up to
``BODY_KEEP`` bytes.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
from yarl import URL

from congdanso.core import outgoing

BODY_KEEP = 500  # bytes of an answer kept for the log
RENDER_AHEAD = 16  # requests rendered (encrypted) in one go when a connection needs one


@dataclass(slots=True)
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


class Halted(Exception):
    """Not sent: an earlier answer of the same origin (e.g. 429) stopped the rest of the batch for that origin."""

    def __init__(self, response: Response) -> None:
        super().__init__(f"not sent: the push service answered {response.status}")
        self.response = response


@dataclass(slots=True)
class Request:
    """One POST of a batch: ``render`` turns ``item`` into (headers, body) when a connection is ready for it."""

    index: int
    target: outgoing.Target
    url: URL
    item: Any


Rendered = tuple[dict[str, str], bytes]
Result = Response | Exception


def request_for(index: int, endpoint: str, item: Any) -> Request:
    """A request to a push endpoint; raises OutgoingRefused for a URL or IP literal that may not be contacted (a
    host name is checked when aiohttp resolves it)."""
    target = outgoing.check_url(endpoint, resolve_host=False)
    return Request(index, target, URL(endpoint, encoded=True), item)


class _Lane:
    """The requests of one origin in a batch."""

    def __init__(self, batch: _Batch, queue: deque[Request]) -> None:
        self.batch, self.queue = batch, queue
        self.ready: deque[tuple[Request, Rendered]] = deque()
        self.halted: Response | None = None

    def next(self) -> tuple[Request, Rendered] | None:
        if self.halted is None and not self.ready:
            while self.queue and len(self.ready) < RENDER_AHEAD:
                request = self.queue.popleft()
                try:
                    self.ready.append((request, self.batch.render(request)))
                except Exception as exc:  # unusable subscription keys and the like: this request only
                    self.batch.results[request.index] = exc
        if self.halted is None and self.ready:
            return self.ready.popleft()
        return None

    async def pump(self) -> None:
        session, results = self.batch.session, self.batch.results
        while (job := self.next()) is not None:
            request, (headers, body) = job
            results[request.index] = result = await _post(session, request, headers, body, self.batch.timeout)
            if (self.batch.halt is not None and self.halted is None and isinstance(result, Response)
                    and self.batch.halt(result)):
                self.halted = result

    def finish(self) -> None:
        if self.halted is not None:
            for request, _rendered in self.ready:
                self.batch.results[request.index] = Halted(self.halted)
            for request in self.queue:
                self.batch.results[request.index] = Halted(self.halted)
            self.ready.clear()
            self.queue.clear()


async def _post(session: aiohttp.ClientSession, request: Request, headers: dict[str, str], body: bytes,
                timeout: aiohttp.ClientTimeout) -> Result:
    for attempt in (1, 2):
        try:
            async with session.post(request.url, data=body, headers=headers, allow_redirects=False,
                                    timeout=timeout) as response:
                status = response.status
                if 200 <= status < 300 and not response.content_length:  # the usual "201 Created", nothing to read
                    return Response(status, {}, b"")
                kept = await response.content.read(BODY_KEEP)
                return Response(status, {k.lower(): v for k, v in response.headers.items()}, kept)
        except aiohttp.ServerDisconnectedError as exc:
            # A kept-alive connection the push service had closed meanwhile: once more, on a fresh connection.
            if attempt == 2:
                return exc
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            return exc
    raise AssertionError("unreachable")  # pragma: no cover


class _Batch:
    def __init__(self, session: aiohttp.ClientSession, requests: Sequence[Request],
                 render: Callable[[Request], Rendered], halt: Callable[[Response], bool] | None,
                 timeout: float) -> None:
        self.session, self.render, self.halt = session, render, halt
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.results: list[Result | None] = [None] * len(requests)
        queues: dict[str, deque[Request]] = {}
        for request in requests:
            queues.setdefault(request.target.origin, deque()).append(request)
        self.lanes = [_Lane(self, queue) for queue in queues.values()]

    async def run(self, concurrency: int) -> list[Result]:
        pumps = [lane.pump() for lane in self.lanes for _ in range(min(concurrency, len(lane.queue)))]
        await asyncio.gather(*pumps)
        for lane in self.lanes:
            lane.finish()
        return [r if r is not None else ConnectionError("not sent") for r in self.results]


class PushClient:
    """POST batches to push endpoints; one per event loop, ``close()`` before dropping it."""

    def __init__(self, *, timeout: float, concurrency: int, user_agent: str = "CongDanSo-Push/1") -> None:
        self.timeout, self.concurrency, self.user_agent = timeout, max(1, concurrency), user_agent
        self.session: aiohttp.ClientSession | None = None

    def _session(self) -> aiohttp.ClientSession:
        if self.session is None or self.session.closed:
            self.session = aiohttp.ClientSession(
                connector=outgoing.aiohttp_connector(limit_per_host=self.concurrency),
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": self.user_agent}, auto_decompress=False,
                skip_auto_headers=("Accept", "Accept-Encoding"), max_line_size=8190, max_field_size=8190)
        return self.session

    async def send_all(self, requests: Sequence[Request], render: Callable[[Request], Rendered], *,
                       halt: Callable[[Response], bool] | None = None, concurrency: int | None = None
                       ) -> list[Result]:
        """Send every request, at most ``concurrency`` at a time per origin; a Response or an exception each.

        ``render`` makes a request's headers and body; an exception it raises becomes that request's result.
        """
        if not requests:
            return []
        return await _Batch(self._session(), requests, render, halt, self.timeout).run(concurrency or self.concurrency)

    async def close(self) -> None:
        if self.session is not None and not self.session.closed:
            await self.session.close()
        self.session = None
