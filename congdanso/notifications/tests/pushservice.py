"""A local Web Push service for tests: a real HTTP server on 127.0.0.1 that checks the VAPID Authorization header
(an ES256 JWT verified with the key it carries, which must be the application server key) and decrypts each
message (RFC 8291, aes128gcm) with the subscriber's private key, as a browser would.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Subscriber:
    """A browser's side of a subscription: the P-256 key pair and auth secret it keeps."""

    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @classmethod
    def new(cls) -> Subscriber:
        return cls(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))

    @property
    def p256dh(self) -> str:
        return b64url(self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))

    def subscription(self, endpoint: str) -> dict[str, Any]:
        keys = {"p256dh": self.p256dh, "auth": b64url(self.auth)}
        return {"endpoint": endpoint, "expirationTime": None, "keys": keys}

    def decrypt(self, body: bytes) -> bytes:
        return http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm")


def verify_vapid(header: str, audience: str) -> dict[str, Any]:
    """Check ``vapid t=<jwt>, k=<key>`` (RFC 8292): signature, audience, expiry ≤ 24 h. Returns the claims."""
    scheme, _sep, params = header.partition(" ")
    assert scheme.lower() == "vapid", f"not a VAPID header: {header[:40]}"
    parts = dict(p.strip().split("=", 1) for p in params.split(","))
    token, key = parts["t"], parts["k"]
    head_b64, claims_b64, sig_b64 = token.split(".")
    head = json.loads(unb64(head_b64))
    assert head["alg"] == "ES256", head
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(key))
    sig = unb64(sig_b64)
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    try:
        public.verify(der, f"{head_b64}.{claims_b64}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise AssertionError("VAPID JWT signature does not verify") from None
    claims = json.loads(unb64(claims_b64))
    assert claims["aud"] == audience, (claims["aud"], audience)
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600 + 5, claims
    assert claims["sub"].startswith(("mailto:", "https:")), claims
    claims["_key"] = key
    return claims


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    vapid: dict[str, Any] | None = None
    message: dict[str, Any] | None = None
    error: str = ""


@dataclass
class PushService:
    """Paths: /ok/<n>: 201; /gone/<n>: 410; /missing/<n>: 404; /busy/<n>: 429 Retry-After (first ``busy_times``);
    /fail/<n>: 500 (first ``fail_times``); /slow/<n>: answers after ``slow_seconds``."""

    subscribers: dict[str, Subscriber] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    busy_times: int = 1
    retry_after: str = "2"
    fail_times: int = 1
    slow_seconds: float = 3.0
    delay_seconds: float = 0.0  # every answer waits this long (a busy push service; lets tests kill mid-batch)
    counters: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def origin(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def subscribe(self, path: str) -> tuple[Subscriber, dict[str, Any]]:
        subscriber = Subscriber.new()
        self.subscribers[path] = subscriber
        return subscriber, subscriber.subscription(self.origin + path)

    def messages(self) -> list[dict[str, Any]]:
        with self.lock:
            return [r.message for r in self.received if r.message is not None]

    def start(self) -> PushService:
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                item = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                kind = self.path.strip("/").split("/")[0]
                with service.lock:
                    count = service.counters[self.path] = service.counters.get(self.path, 0) + 1
                status, extra = 201, {}
                if kind == "gone":
                    status = 410
                elif kind == "missing":
                    status = 404
                elif kind == "busy" and count <= service.busy_times:
                    status, extra = 429, {"Retry-After": service.retry_after}
                elif kind == "fail" and count <= service.fail_times:
                    status = 500
                elif kind == "slow" and count == 1:
                    time.sleep(service.slow_seconds)
                if service.delay_seconds:
                    time.sleep(service.delay_seconds)
                if status == 201:
                    try:
                        item.vapid = verify_vapid(item.headers["authorization"], service.origin)
                        assert item.headers.get("content-encoding") == "aes128gcm"
                        assert int(item.headers["ttl"]) >= 0
                        item.message = json.loads(service.subscribers[self.path].decrypt(body))
                    except Exception as exc:
                        item.error = f"{type(exc).__name__}: {exc}"
                        status = 400
                with service.lock:
                    service.received.append(item)
                self.send_response(status)
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "0")
                self.end_headers()

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client killed mid-request (the crash tests do it on purpose)

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
