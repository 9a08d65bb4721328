"""A running assistant whose processes the fault tests can stop, replace and restart.

One Rasa start per session costs minutes on this machine, so the hostile-input battery and the
fault tests share one ``HardenedBot`` (the fault tests run last in the module that uses them).
"""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Dict, Iterator, List

import psutil
import pytest
import requests

from scripts.endpoints import write_endpoints
from tests.conftest import MODEL, RASA, ROOT, RunningBot, _wait_until_up, free_port

SECRETS = {
    "ACTION_SERVER_TOKEN": "test-action-secret-0123456789abcdef",
    "SOCKETIO_SESSION_SECRET": "test-session-secret-0123456789abcdef",
    "ACTION_TIMEOUT_SECONDS": "3",
}

# A stand-in action server that answers every call after `delay` seconds (the slow-server case).
SLOW_SERVER = textwrap.dedent(
    """
    import json, sys, time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    delay = float(sys.argv[2])

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self):
            self._answer({"status": "ok"})

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            time.sleep(delay)
            self._answer({"events": [], "responses": []})

        def _answer(self, body):
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                self.wfile.write(data)
            except BrokenPipeError:
                pass

        def log_message(self, *args):
            pass

    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Slow).serve_forever()
    """
)


class HardenedBot(RunningBot):
    """RunningBot with the channel secrets set, and handles on its two processes."""

    def __init__(self, tmp: Path, logs: Path) -> None:
        # RunningBot's start-up, with a longer wait: loading the model took 4 minutes on this
        # machine under load, more than RunningBot's 180 s.
        if not MODEL.exists():
            raise RuntimeError(f"{MODEL} is missing: run `make train` first")
        self.rasa_port = free_port()
        self.action_port = free_port()
        self.url = f"http://127.0.0.1:{self.rasa_port}"
        self.page_url = f"{self.url}/web/"
        self.api_token = secrets.token_hex(16)
        self.endpoints = write_endpoints(
            tmp / "endpoints.yml",
            action_url=f"http://127.0.0.1:{self.action_port}/webhook",
            tracker_db=str(tmp / "tracker.db"),
        )
        self._env: Dict[str, str] = {**os.environ, **SECRETS, "WEB_ALLOWED_ORIGINS": self.url}
        self._logdir = logs
        logs.mkdir(parents=True, exist_ok=True)
        for name in ("actions.log", "rasa.log"):
            (logs / name).write_text("")
        self._processes = [None, None]
        try:
            self.start_actions()
            self.restart_rasa()
        except BaseException:
            self.stop()
            raise

    @property
    def actions(self) -> subprocess.Popen:
        return self._processes[0]

    @property
    def rasa(self) -> subprocess.Popen:
        return self._processes[1]

    def rasa_log(self) -> str:
        return (self._logdir / "rasa.log").read_text(errors="replace")

    def events(self, sender: str) -> dict:
        """The tracker with every event (restarts included), unlike ``tracker``."""
        response = requests.get(
            f"{self.url}/conversations/{sender}/tracker",
            params={"token": self.api_token, "include_events": "ALL"}, timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def rss_mb(self) -> float:
        return psutil.Process(self.rasa.pid).memory_info().rss / 2**20

    def post(self, body, headers=None, timeout=30) -> requests.Response:
        data = body if isinstance(body, (bytes, str)) else __import__("json").dumps(body)
        return requests.post(
            f"{self.url}/webhooks/rest/webhook", data=data, timeout=timeout,
            headers={"Content-Type": "application/json", **(headers or {})},
        )

    def _replace(self, index: int, command: List[str], log: str, health: str) -> None:
        old = self._processes[index]
        if old is not None and old.poll() is None:
            old.terminate()
            try:
                old.wait(timeout=30)
            except subprocess.TimeoutExpired:
                old.kill()
                old.wait(timeout=10)
        path = self._logdir / log
        process = subprocess.Popen(
            command, cwd=ROOT, env=self._env, stdout=path.open("a"), stderr=subprocess.STDOUT
        )
        self._processes[index] = process
        _wait_until_up(health, process, path, timeout=600)

    def stop(self) -> None:
        self._processes = [p for p in self._processes if p is not None]
        super().stop()

    def kill_actions(self) -> None:
        self.actions.kill()
        self.actions.wait(timeout=10)

    def start_actions(self) -> None:
        self._replace(
            0, [sys.executable, "-m", "action_server", "--port", str(self.action_port)],
            "actions.log", f"http://127.0.0.1:{self.action_port}/health",
        )

    def start_slow_actions(self, delay: float) -> None:
        self._replace(
            0, [sys.executable, "-c", SLOW_SERVER, str(self.action_port), str(delay)],
            "actions.log", f"http://127.0.0.1:{self.action_port}/health",
        )

    def restart_rasa(self) -> None:
        self._replace(
            1,
            [RASA, "run", "--model", str(MODEL), "--endpoints", str(self.endpoints),
             "--credentials", "credentials.yml", "--interface", "127.0.0.1",
             "--port", str(self.rasa_port), "--enable-api", "--auth-token", self.api_token],
            "rasa.log", f"{self.url}/webhooks/webpage/",
        )


@pytest.fixture(scope="session")
def hardened_bot(tmp_path_factory) -> Iterator[HardenedBot]:
    bot = HardenedBot(tmp_path_factory.mktemp("hardened"), ROOT / "tests" / "e2e" / "artifacts" / "hardening")
    try:
        yield bot
    finally:
        bot.stop()


def user_turns(tracker: dict) -> List[dict]:
    """Each user event of a tracker with the bot messages that followed it."""
    turns: List[dict] = []
    for event in tracker["events"]:
        if event["event"] == "user":
            turns.append({"text": event.get("text"), "bot": []})
        elif event["event"] == "bot" and turns:
            turns[-1]["bot"].append(event.get("text"))
    return turns


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
