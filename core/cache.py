"""Django's Redis cache, keeping one redis-py client per connection pool.

Django's RedisCache builds a new ``redis.Redis`` object for every cache call; with redis-py 8 that
means filling a table of some 170 response callbacks each time, which cost more than the round trip
itself for the small, frequent reads of the rate limits and the org network version. A redis-py
client is safe to share between threads (each command borrows a connection from the pool)."""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _ReusingClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusingClient
