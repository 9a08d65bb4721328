"""Rasa 3.6's ``RedisLockStore`` with its ticket bookkeeping made atomic across replicas.

Rasa keeps each conversation's ticket queue as one JSON value in Redis and changes it by
read-modify-write (``get`` … ``set``) with nothing in between: two replicas issuing tickets for
one sender at the same moment overwrite each other's, a ticket vanishes, its request waits until
the queue is deleted and fails with ``LockError`` (seen in tests/production: 6 of 20 concurrent
messages of one sender lost on two replicas). Here every change of a queue happens under a short
Redis mutex of that conversation (redis-py's ``Lock``: ``SET NX PX``), so the queue is changed by
one process at a time; waiting for one's turn is Rasa's own loop, unchanged.

endpoints.production.yml::

    lock_store:
      type: stores.locks.AtomicRedisLockStore
      url: ...   # the same keys as Rasa's ``type: redis``
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Text

from rasa.core.lock_store import LOCK_LIFETIME, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

MUTEX_SECONDS = 10  # a queue change takes milliseconds; a crashed holder frees it after this


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        # Rasa builds a lock store named by module path with the endpoint config only.
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    @contextmanager
    def _mutex(self, conversation_id: Text) -> Iterator[None]:
        with self.red.lock(f"{self.key_prefix}{conversation_id}:mutex", timeout=MUTEX_SECONDS,
                           blocking_timeout=MUTEX_SECONDS):
            yield

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: Text) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        with self._mutex(conversation_id):
            LockStore.finish_serving(self, conversation_id, ticket_number)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # one critical section: nobody may take a ticket between "nobody waits" and the delete
        with self._mutex(conversation_id):
            LockStore.finish_serving(self, conversation_id, ticket_number)
            if not self.is_someone_waiting(conversation_id):
                self.delete_lock(conversation_id)
