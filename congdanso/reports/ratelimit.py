"""Fixed-window rate limits, counted where every process sees the same count (Redis, or the database without it:
see core/cache.py)."""

from __future__ import annotations

import time

from congdanso.core.cache import count
from congdanso.reports.errors import RateLimited


def _bucket(key: str, window_seconds: int) -> str:
    return f"rl:{key}:{int(time.time() // window_seconds)}"


def hit(*limits: tuple[str, int], window_seconds: int = 3600) -> list[str]:
    """Count one action under each ``(key, limit)``; raise RateLimited when any count passes its limit, and then
    count it under none (a refused action does not use up the other limits). A limit of 0 disables that key.
    All keys are counted in one cache round trip. Returns what was counted, for ``refund``."""
    active = [(_bucket(key, window_seconds), limit) for key, limit in limits if limit > 0]
    if not active:
        return []
    buckets = [bucket for bucket, _limit in active]
    counts = count(buckets, window_seconds + 5)
    if any(value > limit for value, (_bucket_key, limit) in zip(counts, active, strict=True)):
        refund(buckets, window_seconds)
        raise RateLimited()
    return buckets


def refund(counted: list[str], window_seconds: int = 3600) -> None:
    """Take back a count ``hit`` made (the action turned out not to be a new one)."""
    if counted:
        count(counted, window_seconds + 5, delta=-1)
