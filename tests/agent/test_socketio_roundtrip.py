"""The whole handoff as the chat widget lives it, over socket.io (python-socketio's client, the
protocol rasa-webchat speaks): ask for a human, show up in the agent queue, receive the agent's
reply pushed to the socket, stay unanswered by the bot meanwhile, get the release message, and
have the bot answer again."""
from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone
from typing import List

import pytest
import requests
import socketio

from tests.agent.conftest import CONTACT, WAIT_MINUTES

pytestmark = [pytest.mark.model]

TIMEOUT = 30


class Widget:
    def __init__(self, url: str) -> None:
        self.url = url
        self.client = socketio.AsyncClient(reconnection=False)
        self.received: asyncio.Queue = asyncio.Queue()
        self.session_id: str = ""
        confirmed: asyncio.Future = asyncio.get_event_loop().create_future()

        @self.client.on("bot_uttered")
        async def on_bot(data) -> None:
            await self.received.put(data)

        @self.client.on("session_confirm")
        async def on_confirm(data) -> None:
            if not confirmed.done():
                confirmed.set_result(data["session_id"] if isinstance(data, dict) else data)

        self._confirmed = confirmed

    async def open(self) -> "Widget":
        # long-polling: engineio's websocket client needs a newer aiohttp than Rasa's 3.9
        await self.client.connect(self.url, socketio_path="/socket.io", transports=["polling"])
        await self.client.emit("session_request", {"session_id": None})
        self.session_id = await asyncio.wait_for(self._confirmed, TIMEOUT)
        return self

    async def say(self, text: str) -> None:
        await self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})

    async def next_texts(self, wait: float = TIMEOUT, settle: float = 1.5) -> List[str]:
        """The bot messages of one turn: the first within ``wait``, the rest within ``settle``."""
        first = await asyncio.wait_for(self.received.get(), wait)
        texts = [first.get("text", "")]
        while True:
            try:
                texts.append((await asyncio.wait_for(self.received.get(), settle)).get("text", ""))
            except asyncio.TimeoutError:
                return texts

    async def close(self) -> None:
        await self.client.disconnect()


async def ask_for_a_human(widget: Widget, agent_bot) -> str:
    """The user asks for a human; returns the sender id under which the agent queue lists them.
    The channel files the conversation under an id other than the session token the widget
    keeps: the agent finds it in the queue by what the user wrote."""
    marker = f"order {uuid.uuid4().hex[:12]}"
    await widget.say(marker)
    await widget.next_texts()
    await widget.say("talk to a human")
    assert any("human agent" in t for t in await widget.next_texts())
    queue = agent_bot.api("GET", "conversations?status=waiting").json()["conversations"]
    (entry,) = [c for c in queue if marker in c["last_user_messages"]]
    assert entry["channel"] == "socketio"
    return entry["sender_id"]


async def test_handoff_round_trip_over_socketio(agent_bot):
    widget = await Widget(agent_bot.url).open()
    try:
        sender_id = await ask_for_a_human(widget, agent_bot)

        sent = agent_bot.api("POST", f"conversations/{sender_id}/messages",
                             json={"text": "Hello, I'm an agent. What's your domain?"})
        assert sent.status_code == 200 and sent.json()["delivered"] is True, sent.text
        assert await widget.next_texts() == ["Hello, I'm an agent. What's your domain?"]

        # the user answers the agent; the bot stays silent
        await widget.say("how long does deregistration take?")
        with pytest.raises(asyncio.TimeoutError):
            await widget.next_texts(wait=4)
        convo = agent_bot.api("GET", f"conversations/{sender_id}").json()
        assert convo["messages"][-1] == {**convo["messages"][-1], "from": "user",
                                         "text": "how long does deregistration take?"}

        released = agent_bot.api("POST", f"conversations/{sender_id}/release")
        assert released.json()["delivered"] is True
        assert any("handed this chat back" in t for t in await widget.next_texts())

        await widget.say("how long does deregistration take?")
        assert any("3 to 20 business days" in t for t in await widget.next_texts())
    finally:
        await widget.close()


async def test_a_handoff_that_times_out_is_pushed_to_the_widget(agent_bot):
    """Nobody answers within the configured wait: the widget is told and given the contact route
    without having to write again (the sweeper pushes it)."""
    widget = await Widget(agent_bot.url).open()
    try:
        sender_id = await ask_for_a_human(widget, agent_bot)
        # let the configured wait pass: the request is dated back beyond it
        agent_bot.set_slot(sender_id, "handoff_requested_at",
                           (datetime.now(timezone.utc) - timedelta(minutes=WAIT_MINUTES + 1))
                           .isoformat(timespec="seconds"))
        texts = await widget.next_texts(wait=20)
        assert any(CONTACT in t and f"{WAIT_MINUTES} minutes" in t for t in texts), texts
    finally:
        await widget.close()
