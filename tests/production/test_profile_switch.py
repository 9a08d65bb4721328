"""PROFILE selects the profile in scripts/run.sh (what `make run` calls): the default needs
nothing but SQLite; production refuses to start without its secrets or services, naming them."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import psutil
import pytest
import requests

from scripts.cluster import SECRETS
from tests.conftest import MODEL, ROOT, free_port

pytestmark = pytest.mark.production
RUN = str(ROOT / "scripts" / "run.sh")


def run_sh(env: dict, timeout: float = 60) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in SECRETS and k != "PROFILE"}
    return subprocess.run([RUN], cwd=ROOT, env={**base, **env}, capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.parametrize("missing", list(SECRETS))
def test_production_refuses_to_start_without_a_secret(missing: str) -> None:
    env = {name: "x" * 32 for name in SECRETS if name != missing}
    result = run_sh({"PROFILE": "production", **env})
    assert result.returncode != 0
    assert missing in result.stderr
    assert not any(name in result.stderr for name in env), "names only what is missing"


@pytest.mark.parametrize("service,variable", [("PostgreSQL", "POSTGRES_PORT"), ("Redis", "REDIS_PORT")])
def test_production_refuses_to_start_without_a_service(service: str, variable: str) -> None:
    env = {name: "x" * 32 for name in SECRETS}
    dead = str(free_port())  # nothing listens there
    result = run_sh({"PROFILE": "production", variable: dead, **env})
    assert result.returncode != 0
    assert service in result.stderr and dead in result.stderr


def test_an_unknown_profile_is_refused() -> None:
    result = run_sh({"PROFILE": "prod"})
    assert result.returncode != 0 and "PROFILE" in result.stderr


@pytest.mark.model
def test_default_profile_runs_on_sqlite_alone(tmp_path: Path) -> None:
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first", pytrace=False)
    rasa_port, action_port = free_port(), free_port()
    db = tmp_path / "tracker.db"
    env = {k: v for k, v in os.environ.items() if k not in SECRETS and k != "PROFILE"}
    # PostgreSQL and Redis pointed at a closed port: the default profile must not need them
    env.update(RASA_PORT=str(rasa_port), ACTION_PORT=str(action_port), TRACKER_DB=str(db),
               POSTGRES_PORT=str(free_port()), REDIS_PORT=str(free_port()),
               REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    log = (tmp_path / "run.log").open("w")
    process = subprocess.Popen([RUN], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    url = f"http://127.0.0.1:{rasa_port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            assert process.poll() is None, (tmp_path / "run.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "default profile did not start in 300 s"
            try:
                if requests.get(f"{url}/webhooks/rest/", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.5)
        reply = requests.post(f"{url}/webhooks/rest/webhook",
                              json={"sender": "default-1", "message": "你好"}, timeout=60)
        assert reply.status_code == 200 and reply.json()
        with sqlite3.connect(db) as conn:
            stored = conn.execute(
                "SELECT count(*) FROM events WHERE sender_id = 'default-1' AND type_name = 'user'"
            ).fetchone()[0]
        assert stored == 1
        # every server of the profile: no connection to PostgreSQL or Redis, one Rasa process
        tree = psutil.Process(process.pid).children(recursive=True)
        remote_ports = {c.raddr.port for p in tree for c in p.connections(kind="tcp") if c.raddr}
        assert not remote_ports & {5432, 6379, int(env["POSTGRES_PORT"]), int(env["REDIS_PORT"])}
        assert sum("nginx" in p.name() for p in tree) == 0
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
