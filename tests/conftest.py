"""Fixtures shared by every test package."""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Iterator, Optional

import pytest
import requests

from scripts.endpoints import write_endpoints

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "icp.tar.gz"
RASA = str(Path(sys.executable).parent / "rasa")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited during start-up:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up in {timeout}s:\n{log.read_text()[-3000:]}")


class RunningBot:
    """The action server and the Rasa server (all channels of credentials.yml), started
    from the trained model on free ports, conversations in a temporary SQLite file.

    ``env`` adds or overrides environment variables of both servers (channel secrets, limits).
    """

    def __init__(self, tmp: Path, logs: Path, env: Optional[Dict[str, str]] = None) -> None:
        if not MODEL.exists():
            raise RuntimeError(f"{MODEL} is missing: run `make train` first")
        self.rasa_port = free_port()
        self.action_port = free_port()
        self.url = f"http://127.0.0.1:{self.rasa_port}"
        self.page_url = f"{self.url}/web/"
        # Rasa's HTTP API, for tests that inspect or inject tracker events.
        self.api_token = secrets.token_hex(16)
        self.endpoints = write_endpoints(
            tmp / "endpoints.yml",
            action_url=f"http://127.0.0.1:{self.action_port}/webhook",
            tracker_db=str(tmp / "tracker.db"),
        )
        env = {
            **os.environ,
            # the page is opened at this URL; only its origin may open a socket
            "WEB_ALLOWED_ORIGINS": self.url,
            **(env or {}),
        }
        logs.mkdir(parents=True, exist_ok=True)
        self._logs = [logs / "actions.log", logs / "rasa.log"]
        self._processes = []
        actions = subprocess.Popen(
            [RASA, "run", "actions", "--actions", "actions", "--port", str(self.action_port)],
            cwd=ROOT, env=env, stdout=self._logs[0].open("w"), stderr=subprocess.STDOUT,
        )
        self._processes.append(actions)
        try:
            _wait_until_up(f"http://127.0.0.1:{self.action_port}/health", actions, self._logs[0])
            rasa = subprocess.Popen(
                [RASA, "run", "--model", str(MODEL), "--endpoints", str(self.endpoints),
                 "--credentials", "credentials.yml", "--interface", "127.0.0.1",
                 "--port", str(self.rasa_port), "--enable-api", "--auth-token", self.api_token],
                cwd=ROOT, env=env, stdout=self._logs[1].open("w"), stderr=subprocess.STDOUT,
            )
            self._processes.append(rasa)
            _wait_until_up(f"{self.url}/webhooks/webpage/", rasa, self._logs[1])
        except BaseException:
            self.stop()
            raise

    def tracker(self, sender: str) -> dict:
        response = requests.get(
            f"{self.url}/conversations/{sender}/tracker",
            params={"token": self.api_token}, timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def say(self, sender: str, message: str) -> list:
        response = requests.post(
            f"{self.url}/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        for process in reversed(self._processes):
            process.terminate()
        for process in self._processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture(scope="session")
def running_bot(tmp_path_factory) -> Iterator[RunningBot]:
    bot = RunningBot(tmp_path_factory.mktemp("bot"), ROOT / "tests" / "e2e" / "artifacts")
    try:
        yield bot
    finally:
        bot.stop()
