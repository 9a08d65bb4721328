"""channels.socketio.OriginCheckedSocketIOInput: origin check and session persistence.

The python-socketio client is used with the polling transport only: python-engineio 4.15's
asyncio WebSocket client needs a newer aiohttp than the 3.9 that Rasa 3.6 pins. The WebSocket
upgrade itself is checked with aiohttp's ws_connect (and in the browser by tests/e2e).
"""

import asyncio
import contextlib
import uuid

import aiohttp
import pytest
import socketio

from tests.socketio_client import WidgetClient
from channels.socketio import (
    ALLOWED_ORIGINS_ENV,
    DEFAULT_ALLOWED_ORIGINS,
    InvalidOriginConfiguration,
    OriginCheckedSocketIOInput,
    allowed_origins_from,
    normalise_origin,
)

EVIL = "http://evil.example"


# --- configuration -------------------------------------------------------------------------------


def test_default_origins():
    assert allowed_origins_from(None, environ={}) == list(DEFAULT_ALLOWED_ORIGINS)


def test_credentials_list_and_string():
    assert allowed_origins_from(["https://a.example", "https://b.example/"], environ={}) == [
        "https://a.example",
        "https://b.example",
    ]
    assert allowed_origins_from("https://a.example, http://b.example:8080", environ={}) == [
        "https://a.example",
        "http://b.example:8080",
    ]


def test_env_overrides_credentials():
    env = {ALLOWED_ORIGINS_ENV: "https://support.example.com,https://support.example.com"}
    assert allowed_origins_from(["http://localhost:5005"], environ=env) == [
        "https://support.example.com"
    ]
    # an empty variable counts as unset
    assert allowed_origins_from(["http://x.example"], environ={ALLOWED_ORIGINS_ENV: " "}) == [
        "http://x.example"
    ]


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("HTTP://LocalHost:5005/", "http://localhost:5005"),
        ("https://example.com:443", "https://example.com"),
        ("http://example.com:80", "http://example.com"),
        ("http://[::1]:5005", "http://[::1]:5005"),
    ],
)
def test_normalise_origin(raw, expected):
    assert normalise_origin(raw) == expected


@pytest.mark.parametrize(
    "bad", [["*"], [], "", "ftp://x.example", "example.com", "http://x.example/path", "http://"]
)
def test_unsafe_or_malformed_origins_are_refused(bad):
    with pytest.raises(InvalidOriginConfiguration):
        allowed_origins_from(bad, environ={})


def test_from_credentials(monkeypatch):
    monkeypatch.delenv(ALLOWED_ORIGINS_ENV, raising=False)
    channel = OriginCheckedSocketIOInput.from_credentials(
        {"session_persistence": True, "cors_allowed_origins": ["http://127.0.0.1:5005"]}
    )
    assert channel.name() == "socketio"
    assert channel.session_persistence is True
    assert channel.metadata_key == "customData"  # what rasa-webchat sends
    assert channel.cors_allowed_origins == ["http://127.0.0.1:5005"]
    monkeypatch.setenv(ALLOWED_ORIGINS_ENV, "https://support.example.com")
    assert OriginCheckedSocketIOInput.from_credentials({}).cors_allowed_origins == [
        "https://support.example.com"
    ]


# --- against a running server --------------------------------------------------------------------


async def handshake_status(session: aiohttp.ClientSession, base: str, origin=None) -> int:
    headers = {"Origin": origin} if origin else {}
    async with session.get(
        f"{base}/socket.io/", params={"EIO": "4", "transport": "polling"}, headers=headers
    ) as r:
        await r.read()
        return r.status


@pytest.mark.asyncio
async def test_origin_check_polling_and_websocket(serve):
    async with serve_own_origin(serve) as (base, _app, _agent):
        async with aiohttp.ClientSession() as session:
            assert await handshake_status(session, base, origin=base) == 200
            assert await handshake_status(session, base) == 200  # no Origin: not a browser
            assert await handshake_status(session, base, origin=EVIL) == 400
            # the same host under another name is another origin
            other = base.replace("127.0.0.1", "localhost")
            assert await handshake_status(session, base, origin=other) == 400

            ws_url = f"{base.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket"
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session.ws_connect(ws_url, headers={"Origin": EVIL})
            assert refused.value.status == 400
            async with session.ws_connect(ws_url, headers={"Origin": base}) as ws:
                opening = await ws.receive_str(timeout=5)
                assert opening.startswith("0{")  # engine.io v4 "open" packet


@contextlib.asynccontextmanager
async def serve_own_origin(serve):
    """``serve`` with a channel that allows exactly the server's own origin (as
    WEB_ALLOWED_ORIGINS does in a deployment); the port is only known once the server is bound."""
    channel = OriginCheckedSocketIOInput(
        session_persistence=True,
        cors_allowed_origins=["http://placeholder.invalid"],
        metadata_key="customData",
    )
    async with serve([channel]) as (base, app):
        app.ctx.socketio_channel = channel
        channel.cors_allowed_origins = [base]
        channel.sio.eio.cors_allowed_origins = [base]
        # short polls: a polling client waits up to ping_timeout (20 s by default) to disconnect
        channel.sio.eio.ping_interval = 1
        channel.sio.eio.ping_timeout = 2
        yield base, app, app.ctx.agent


@pytest.mark.asyncio
async def test_socketio_client_from_foreign_origin_cannot_connect(serve):
    async with serve_own_origin(serve) as (base, _app, _agent):
        client = socketio.AsyncClient(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect(base, headers={"Origin": EVIL}, transports=["polling"])
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(base, headers={"Origin": base}, transports=["polling"])
        assert client.connected
        await client.disconnect()


@pytest.mark.asyncio
async def test_session_persistence_delivers_bot_messages_to_the_session(serve):
    async with serve_own_origin(serve) as (base, _app, agent):
        async with WidgetClient(base) as widget:
            token = await widget.request_session(None)
            reply = await widget.say("hello", customData={"language": "zh"})
            assert reply == {"text": "echo: hello"}
            message = agent.messages[-1]
            conversation = token.split(".")[0]
            assert message.sender_id == conversation  # the token itself is not the sender id
            assert message.metadata == {"language": "zh"}
            assert message.input_channel == "socketio"

        # a second connection (page reload) with the same token joins the same conversation
        async with WidgetClient(base) as widget:
            assert await widget.request_session(token) == token
            assert await widget.say("again") == {"text": "echo: again"}
            assert agent.messages[-1].sender_id == conversation


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "requested",
    ["../../etc <x>", uuid.uuid4().hex, "w" + "0" * 32 + ".9999999999." + "A" * 43, 42, None],
)
async def test_a_session_id_the_server_did_not_sign_gets_a_new_one(serve, requested):
    async with serve_own_origin(serve) as (base, _app, _agent):
        async with WidgetClient(base) as widget:
            token = await widget.request_session(requested)
            assert token != requested
            conversation, expiry, signature = token.split(".")
            assert len(conversation) == 33 and int(expiry) > 0 and len(signature) == 43


@pytest.mark.asyncio
async def test_an_expired_session_id_gets_a_new_one(serve):
    async with serve_own_origin(serve) as (base, _app, _agent):
        channel_signer = _app.ctx.socketio_channel.signer
        real_clock = channel_signer.clock
        channel_signer.clock = lambda: real_clock() - 48 * 3600  # issued two days ago
        old = channel_signer.issue()
        channel_signer.clock = real_clock
        async with WidgetClient(base) as widget:
            assert await widget.request_session(old) != old


@pytest.mark.asyncio
async def test_another_users_session_can_be_neither_joined_nor_written_to(serve):
    async with serve_own_origin(serve) as (base, _app, agent):
        async with WidgetClient(base) as alice, WidgetClient(base) as mallory:
            alice_token = await alice.request_session()
            await mallory.request_session()
            # a forged or copied id without session_request: not accepted
            await mallory.send("hijack", session_id=alice_token)
            # guessing the conversation id (the room name) gets nothing either
            await mallory.send("hijack", session_id=alice_token.split(".")[0])
            await asyncio.sleep(0.5)
            assert agent.messages == []
            assert await alice.say("mine") == {"text": "echo: mine"}
            await asyncio.sleep(0.5)
            got = [mallory.bot.get_nowait() for _ in range(mallory.bot.qsize())]
            # mallory is told her session is not valid, and never sees alice's conversation
            assert len(got) == 2 and all("expired or is not yours" in m["text"] for m in got)


@pytest.mark.asyncio
async def test_the_outbound_deliverer_pushes_to_the_conversation(serve):
    from channels import outbound

    async with serve_own_origin(serve) as (base, _app, _agent):
        async with WidgetClient(base) as widget:
            token = await widget.request_session()
            conversation = token.split(".")[0]
            assert await outbound.deliver(
                "socketio", conversation,
                {"text": "An agent here", "buttons": [{"title": "OK", "payload": "/affirm"}]},
            )
            got = await asyncio.wait_for(widget.bot.get(), 5)
            assert got["text"] == "An agent here"
            assert got["quick_replies"][0]["payload"] == "/affirm"
        assert not await outbound.deliver("socketio", "w" + "1" * 32, {"text": "nobody there"})


@pytest.mark.asyncio
async def test_limits_apply_to_socketio_messages(serve):
    async with serve_own_origin(serve) as (base, app, agent):
        assert app.config.REQUEST_MAX_SIZE == 65536
        async with WidgetClient(base) as widget:
            await widget.request_session()
            assert "shorten" in (await widget.say("x" * 2001))["text"]
            assert "could not read" in (await widget.say("hi \udc00"))["text"]
            deep = {}
            for _ in range(10):
                deep = {"a": deep}
            assert "could not read" in (await widget.say("hi", customData=deep))["text"]
            assert agent.messages == []

            assert (await widget.say('hi\u202e/inform{"x":1}\x00')) == {"text": 'echo: hi/inform{"x":1}'}
            assert (await widget.say('/inform{"domain":"<img src=x>"}')) == {"text": "echo: /inform"}
            assert [m.text for m in agent.messages] == ['hi/inform{"x":1}', "/inform"]
