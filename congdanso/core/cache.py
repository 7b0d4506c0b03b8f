"""Django's Redis cache, also lending its connection pool to django-rq.

django-rq opens a new Redis client, with a new connection, for every queue it builds from a URL, so each task
enqueued after a commit paid for a TCP connect (~18 % of a report submission's CPU). With ``RQ_QUEUES`` set to
``{"USE_REDIS_CACHE": "default"}`` it asks the cache for ``_client`` instead: here, one client on the cache's
pooled connections (redis-py resets a pool inherited across a fork).
"""

from __future__ import annotations

import redis
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.utils.functional import cached_property


class RedisCache(DjangoRedisCache):
    @cached_property
    def _client(self) -> redis.Redis:
        # One client per cache instance (Django keeps one per thread): RQ remembers the server's version on the
        # client, so a new client per enqueue cost an INFO round trip each time.
        return self._cache.get_client(write=True)
