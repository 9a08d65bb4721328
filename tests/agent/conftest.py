"""The assistant with the agent API on: one action server + Rasa server from the trained model.

``agent_bot`` is ``tests.conftest.RunningBot`` with the agent token set, the handoff time-out
checked every second and a contact route configured (its value is a test fixture, not a fact).
Its logs go to tests/e2e/artifacts/agent/.

To rerun the tests against servers already running with those settings (starting the model takes
minutes on a busy machine): ``AGENT_BOT_URL=http://127.0.0.1:PORT AGENT_BOT_TOKEN=<agent token>
AGENT_BOT_API_TOKEN=<Rasa --auth-token>`` (their HANDOFF_* values must be the ones below).
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from typing import Any, Dict, Iterator, Optional

import pytest
import requests

from tests.conftest import ROOT, RunningBot
from tests.e2e.conftest import browser_context, device  # noqa: F401 (fixtures)

CONTACT = "support@example.com"
WAIT_MINUTES = 10


class RunningElsewhere:
    """The part of RunningBot the tests use, for servers started outside the tests."""

    def __init__(self, url: str, api_token: str) -> None:
        self.url, self.api_token = url.rstrip("/"), api_token

    tracker = RunningBot.tracker
    say = RunningBot.say


@dataclass
class AgentBot:
    bot: Any  # RunningBot or RunningElsewhere
    token: str

    @property
    def url(self) -> str:
        return self.bot.url

    def api(self, method: str, path: str, token: Optional[str] = "", **kwargs: Any) -> requests.Response:
        """A request to /agent/<path> with the agent token (``token=None``: no header)."""
        headers = dict(kwargs.pop("headers", {}) or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token or self.token}"
        return requests.request(method, f"{self.url}/agent/{path}", headers=headers, timeout=30, **kwargs)

    def suggest(self, text: str, **extra: Any) -> Dict[str, Any]:
        response = self.api("POST", "suggest", json={"text": text, **extra})
        assert response.status_code == 200, response.text
        return response.json()

    def say(self, sender: str, text: str) -> list:
        return self.bot.say(sender, text)

    def tracker(self, sender: str) -> dict:
        return self.bot.tracker(sender)

    def set_slot(self, sender: str, slot: str, value: Any) -> None:
        """Through Rasa's HTTP API, as an operator would (used to let time pass)."""
        response = requests.post(
            f"{self.url}/conversations/{sender}/tracker/events",
            params={"token": self.bot.api_token},
            json=[{"event": "slot", "name": slot, "value": value}], timeout=30,
        )
        response.raise_for_status()


@pytest.fixture(scope="session")
def agent_bot(tmp_path_factory) -> Iterator[AgentBot]:
    if os.environ.get("AGENT_BOT_URL"):
        yield AgentBot(RunningElsewhere(os.environ["AGENT_BOT_URL"], os.environ["AGENT_BOT_API_TOKEN"]),
                       os.environ["AGENT_BOT_TOKEN"])
        return
    token = secrets.token_urlsafe(24)
    bot = RunningBot(
        tmp_path_factory.mktemp("agent-bot"),
        ROOT / "tests" / "e2e" / "artifacts" / "agent",
        env={
            "AGENT_TOKEN": token,
            "HANDOFF_SWEEP_SECONDS": "1",
            "HANDOFF_WAIT_MINUTES": str(WAIT_MINUTES),
            "HANDOFF_CONTACT": CONTACT,
            "HANDOFF_SERVICE_HOURS": "",
        },
    )
    try:
        yield AgentBot(bot, token)
    finally:
        bot.stop()
