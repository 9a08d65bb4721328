"""The production profile started as `PROFILE=production make run` starts it (scripts/cluster.py):
two Rasa replicas and two action servers behind nginx, on the machine's PostgreSQL and Redis,
with a database and key prefix of this test run (removed afterwards)."""
from __future__ import annotations

import os
import secrets
from typing import Iterator

import pytest
import requests

from scripts.cluster import Cluster, Settings, free_port_range
from tests.conftest import MODEL
from tests.production.services import (delete_redis_keys, drop_database, require_services,
                                        run_environment)


class ProductionBot:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.token = cluster.settings["REST_TOKEN"]

    def say(self, url: str, sender: str, message: str, timeout: float = 60) -> list:
        response = requests.post(
            f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": message},
            headers={"Authorization": f"Bearer {self.token}"}, timeout=timeout)
        response.raise_for_status()
        return response.json()

    def tracker(self, url: str, sender: str) -> dict:
        response = requests.get(f"{url}/conversations/{sender}/tracker",
                                params={"token": self.cluster.api_token}, timeout=30)
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="package")
def production_settings() -> Iterator[Settings]:
    base = free_port_range(8)
    env = run_environment(
        RASA_PORT=str(base), ACTION_PORT=str(base + 1), RASA_REPLICA_BASE_PORT=str(base + 2),
        ACTION_REPLICA_BASE_PORT=str(base + 5), RASA_REPLICAS="2", ACTION_REPLICAS="2",
        MODEL=str(MODEL))
    settings = Settings.from_env({**os.environ, **env})
    require_services(settings)
    try:
        yield settings
    finally:
        drop_database(settings, settings["POSTGRES_DB"])
        delete_redis_keys(settings)


@pytest.fixture(scope="package")
def production(production_settings: Settings, tmp_path_factory) -> Iterator[ProductionBot]:
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first", pytrace=False)
    cluster = Cluster(production_settings, tmp_path_factory.mktemp("production"),
                      api_token=secrets.token_hex(16))
    cluster.start()
    try:
        yield ProductionBot(cluster)
    finally:
        cluster.stop()
