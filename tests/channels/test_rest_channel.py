"""channels.rest.CheckedRestInput: Rasa's REST channel, with a 400 for a body it would lose."""
import asyncio
import json

import aiohttp
import pytest

from channels.rest import CheckedRestInput
from tests.channels.conftest import FakeAgent

WEBHOOK = "/webhooks/rest/webhook"


async def post(base_url, body, content_type="application/json"):
    data = body if isinstance(body, str) else json.dumps(body)
    async with aiohttp.ClientSession() as session:
        async with session.post(base_url + WEBHOOK, data=data, headers={"Content-Type": content_type}) as response:
            return response.status, await response.json(content_type=None)


async def test_a_message_is_answered(serve):
    agent = FakeAgent()
    async with serve([CheckedRestInput()], agent) as (base_url, _):
        status, body = await post(base_url, {"sender": "u1", "message": "你好", "metadata": {"page": "/help"}})
    assert status == 200
    assert body == [{"recipient_id": "u1", "text": "echo: 你好"}]
    assert [(m.sender_id, m.text, m.metadata) for m in agent.messages] == [("u1", "你好", {"page": "/help"})]


async def test_an_empty_message_still_reaches_the_bot(serve):
    # the bot answers it (asks to rephrase); nothing is refused that a user could have typed
    agent = FakeAgent()
    async with serve([CheckedRestInput()], agent) as (base_url, _):
        status, _ = await post(base_url, {"sender": "u1", "message": ""})
    assert status == 200
    assert [m.text for m in agent.messages] == [""]


@pytest.mark.parametrize(
    "body, reason",
    [
        ({"sender": "u1"}, '"message" must be a string'),
        ({"sender": "u1", "message": 42}, '"message" must be a string'),
        ({"sender": "u1", "message": None}, '"message" must be a string'),
        ({"message": "hello"}, '"sender" must be a non-empty string'),
        ({"sender": "  ", "message": "hello"}, '"sender" must be a non-empty string'),
        ({"sender": 7, "message": "hello"}, '"sender" must be a non-empty string'),
        ([{"sender": "u1", "message": "hello"}], "must be a JSON object"),
        ("null", "must be a JSON object"),
        ({"sender": "u1", "message": "hi", "metadata": "x"}, '"metadata", when given, must be a JSON object'),
    ],
)
async def test_a_body_it_cannot_take_is_a_400_that_says_why(serve, body, reason):
    agent = FakeAgent()
    async with serve([CheckedRestInput()], agent) as (base_url, _):
        status, answer = await post(base_url, body)
    assert status == 400
    assert reason in answer["message"]
    assert agent.messages == []


async def test_invalid_json_is_a_400(serve):
    agent = FakeAgent()
    async with serve([CheckedRestInput()], agent) as (base_url, _):
        status, _ = await post(base_url, "not json")
    assert status == 400
    assert agent.messages == []


async def test_health_route(serve):
    async with serve([CheckedRestInput()]) as (base_url, _):
        async with aiohttp.ClientSession() as session:
            async with session.get(base_url + "/webhooks/rest/") as response:
                assert response.status == 200
                assert await response.json() == {"status": "ok"}


# --- channels.limits applied ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, status, reason",
    [
        ({"sender": "x\udc00", "message": "hi"}, 400, "not valid Unicode"),
        ({"sender": "u1", "message": "hi \udc00"}, 400, "not valid Unicode"),
        ({"sender": "../x", "message": "hi"}, 400, "sender id may only hold"),
        ({"sender": "x\r\ny", "message": "hi"}, 400, "sender id may only hold"),
        ({"sender": "a" * 100_000, "message": "hi"}, 413, ""),  # the whole body is over the limit
        ({"sender": "a" * 200, "message": "hi"}, 400, "longer than 128"),
        ({"sender": "u1", "message": "hi", "metadata": {"a": {"b": {"c": {"d": {}}}}}}, 400, "nested"),
        ({"sender": "u1", "message": "hi", "metadata": {"a": "x" * 5000}}, 413, "larger than"),
        ({"sender": "u1", "message": "hi", "metadata": {"a": "\ud800"}}, 400, "not valid Unicode"),
    ],
)
async def test_limits_refuse_before_rasa(serve, body, status, reason):
    agent = FakeAgent()
    async with serve([CheckedRestInput()], agent) as (base_url, _):
        got_status, answer = await post(base_url, body)
    assert got_status == status
    if reason:
        assert reason in answer["message"]
    assert agent.messages == []


async def test_a_body_over_the_request_limit_is_refused_by_its_length(serve):
    """A 10 MB body is refused from its Content-Length header, before the body is read: the
    client here sends the headers only and still gets its 413."""
    agent = FakeAgent()
    async with serve([CheckedRestInput()], agent) as (base_url, app):
        assert app.config.REQUEST_MAX_SIZE == 65536
        host, port = base_url.rsplit("/", 1)[-1].split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(
            f"POST {WEBHOOK} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: 10000000\r\n\r\n".encode()
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 5)
        writer.close()
    assert status_line.split()[1] == b"413"
    assert agent.messages == []


async def test_a_too_long_message_gets_the_polite_reply_without_reaching_rasa(serve):
    agent = FakeAgent()
    async with serve([CheckedRestInput()], agent) as (base_url, _):
        status, answer = await post(base_url, {"sender": "u1", "message": "长" * 2001})
    assert status == 200
    assert len(answer) == 1 and answer[0]["recipient_id"] == "u1"
    assert "shorten" in answer[0]["text"] and "2000" in answer[0]["text"]
    assert agent.messages == []


async def test_text_is_cleaned_and_shortcut_values_checked(serve):
    agent = FakeAgent()
    async with serve([CheckedRestInput()], agent) as (base_url, _):
        await post(base_url, {"sender": "u1", "message": "hi\x00\u202e there"})
        await post(base_url, {"sender": "u1", "message": '/inform{"domain":"<img src=x>","province":"jiangsu"}'})
    assert [m.text for m in agent.messages] == ["hi there", '/inform{"province":"jiangsu"}']


async def test_the_client_cannot_choose_the_input_channel(serve):
    agent = FakeAgent()
    async with serve([CheckedRestInput()], agent) as (base_url, _):
        await post(base_url, {"sender": "u1", "message": "hi", "input_channel": "socketio"})
    assert agent.messages[0].input_channel == "rest"
