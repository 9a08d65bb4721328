"""channels.rest.CheckedRestInput: Rasa's REST channel, with a 400 for a body it would lose."""
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
