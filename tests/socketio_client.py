"""A socket.io client that behaves like the chat widget: ``session_request`` with the stored id,
keeps the token ``session_confirm`` returns and sends it with every message (python-socketio's
client, long-polling: engineio's websocket client needs a newer aiohttp than Rasa's)."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

import socketio


class WidgetClient:
    def __init__(self, base: str) -> None:
        self.base = base
        self.client = socketio.AsyncClient(reconnection=False)
        self.confirmed: asyncio.Queue = asyncio.Queue()
        self.bot: asyncio.Queue = asyncio.Queue()
        self.client.on("session_confirm", lambda sid: self.confirmed.put_nowait(sid))
        self.client.on("bot_uttered", lambda data: self.bot.put_nowait(data))
        self.session_id: Optional[str] = None

    async def __aenter__(self) -> "WidgetClient":
        await self.client.connect(self.base, headers={"Origin": self.base}, transports=["polling"])
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.client.disconnect()

    async def request_session(self, session_id: Optional[str] = None, timeout: float = 10) -> str:
        await self.client.emit("session_request", {"session_id": session_id})
        self.session_id = await asyncio.wait_for(self.confirmed.get(), timeout)
        return self.session_id

    async def send(self, message: str, session_id: Optional[str] = None, **extra: Any) -> None:
        await self.client.emit(
            "user_uttered", {"message": message, "session_id": session_id or self.session_id, **extra}
        )

    async def say(self, message: str, **extra: Any) -> Dict[str, Any]:
        """The first bot message answering ``message``."""
        await self.send(message, **extra)
        return await asyncio.wait_for(self.bot.get(), 5)

    async def turn(self, message: str, session_id: Optional[str] = None, **extra: Any) -> List[Dict[str, Any]]:
        """All bot messages answering ``message``: the first within 60 s, then any that follow
        within 1 s (earlier, unread messages are dropped first)."""
        while not self.bot.empty():
            self.bot.get_nowait()
        await self.send(message, session_id, **extra)
        replies = [await asyncio.wait_for(self.bot.get(), 60)]
        while True:
            try:
                replies.append(await asyncio.wait_for(self.bot.get(), 1.0))
            except asyncio.TimeoutError:
                return replies
