"""Shared state of the WeChat channel: who handles a message, its reply, the numbered options.

WeChat re-sends a message it got no answer for within 5 s (same ``MsgId``, up to three times),
possibly to another replica. Every replica must agree that the message is processed once and
who delivers its reply, so the state lives in small hashes with few atomic operations:
``create`` (the first request to see a message processes it), ``set`` / ``setnx`` (the first
writer of a field wins), ``get``. ``MemoryStore`` keeps them in the process (one server),
``RedisStore`` in Redis (several replicas; ``REDIS_URL``).
"""
from __future__ import annotations

import json
import time
from typing import Any, Dict, Optional, Text

DEFAULT_TTL = 600  # s: WeChat's retries end after ~15 s; a little history helps the logs


class MemoryStore:
    """One process: a dict of hashes with an expiry time."""

    def __init__(self, prefix: Text = "wechat") -> None:
        self.prefix = prefix
        self._data: Dict[Text, Dict[Text, Text]] = {}
        self._expires: Dict[Text, float] = {}

    def _live(self, key: Text) -> Optional[Dict[Text, Text]]:
        if key in self._expires and self._expires[key] < time.monotonic():
            self._data.pop(key, None)
            self._expires.pop(key, None)
        return self._data.get(key)

    def _sweep(self) -> None:
        # Expired hashes would otherwise pile up (every message makes one).
        now = time.monotonic()
        for key in [k for k, t in self._expires.items() if t < now]:
            self._data.pop(key, None)
            self._expires.pop(key, None)

    async def create(self, key: Text, fields: Dict[Text, Text], ttl: int = DEFAULT_TTL) -> bool:
        if self._live(key) is not None:
            return False
        if len(self._expires) > 10_000:
            self._sweep()
        self._data[key] = dict(fields)
        self._expires[key] = time.monotonic() + ttl
        return True

    async def get(self, key: Text) -> Dict[Text, Text]:
        return dict(self._live(key) or {})

    async def set(self, key: Text, field: Text, value: Text, ttl: int = DEFAULT_TTL) -> None:
        data = self._live(key)
        if data is None:
            data = self._data[key] = {}
        data[field] = value
        self._expires[key] = time.monotonic() + ttl

    async def setnx(self, key: Text, field: Text, value: Text) -> Text:
        """Sets ``field`` unless it is set; returns its value (``value`` if this call won)."""
        data = self._live(key)
        if data is None:
            data = self._data[key] = {}
            self._expires[key] = time.monotonic() + DEFAULT_TTL
        return data.setdefault(field, value)

    async def close(self) -> None:
        pass


class RedisStore:
    """Several replicas: the same operations on Redis hashes under ``prefix``."""

    def __init__(self, url: Text, prefix: Text = "wechat") -> None:
        import redis.asyncio  # a Rasa dependency (RedisLockStore)

        self.prefix = prefix
        self.redis = redis.asyncio.from_url(url, decode_responses=True)

    async def create(self, key: Text, fields: Dict[Text, Text], ttl: int = DEFAULT_TTL) -> bool:
        created = await self.redis.hsetnx(key, "created", str(time.time()))
        if not created:
            return False
        async with self.redis.pipeline(transaction=True) as pipe:
            await pipe.hset(key, mapping=fields).expire(key, ttl).execute()
        return True

    async def get(self, key: Text) -> Dict[Text, Text]:
        return await self.redis.hgetall(key)

    async def set(self, key: Text, field: Text, value: Text, ttl: int = DEFAULT_TTL) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            await pipe.hset(key, field, value).expire(key, ttl).execute()

    async def setnx(self, key: Text, field: Text, value: Text) -> Text:
        async with self.redis.pipeline(transaction=True) as pipe:
            _, current, _ = await (
                pipe.hsetnx(key, field, value).hget(key, field).expire(key, DEFAULT_TTL)
            ).execute()
        return current

    async def close(self) -> None:
        await self.redis.close()


def dumps(value: Any) -> Text:
    return json.dumps(value, ensure_ascii=False)


def loads(value: Optional[Text], default: Any = None) -> Any:
    if value is None:
        return default
    try:
        return json.loads(value)
    except ValueError:
        return default
