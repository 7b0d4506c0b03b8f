"""Content-Security-Policy source expressions from configured URLs (pure; settings use it at start-up)."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit


def source_of(url: str) -> str | None:
    """The CSP host source (``scheme://host[:port]``) that allows requests to ``url``; ``None`` when it has no host.

    A Leaflet-style tile template such as ``https://{s}.tile.example.org/{z}/{x}/{y}.png`` becomes
    ``https://*.tile.example.org``: CSP allows a wildcard only as the leftmost label, so any other placeholder in the
    host is refused (``ValueError``) rather than silently widened.
    """
    url = (url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc.rsplit("@", 1)[-1]
    if host.startswith("{s}."):
        host = "*." + host[4:]
    if "{" in host or "}" in host:
        raise ValueError(f"cannot turn the host of {url!r} into a CSP source: only a leading '{{s}}.' is allowed")
    return f"{parts.scheme}://{host.lower()}"


def sources_of(urls: Iterable[str]) -> list[str]:
    """The distinct host sources of ``urls`` in their first order, skipping empty or relative ones."""
    seen: list[str] = []
    for url in urls:
        source = source_of(url)
        if source and source not in seen:
            seen.append(source)
    return seen
