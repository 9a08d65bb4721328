"""The assistant through its REST channel, as a new user would talk to it."""
import re
import uuid

import pytest
import requests

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


def test_a_message_without_text_is_refused_with_a_reason(running_bot):
    user = sender()
    response = requests.post(f"{running_bot.url}/webhooks/rest/webhook", json={"sender": user}, timeout=30)
    assert response.status_code == 400
    assert '"message" must be a string' in response.json()["message"]
    assert not [e for e in running_bot.tracker(user)["events"] if e["event"] == "user"]


def test_a_province_with_no_question_asked_is_kept_for_the_next_dialog(running_bot):
    user = sender()
    noted = running_bot.say(user, "江苏")
    assert "江苏" in noted[0]["text"]
    assert "/ask_bureau_link" in [b["payload"] for m in noted for b in m.get("buttons", [])]
    links = texts(running_bot.say(user, "/ask_bureau_link"))
    assert "江苏" in links and "http" in links


# --------------------------------------------------------------------------- answer first (issue 13)

STEM = re.compile(r"\d{3}_[0-9a-f]{16}")


def assert_one_answer(messages):
    """One answer, one message: the text, with at most one set of buttons; no file stem, no
    session id, no blank line (which the channels would split into bubbles)."""
    assert len(messages) == 1, messages
    text = messages[0]["text"]
    assert not STEM.search(text) and ";jsessionid" not in text and "\n\n" not in text
    return text


@pytest.mark.parametrize(
    "message, expected",
    [
        ("浙江的备案怎么线下注销", ["浙江", "zj.beian.miit.gov.cn", "来源："]),
        ("zhejiang deregistration form", ["Zhejiang deregistration form", "zj.beian.miit.gov.cn", "Source:"]),
        ("guangdng deregistration form", ["Guangdong", "gd.beian.miit.gov.cn"]),
        ("注消湖南的备案", ["湖南", "hunca.miit.gov.cn"]),
    ],
)
def test_a_province_and_deregistration_get_the_form_in_the_first_reply(running_bot, message, expected):
    text = assert_one_answer(running_bot.say(sender(), message))
    for words in expected:
        assert words in text


def test_how_do_i_deregister_then_the_province_then_another_one(running_bot):
    user = sender()
    general = assert_one_answer(running_bot.say(user, "how do I deregister my ICP filing?"))
    assert "online" in general and "offline" in general
    assert "zj.beian.miit.gov.cn" in assert_one_answer(running_bot.say(user, "zhejiang"))
    assert "fj.beian.miit.gov.cn" in assert_one_answer(running_bot.say(user, "what about Fujian?"))


def test_chinese_follow_up_about_another_province(running_bot):
    user = sender()
    assert "gd.beian.miit.gov.cn" in assert_one_answer(running_bot.say(user, "广东的备案怎么线下注销"))
    assert "fj.beian.miit.gov.cn" in assert_one_answer(running_bot.say(user, "那福建呢"))


def test_site_cannot_be_opened_gets_the_causes_first(running_bot):
    text = assert_one_answer(running_bot.say(sender(), "my site suddenly won't load in China, why?"))
    assert "three common reasons" in text
