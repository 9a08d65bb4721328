"""The handoff from the user's side and the agent's, over REST, with the real model and servers:
queue, reminder while waiting, agent replies stored for REST users, the bot silent while an agent
holds the conversation, release, and the time-out that gives the contact route."""
from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from tests.agent.conftest import CONTACT, WAIT_MINUTES

pytestmark = [pytest.mark.model]


def sender(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def texts(messages: list) -> list:
    return [m.get("text", "") for m in messages]


def queue(agent_bot, status: str = "waiting") -> dict:
    response = agent_bot.api("GET", f"conversations?status={status}")
    assert response.status_code == 200, response.text
    return {c["sender_id"]: c for c in response.json()["conversations"]}


def slot(agent_bot, who: str, name: str):
    return agent_bot.tracker(who)["slots"].get(name)


def test_asking_for_a_human_puts_the_conversation_in_the_queue_with_its_facts(agent_bot):
    user = sender("rest-queue")
    agent_bot.say(user, "浙江的备案想注销")
    reply = agent_bot.say(user, "转人工")
    assert any("人工客服" in t and f"{WAIT_MINUTES} 分钟" in t for t in texts(reply))
    entry = queue(agent_bot)[user]
    assert entry["channel"] == "rest" and entry["language"] == "zh" and entry["reason"] == "requested"
    assert entry["facts"]["province"] == "zhejiang"
    assert entry["last_user_messages"][-2:] == ["浙江的备案想注销", "转人工"]
    assert datetime.fromisoformat(entry["waiting_since"]) <= datetime.now(timezone.utc)


def test_while_waiting_the_bot_answers_and_says_the_request_stays_open(agent_bot):
    user = sender("rest-wait")
    agent_bot.say(user, "talk to a human")
    reply = texts(agent_bot.say(user, "how long does it take to deregister an ICP filing?"))
    assert "still open" in reply[0]
    assert any("3 to 20 business days" in t for t in reply[1:])
    assert slot(agent_bot, user, "handoff_status") == "waiting"


def test_agent_reply_for_a_rest_user_is_stored_and_the_bot_stays_silent_until_release(agent_bot):
    user = sender("rest-agent")
    agent_bot.say(user, "I want a human agent")
    sent = agent_bot.api("POST", f"conversations/{user}/messages",
                         json={"text": "Hi, this is Li from support. <b>How</b> can I help?", "agent": "Li"})
    assert sent.status_code == 200, sent.text
    assert sent.json() == {"sender_id": user, "channel": "rest", "delivered": False, "stored": True,
                           "status": "active"}
    events = agent_bot.tracker(user)["events"]
    agent_events = [e for e in events if e["event"] == "bot" and (e.get("metadata") or {}).get("from_agent")]
    assert [e["text"] for e in agent_events] == ["Hi, this is Li from support. <b>How</b> can I help?"]
    assert queue(agent_bot, "active")[user]["paused"] is True
    assert user not in queue(agent_bot)

    # the user writes; the agent reads it; the bot says nothing
    assert agent_bot.say(user, "how long does deregistration take?") == []
    convo = agent_bot.api("GET", f"conversations/{user}").json()
    assert [m["from"] for m in convo["messages"]][-2:] == ["agent", "user"]
    assert convo["messages"][-2]["agent"] == "Li"
    assert convo["question"] == "how long does deregistration take?"
    assert convo["suggestions"]["suggestions"][0]["id"] == "dereg_duration"

    released = agent_bot.api("POST", f"conversations/{user}/release")
    assert released.status_code == 200, released.text
    last_bot = [e for e in agent_bot.tracker(user)["events"] if e["event"] == "bot"][-1]
    assert "handed this chat back" in last_bot["text"]
    assert slot(agent_bot, user, "handoff_status") is None
    # the bot answers again
    assert any("3 to 20 business days" in t for t in texts(agent_bot.say(user, "how long does deregistration take?")))


def test_nobody_takes_it_in_time_the_user_gets_the_contact_route(agent_bot):
    user = sender("rest-timeout")
    agent_bot.say(user, "转人工")
    assert user in queue(agent_bot)
    # let the configured wait pass: the request is dated back beyond it
    agent_bot.set_slot(user, "handoff_requested_at",
                       (datetime.now(timezone.utc) - timedelta(minutes=WAIT_MINUTES + 1)).isoformat(timespec="seconds"))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and slot(agent_bot, user, "handoff_status") == "waiting":
        time.sleep(0.5)
    assert slot(agent_bot, user, "handoff_status") == "expired"
    last_bot = [e for e in agent_bot.tracker(user)["events"] if e["event"] == "bot"][-1]
    assert CONTACT in last_bot["text"] and f"{WAIT_MINUTES} 分钟" in last_bot["text"]
    assert user not in queue(agent_bot)
    assert user in queue(agent_bot, "expired")
    # asking again queues it again
    agent_bot.say(user, "转人工")
    assert slot(agent_bot, user, "handoff_status") == "waiting"


def test_a_request_still_within_the_wait_stays_in_the_queue(agent_bot):
    user = sender("rest-in-time")
    agent_bot.say(user, "human please")
    time.sleep(2.5)  # several sweeps
    assert slot(agent_bot, user, "handoff_status") == "waiting"
