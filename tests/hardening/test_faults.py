"""Faults around the running assistant: action server killed or slow, Rasa restarted.

Each expects a clear answer within a few seconds, the turn stored with it, and the dialog
resuming once the fault is gone.
"""
from __future__ import annotations

import time
import uuid

import pytest

from tests.hardening.conftest import SECRETS, user_turns

pytestmark = pytest.mark.model

TIMEOUT = float(SECRETS["ACTION_TIMEOUT_SECONDS"])
SORRY = ("something went wrong on our side", "something is still wrong on our side", "出了点问题", "仍有问题")


def fresh() -> str:
    return "f-" + uuid.uuid4().hex[:12]


def say(bot, sender, message, timeout=60):
    started = time.monotonic()
    response = bot.post({"sender": sender, "message": message}, timeout=timeout)
    assert response.status_code == 200, response.text
    return response.json(), time.monotonic() - started


def text_of(replies) -> str:
    return " ".join(r.get("text") or "" for r in replies)


def is_sorry(replies) -> bool:
    return any(s in text_of(replies) for s in SORRY)


@pytest.fixture
def bot(hardened_bot):
    yield hardened_bot
    if hardened_bot.actions.poll() is not None or "action_server" not in " ".join(hardened_bot.actions.args):
        hardened_bot.start_actions()  # leave a working action server for whatever runs next


def test_action_server_killed_mid_dialog(bot):
    sender = fresh()
    opener, _ = say(bot, sender, "我要注销备案")
    assert opener and not is_sorry(opener)

    bot.kill_actions()
    replies, took = say(bot, sender, "我自己的")
    assert is_sorry(replies) and "再试" in text_of(replies), replies
    assert took < 5, took
    again, _ = say(bot, sender, "我自己的")
    assert "人工" in text_of(again)  # the second failed turn offers a human
    assert any(b["payload"] == "/request_human" for r in again for b in r.get("buttons") or [])
    # other users are still answered meanwhile: the greeting needs no action server (the
    # language detection, an action, failed: the reply says so too)
    hello, _ = say(bot, fresh(), "hello")
    assert "ICP" in text_of(hello)

    bot.start_actions()
    resumed, _ = say(bot, sender, "我自己的")
    assert resumed and not is_sorry(resumed), resumed
    turns = user_turns(bot.events(sender))
    assert [t["text"] for t in turns] == ["我要注销备案", "我自己的", "我自己的", "我自己的"]
    assert all(t["bot"] for t in turns)
    tracker = bot.tracker(sender)
    assert tracker["active_loop"].get("name") == "deregistration_form" or tracker["slots"].get("dereg_owner") == "own"


def test_asking_for_a_human_while_the_action_server_is_down_is_recorded(bot):
    sender = fresh()
    bot.kill_actions()
    replies, _ = say(bot, sender, "转人工")
    assert "人工" in text_of(replies) and not is_sorry(replies), replies
    assert "{" not in text_of(replies), replies  # the wait in minutes is filled in
    slots = bot.tracker(sender)["slots"]
    assert slots["handoff_status"] == "waiting" and slots["handoff_requested_at"]


def test_slow_action_server_times_out_with_an_answer(bot):
    sender = fresh()
    bot.start_slow_actions(delay=30)
    replies, took = say(bot, sender, "I want to deregister my ICP filing")
    assert is_sorry(replies), replies
    assert took < TIMEOUT * 3 + 5, took  # at most a few action calls of TIMEOUT each
    turns = user_turns(bot.events(sender))
    assert len(turns) == 1 and turns[0]["bot"]
    bot.start_actions()
    replies, _ = say(bot, sender, "hello")
    assert replies and not is_sorry(replies)


def test_rasa_restarted_mid_dialog_resumes_from_the_tracker(bot):
    sender = fresh()
    say(bot, sender, "我要注销备案")  # the general route first (answer first)
    opener, _ = say(bot, sender, "/affirm")  # "guide me step by step" starts the dialog
    question = text_of(opener)
    assert bot.tracker(sender)["active_loop"].get("name") == "deregistration_form"

    bot.restart_rasa()
    assert bot.tracker(sender)["active_loop"].get("name") == "deregistration_form"
    replies, _ = say(bot, sender, "我自己的")
    assert replies and not is_sorry(replies) and text_of(replies) != question
    assert bot.tracker(sender)["slots"].get("dereg_owner") == "own"
