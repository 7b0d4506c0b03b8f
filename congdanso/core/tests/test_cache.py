"""Shared counters (rate limits): one Lua command on Django's Redis cache, a locked row in the database without
Redis, and the same totals whichever process counts."""

from __future__ import annotations

import json
import subprocess
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.utils import timezone

from congdanso.core import counters
from congdanso.core.cache import count
from congdanso.core.models import RateCounter
from congdanso.core.tests.conftest import PYTHON, REPO, external_database
from congdanso.core.tests.test_outbox_worker import REDIS_TEST_URL, redis_or_skip


@pytest.fixture
def redis_cache() -> RedisCache:
    redis_or_skip()
    # A prefix of its own instead of emptying a database other test runs may be using.
    return RedisCache(REDIS_TEST_URL, {"KEY_PREFIX": uuid.uuid4().hex})


@pytest.fixture(params=["redis", "locmem"])
def any_cache(request: pytest.FixtureRequest) -> Any:
    if request.param == "redis":
        return request.getfixturevalue("redis_cache")
    return LocMemCache("test-count", {})


@pytest.mark.django_db
def test_without_redis_counters_live_in_the_database(settings: Any) -> None:
    settings.RATE_LIMIT_STORE = "database"
    key = f"counter-{uuid.uuid4().hex}"
    assert count([key], 60) == [1]
    assert count([key, "other"], 60) == [2, 1]
    assert count([key], 60, delta=-1) == [1]
    assert RateCounter.objects.get(key=key).value == 1


@pytest.mark.django_db
def test_an_expired_database_counter_starts_again_and_is_purged() -> None:
    assert counters.count(["w"], 60) == [1]
    RateCounter.objects.filter(key="w").update(expires_at=timezone.now() - timedelta(seconds=1))
    assert counters.count(["w"], 60) == [1]  # a new window
    RateCounter.objects.filter(key="w").update(expires_at=timezone.now() - timedelta(seconds=1))
    assert counters.purge_expired() == 1
    assert not RateCounter.objects.exists()


def test_counters_start_at_one_and_count_each_key(any_cache: Any) -> None:
    assert count(["u", "ip"], 60, cache=any_cache) == [1, 1]
    assert count(["u", "ip"], 60, cache=any_cache) == [2, 2]
    assert count(["ip"], 60, cache=any_cache) == [3]
    assert count(["u", "ip"], 60, delta=-1, cache=any_cache) == [1, 2]
    assert any_cache.get("u") == 1  # readable through the cache API too


def test_a_redis_counter_lives_from_its_first_count(redis_cache: RedisCache) -> None:
    count(["w"], 60, cache=redis_cache)
    key = redis_cache.make_and_validate_key("w")
    client = redis_cache._cache.get_client(write=True)
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
    assert commands.count("EVALSHA") == 2
    assert set(commands) <= {"EVALSHA", "SCRIPT LOAD", "EVAL"}


HIT_SCRIPT = """
import json, sys, django
django.setup()
from congdanso.reports import ratelimit
from congdanso.reports.errors import RateLimited
key, limit, tries = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
accepted = 0
for _ in range(tries):
    try:
        ratelimit.hit((key, limit))
        accepted += 1
    except RateLimited:
        pass
print(json.dumps(accepted))
"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("store", ["database", "redis"])
def test_a_limit_holds_across_processes(request: pytest.FixtureRequest, store: str) -> None:
    """Two processes (two gunicorn workers) share one limit: 2 × 15 tries against a limit of 20 accept 20, not
    30 (each process counted alone in its own memory before)."""
    env: dict[str, str] = {}
    if store == "redis":
        redis_or_skip()
        env["REDIS_URL"] = REDIS_TEST_URL
    db = external_database(request, **env)
    key = f"test:{uuid.uuid4().hex}"
    processes = [
        subprocess.Popen([PYTHON, "-c", HIT_SCRIPT, key, "20", "15"], cwd=REPO, env=db.env, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    accepted = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        accepted.append(json.loads(out.strip().splitlines()[-1]))
    assert sum(accepted) == 20, accepted
