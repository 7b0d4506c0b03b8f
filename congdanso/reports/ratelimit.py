"""Fixed-window rate limits in the Django cache (shared by every process when the cache is Redis)."""

from __future__ import annotations

import time

from django.core.cache import cache

from congdanso.reports.errors import RateLimited


def hit(key: str, limit: int, window_seconds: int = 3600) -> None:
    """Count one action under ``key``; raise RateLimited past ``limit`` per window. A limit of 0 disables it."""
    if limit <= 0:
        return
    bucket = f"rl:{key}:{int(time.time() // window_seconds)}"
    cache.add(bucket, 0, window_seconds + 5)
    try:
        count = cache.incr(bucket)
    except ValueError:  # evicted between add and incr
        cache.set(bucket, 1, window_seconds + 5)
        count = 1
    if count > limit:
        raise RateLimited()


def peek(key: str, window_seconds: int = 3600) -> int:
    return int(cache.get(f"rl:{key}:{int(time.time() // window_seconds)}") or 0)
