"""Parallel test runs give each xdist worker its own Redis database."""

from __future__ import annotations

import pytest

from congdanso.testing.xdist_redis import worker_redis_url


def test_each_worker_gets_the_database_at_its_index():
    assert worker_redis_url("redis://127.0.0.1:6379/1", "gw0", "1,2") == "redis://127.0.0.1:6379/1"
    assert worker_redis_url("redis://:secret@127.0.0.1:6379/1", "gw1", "1, 2") == "redis://:secret@127.0.0.1:6379/2"
    assert worker_redis_url("redis://127.0.0.1:6379", "gw1", "5,6") == "redis://127.0.0.1:6379/6"


def test_too_few_databases_for_the_workers_is_refused():
    with pytest.raises(RuntimeError, match="worker gw2 needs one"):
        worker_redis_url("redis://127.0.0.1:6379/1", "gw2", "1,2")
