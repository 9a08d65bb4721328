"""Fixtures for the channel tests: a real Sanic server on a free port, configured the Rasa way
(``rasa.core.run.configure_app([channels...])``), talked to with aiohttp / python-socketio
(both are Rasa dependencies, so nothing extra is installed for these tests)."""

import contextlib
import socket
from typing import Any, AsyncIterator, Callable, List, Optional

import pytest


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeAgent:
    """Stands in for ``app.ctx.agent``: records user messages and echoes them back."""

    def __init__(self) -> None:
        self.messages: List[Any] = []

    async def handle_message(self, message: Any) -> None:
        self.messages.append(message)
        await message.output_channel.send_text_message(
            message.sender_id, f"echo: {message.text}"
        )


@pytest.fixture
def sanic_test_mode() -> None:
    from sanic import Sanic

    previous = Sanic.test_mode
    Sanic.test_mode = True  # configure_app names every app the same; allow that in tests
    yield
    Sanic.test_mode = previous


@pytest.fixture
def serve(sanic_test_mode: None) -> Callable:
    """``async with serve([channels]) as (base_url, app):`` runs the channels on a free port."""

    @contextlib.asynccontextmanager
    async def _serve(input_channels: List[Any], agent: Optional[FakeAgent] = None) -> AsyncIterator:
        import rasa.core.run

        port = free_port()
        app = rasa.core.run.configure_app(
            input_channels, port=port, enable_api=False
        )
        app.ctx.agent = agent or FakeAgent()
        server = await app.create_server(
            host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
        )
        await server.startup()
        await server.before_start()  # also starts listening
        await server.after_start()
        try:
            yield f"http://127.0.0.1:{port}", app
        finally:
            await server.before_stop()
            closing = server.close()
            if closing is not None:
                await closing
            await server.after_stop()

    return _serve
