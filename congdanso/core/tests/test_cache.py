"""The Redis cache: one client per pool, and counters counted in one round trip (with the in-process fallback)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache.backends.locmem import LocMemCache

from congdanso.core.cache import RedisCache, count
from congdanso.core.tests.test_outbox_worker import REDIS_TEST_URL, redis_or_skip

pytestmark = pytest.mark.xdist_group("redis-db-15")  # shares REDIS_TEST_URL with test_outbox_worker


@pytest.fixture
def redis_cache() -> Iterator[RedisCache]:
    client = redis_or_skip()
    client.flushdb()
    yield RedisCache(REDIS_TEST_URL, {})
    client.flushdb()


@pytest.fixture(params=["redis", "locmem"])
def any_cache(request: pytest.FixtureRequest) -> Any:
    if request.param == "redis":
        return request.getfixturevalue("redis_cache")
    return LocMemCache("test-count", {})


def test_the_default_cache_counts_too() -> None:
    key = f"counter-{uuid.uuid4().hex}"
    assert count([key], 60) == [1]
    assert count([key], 60, delta=-1) == [0]


def test_the_redis_cache_reuses_one_client(redis_cache: RedisCache) -> None:
    redis_cache.set("a", {"x": 1})
    assert redis_cache.get("a") == {"x": 1}
    client = redis_cache._cache.get_client(write=True)
    assert redis_cache._cache.get_client() is client
    assert redis_cache._client is client


def test_counters_start_at_one_and_count_each_key(any_cache: Any) -> None:
    assert count(["u", "ip"], 60, cache=any_cache) == [1, 1]
    assert count(["u", "ip"], 60, cache=any_cache) == [2, 2]
    assert count(["ip"], 60, cache=any_cache) == [3]
    assert count(["u", "ip"], 60, delta=-1, cache=any_cache) == [1, 2]
    assert any_cache.get("u") == 1  # readable through the cache API too


def test_a_counter_lives_from_its_first_count(redis_cache: RedisCache) -> None:
    count(["w"], 60, cache=redis_cache)
    key = redis_cache.make_and_validate_key("w")
    client = redis_cache._client
    client.expire(key, 5)
    count(["w"], 60, cache=redis_cache)  # a later count does not extend the window
    assert 0 < client.ttl(key) <= 5


def test_counting_several_keys_is_one_command(redis_cache: RedisCache, monkeypatch: pytest.MonkeyPatch) -> None:
    import redis

    commands: list[str] = []
    real = redis.Redis.execute_command

    def execute_command(self: Any, *args: Any, **options: Any) -> Any:
        commands.append(args[0])
        return real(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", execute_command)
    assert count(["a", "b", "c"], 60, cache=redis_cache) == [1, 1, 1]
    assert count(["a", "c"], 60, cache=redis_cache) == [2, 2]
    assert commands[-1] == "EVALSHA"
    assert commands.count("EVALSHA") == 2
