"""The lock store of the production profile on the real Redis: tickets issued at the same moment
by two replicas (two store instances) are all kept, so every waiting message gets its turn."""
from __future__ import annotations

import os
import secrets
import threading

import pytest
from rasa.utils.endpoints import EndpointConfig

from scripts.cluster import Settings
from stores.locks import AtomicRedisLockStore
from tests.production.services import delete_redis_keys, require_services, run_environment

pytestmark = pytest.mark.production


@pytest.fixture
def settings():
    settings = Settings.from_env({**os.environ, **run_environment()})
    require_services(settings)
    yield settings
    delete_redis_keys(settings)
    from tests.production.services import drop_database
    drop_database(settings, settings["POSTGRES_DB"])


def test_concurrent_tickets_from_two_replicas_are_all_kept(settings) -> None:
    config = EndpointConfig(url=settings["REDIS_HOST"], port=settings["REDIS_PORT"],
                            db=settings["REDIS_DB"], key_prefix=settings["REDIS_PREFIX"])
    replicas = [AtomicRedisLockStore(config), AtomicRedisLockStore(config)]
    sender = f"sender-{secrets.token_hex(4)}"
    tickets, start = [], threading.Barrier(40)

    def take(i: int) -> None:
        start.wait()
        tickets.append(replicas[i % 2].issue_ticket(sender, 60))

    threads = [threading.Thread(target=take, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(tickets) == list(range(40))  # none issued twice
    queue = replicas[0].get_lock(sender)
    assert sorted(t.number for t in queue.tickets) == sorted(tickets)  # none lost
    for number in sorted(tickets):  # served in ticket order, the lock gone after the last
        assert not replicas[number % 2].get_lock(sender).is_locked(number)
        replicas[number % 2].cleanup(sender, number)
    assert replicas[0].get_lock(sender) is None
