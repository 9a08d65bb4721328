"""The assistant through its REST channel, as a new user would talk to it."""
import re
import uuid

import pytest

pytestmark = pytest.mark.model

HAN = re.compile(r"[\u4e00-\u9fff]")


def texts(messages):
    return " ".join(m.get("text", "") for m in messages)


def sender():
    return f"test-{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize(
    "message, chinese",
    [("你好", True), ("hello", False), ("您好呀", True), ("hi there", False)],
)
def test_greeting_in_the_users_language(running_bot, message, chinese):
    reply = texts(running_bot.say(sender(), message))
    assert reply
    assert bool(HAN.search(reply)) is chinese


def test_language_follows_a_switch_mid_conversation(running_bot):
    user = sender()
    assert not HAN.search(texts(running_bot.say(user, "hello")))
    assert HAN.search(texts(running_bot.say(user, "谢谢")))
    assert not HAN.search(texts(running_bot.say(user, "thanks, bye")))


def test_capabilities_menu_offers_the_three_topics(running_bot):
    messages = running_bot.say(sender(), "what can you do?")
    buttons = [b["payload"] for m in messages for b in m.get("buttons", [])]
    for payload in ("/request_deregistration", "/ask_transfer_needed", "/check_accessibility"):
        assert payload in buttons


@pytest.mark.parametrize("message", ["", "   ", "👍👍", "<img src=x onerror=alert(1)>", "a" * 5000])
def test_odd_input_gets_a_polite_answer(running_bot, message):
    messages = running_bot.say(sender(), message)
    assert texts(messages).strip(), f"no reply to {message!r}"
