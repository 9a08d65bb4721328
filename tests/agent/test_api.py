"""The agent API's gate and its answers to bad requests, through the real server."""
from __future__ import annotations

import pytest
import requests

from channels.agent import AgentInput
from tests.channels.conftest import sanic_test_mode, serve  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.model]

ROUTES = [
    ("POST", "suggest", {"text": "备案要多久"}),
    ("GET", "conversations?status=waiting", None),
    ("GET", "conversations/someone", None),
    ("POST", "conversations/someone/messages", {"text": "hello"}),
    ("POST", "conversations/someone/release", {}),
]


@pytest.mark.parametrize("method, path, body", ROUTES, ids=[r[1] for r in ROUTES])
@pytest.mark.parametrize(
    "headers, status",
    [
        ({}, 401),
        ({"Authorization": "Bearer"}, 401),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 401),
        ({"Authorization": "Bearer not-the-token"}, 403),
        ({"Authorization": "Bearer \u00e9\u00e9"}, 403),
    ],
    ids=["no header", "empty bearer", "basic", "wrong token", "non-ascii token"],
)
def test_every_route_wants_the_token(agent_bot, method, path, body, headers, status):
    response = agent_bot.api(method, path, token=None, headers=headers, json=body)
    assert response.status_code == status
    assert "error" in response.json()
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_health_route_says_the_api_is_on(agent_bot):
    assert requests.get(f"{agent_bot.url}/webhooks/agent/", timeout=10).json() == {"status": "ok", "api": "on"}


@pytest.mark.parametrize(
    "path, kwargs, status",
    [
        ("suggest", {"data": "{not json"}, 400),
        ("suggest", {"json": ["text"]}, 400),
        ("suggest", {"json": {}}, 400),
        ("suggest", {"json": {"text": 42}}, 400),
        ("suggest", {"json": {"text": "   "}}, 400),
        ("suggest", {"json": {"text": "ok", "sender_id": 7}}, 400),
        ("suggest", {"json": {"text": "ok", "sender_id": "nobody-here"}}, 404),
        ("suggest", {"json": {"text": "x" * 5000}}, 413),
        ("suggest", {"data": '{"text": "bad \\udc00 surrogate"}'}, 400),
        ("conversations/nobody-here/messages", {"json": {"text": "hi"}}, 404),
        ("conversations/nobody-here/messages", {"json": {"text": ""}}, 400),
        ("conversations/nobody-here/messages", {"json": {"text": "hi", "agent": ["x"]}}, 400),
        ("conversations/nobody-here/release", {"json": {}}, 404),
        ("conversations/bad%20id/messages", {"json": {"text": "hi"}}, 400),
    ],
)
def test_bad_requests_get_a_4xx_with_the_reason(agent_bot, path, kwargs, status):
    if "data" in kwargs:
        kwargs["headers"] = {"Content-Type": "application/json"}
    response = agent_bot.api("POST", path, **kwargs)
    assert response.status_code == status, response.text
    assert response.json()["error"]


def test_unknown_conversation_and_bad_status(agent_bot):
    assert agent_bot.api("GET", "conversations/nobody-here").status_code == 404
    assert agent_bot.api("GET", "conversations?status=everything").status_code == 400


def test_releasing_a_conversation_nobody_handed_off_is_a_conflict(agent_bot):
    agent_bot.say("never-handed-off", "hello")
    assert agent_bot.api("POST", "conversations/never-handed-off/release").status_code == 409


async def test_without_a_token_the_api_is_off_and_says_so(serve):
    async with serve([AgentInput(token=None)]) as (url, _app):
        import aiohttp

        async with aiohttp.ClientSession() as session:
            async with session.post(f"{url}/agent/suggest", json={"text": "hi"},
                                    headers={"Authorization": "Bearer anything"}) as r:
                assert r.status == 503
                assert "AGENT_TOKEN" in (await r.json())["error"]
            async with session.get(f"{url}/webhooks/agent/") as r:
                assert (await r.json())["api"] == "off"
            async with session.get(f"{url}/agent/") as r:  # the console still loads and says so
                assert r.status == 200
