"""PostgreSQL and Redis for the production-profile tests: each test run gets its own database
and Redis key prefix and removes them afterwards. An absent service is a failure that names it
(these tests exist to prove the profile works on the real services; skipping would hide that)."""
from __future__ import annotations

import secrets
from typing import Dict

import pytest

from scripts.cluster import SECRETS, Settings, SettingError, check_services


def run_environment(**overrides: str) -> Dict[str, str]:
    """Settings of one test run: random secrets, a database and a key prefix of its own."""
    run = secrets.token_hex(4)
    env = {name: secrets.token_hex(16) for name in SECRETS}
    env.update({"POSTGRES_DB": f"icp_test_{run}", "REDIS_PREFIX": f"icptest{run}"})
    env.update(overrides)
    return env


def require_services(settings: Settings) -> None:
    try:
        check_services(settings)  # also creates the run's database
    except SettingError as e:
        pytest.fail(f"{e}\n(the production tests need this service running)", pytrace=False)


def drop_database(settings: Settings, name: str) -> None:
    import psycopg2

    conn = psycopg2.connect(host=settings["POSTGRES_HOST"], port=int(settings["POSTGRES_PORT"]),
                            user=settings["POSTGRES_USER"],
                            password=settings["POSTGRES_PASSWORD"] or None, dbname="postgres")
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                        (name,))
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        conn.close()


def redis_keys(settings: Settings) -> list:
    import redis

    client = redis.Redis(host=settings["REDIS_HOST"], port=int(settings["REDIS_PORT"]),
                         db=int(settings["REDIS_DB"]))
    return list(client.scan_iter(match=f"{settings['REDIS_PREFIX']}:*"))


def delete_redis_keys(settings: Settings) -> None:
    import redis

    client = redis.Redis(host=settings["REDIS_HOST"], port=int(settings["REDIS_PORT"]),
                         db=int(settings["REDIS_DB"]))
    for key in client.scan_iter(match=f"{settings['REDIS_PREFIX']}:*"):
        client.delete(key)
