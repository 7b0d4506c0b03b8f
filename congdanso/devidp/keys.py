"""The development provider's RSA signing key: made once and kept in DATA_DIR, so tokens survive restarts."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def load_or_create(path: Path) -> str:
    if path.exists():
        return path.read_text(encoding="ascii")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(pem, encoding="ascii")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)  # two processes starting at once both end with one complete key file
    return path.read_text(encoding="ascii")
