"""Field encryption (Fernet, with key rotation) and blind indexes (keyed HMAC) for personal data at rest.

Keys are strings of any length; each is stretched to a Fernet key with HKDF-SHA256 so that operators can paste a
random passphrase. The first key encrypts; every key decrypts (rotation). The blind index is an HMAC of the
normalised value, so an equality lookup works without storing the clear value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class DecryptionError(ValueError):
    """A stored value cannot be decrypted with any configured key."""


def _fernet_key(secret: str) -> bytes:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"congdanso-field-encryption", info=b"fernet")
    return base64.urlsafe_b64encode(derived.derive(secret.encode("utf-8")))


@lru_cache(maxsize=8)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ValueError("at least one field encryption key is required")
    return MultiFernet([Fernet(_fernet_key(key)) for key in keys])


def encrypt(value: str, keys: Sequence[str]) -> str:
    return _cipher(tuple(keys)).encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str, keys: Sequence[str]) -> str:
    cipher = _cipher(tuple(keys))  # no keys at all is a configuration error, not a bad value
    try:
        return cipher.decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError) as exc:
        raise DecryptionError("value cannot be decrypted with the configured keys") from exc


def rotate(token: str, keys: Sequence[str]) -> str:
    """Re-encrypt a token under the newest key."""
    cipher = _cipher(tuple(keys))
    try:
        return cipher.rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, ValueError) as exc:
        raise DecryptionError("value cannot be decrypted with the configured keys") from exc


def is_current(token: str, keys: Sequence[str]) -> bool:
    """The token is encrypted with the newest key (the first), so an older key is no longer needed to read it."""
    try:
        _cipher((keys[0],)).decrypt(token.encode("ascii"))
    except (InvalidToken, ValueError):
        return False
    return True


def normalise_for_index(value: str) -> str:
    """What the blind index hashes: Unicode NFKC (so NFC/NFD input and full-width digits agree), no whitespace,
    case-folded."""
    return "".join(unicodedata.normalize("NFKC", value).split()).casefold()


def blind_index(value: str, key: str) -> str:
    if not key:
        raise ValueError("a blind index key is required")
    normalised = normalise_for_index(value)
    return hmac.new(key.encode("utf-8"), normalised.encode("utf-8"), hashlib.sha256).hexdigest()
