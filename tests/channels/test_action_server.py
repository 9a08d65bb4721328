"""action_server: rasa-sdk's action server on loopback, behind the shared secret, without
request bodies in its errors."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
import requests

from tests.conftest import _wait_until_up, free_port

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "unit-test-action-secret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("actions") / "actions.log"
    env = {k: v for k, v in __import__("os").environ.items() if k not in ("ACTION_HOST",)}
    env["ACTION_SERVER_TOKEN"] = TOKEN
    process = subprocess.Popen(
        [sys.executable, "-m", "action_server", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/health", process, log)
        yield f"http://127.0.0.1:{port}", process, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def call(action, tracker=None, headers=AUTH):
    body = {"next_action": action, "sender_id": "u1", "version": "3.6.21",
            "tracker": tracker if tracker is not None else {"sender_id": "u1", "slots": {}, "events": [], "latest_message": {}},
            "domain": {}}
    return body, headers


def test_listens_on_loopback_only(server):
    _, process, _ = server
    addresses = {c.laddr.ip for c in psutil.Process(process.pid).connections(kind="inet") if c.status == "LISTEN"}
    assert addresses == {"127.0.0.1"}


def test_health_is_open(server):
    base, _, _ = server
    assert requests.get(f"{base}/health", timeout=10).json() == {"status": "ok"}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": TOKEN}])
def test_webhook_and_action_list_need_the_token(server, headers):
    base, _, _ = server
    body, _ = call("action_handoff")
    assert requests.post(f"{base}/webhook", json=body, headers=headers, timeout=10).status_code == 401
    assert requests.get(f"{base}/actions", headers=headers, timeout=10).status_code == 401


def test_with_the_token_actions_run(server):
    base, _, _ = server
    names = [a["name"] for a in requests.get(f"{base}/actions", headers=AUTH, timeout=10).json()]
    assert "action_handoff" in names
    body, headers = call("action_handoff")
    answer = requests.post(f"{base}/webhook", json=body, headers=headers, timeout=30)
    assert answer.status_code == 200 and answer.json()["events"]


def test_errors_do_not_echo_the_request(server):
    base, _, log = server
    body, headers = call("action_bureau_link", tracker="SECRET-CONVERSATION-CONTENT")
    answer = requests.post(f"{base}/webhook", json=body, headers=headers, timeout=30)
    assert answer.status_code == 500
    assert answer.json() == {"error": "internal error"}
    assert "SECRET-CONVERSATION-CONTENT" not in log.read_text()
