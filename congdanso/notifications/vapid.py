"""VAPID (RFC 8292): the application server's key pair, and signed tokens cached per push-service origin.

Keys come from ``VAPID_PRIVATE_KEY`` (PEM, or the base64url raw key that ``web-push generate-vapid-keys`` prints)
and ``VAPID_PUBLIC_KEY``; when unset, a key is made once in ``DATA_DIR`` (like the devidp signing key). Every
server of one deployment must share the key: browsers bind a subscription to it.

Signing an ES256 JWT costs about as much as encrypting a message, so a token is signed once per origin and reused
until an hour before it expires (tokens live ``VAPID_TOKEN_HOURS``, at most 24 h as RFC 8292 allows).
"""

from __future__ import annotations

import base64
import logging
import os
import threading
import time
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from py_vapid import Vapid02

logger = logging.getLogger(__name__)

_tokens: dict[str, tuple[str, float]] = {}
_lock = threading.Lock()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_or_create(path: Path) -> str:
    if path.exists():
        return path.read_text(encoding="ascii")
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode("ascii")
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(pem, encoding="ascii")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path.read_text(encoding="ascii")


def _parse_private(text: str) -> ec.EllipticCurvePrivateKey:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
    else:
        raw = b64url_decode(text)
        if len(raw) == 32:
            key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
        else:
            key = serialization.load_der_private_key(raw, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ImproperlyConfigured("VAPID_PRIVATE_KEY must be a P-256 (prime256v1) key")
    return key


@cache
def private_key() -> ec.EllipticCurvePrivateKey:
    text = settings.VAPID_PRIVATE_KEY
    if not text:
        path = Path(settings.DATA_DIR) / "vapid-private.pem"
        if not settings.DEBUG and not path.exists():
            logger.warning("VAPID_PRIVATE_KEY is not set: generating %s. Several servers must share one key.", path)
        text = load_or_create(path)
    key = _parse_private(text)
    configured = settings.VAPID_PUBLIC_KEY
    if configured and configured.strip() != public_key_of(key):
        raise ImproperlyConfigured("VAPID_PUBLIC_KEY does not belong to VAPID_PRIVATE_KEY")
    return key


def public_key_of(key: ec.EllipticCurvePrivateKey) -> str:
    point = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url(point)


def application_server_key() -> str:
    """The public key a browser passes to ``pushManager.subscribe`` (base64url, uncompressed P-256 point)."""
    return public_key_of(private_key())


@cache
def _signer() -> Vapid02:
    return Vapid02(private_key=private_key())


def origin_of(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def authorization(endpoint_or_origin: str, now: float | None = None) -> str:
    """The ``Authorization: vapid t=…, k=…`` value for this endpoint's origin, signed at most once per origin."""
    now = now if now is not None else time.time()
    cached = _tokens.get(endpoint_or_origin)  # the common case: called with the origin
    if cached and cached[1] - 3600 > now:
        return cached[0]
    origin = origin_of(endpoint_or_origin)
    cached = _tokens.get(origin)
    if cached and cached[1] - 3600 > now:
        return cached[0]
    with _lock:
        cached = _tokens.get(origin)
        if cached and cached[1] - 3600 > now:
            return cached[0]
        expires = int(now + settings.VAPID_TOKEN_HOURS * 3600)
        headers = _signer().sign({"aud": origin, "sub": settings.VAPID_SUBJECT, "exp": expires})
        value = headers["Authorization"]
        _tokens[origin] = (value, float(expires))
        return value


def signed_count() -> int:
    return len(_tokens)


def forget_tokens() -> None:
    _tokens.clear()
