"""Hostile and careless input against the running assistant (real model, REST and socket.io).

Each case expects a clear answer or a clear 4xx (never a 5xx or a lost turn), every accepted
message stored in the tracker with its reply, and another user answered normally afterwards.
"""
from __future__ import annotations

import asyncio
import json
import socket
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.hardening.conftest import user_turns
from tests.socketio_client import WidgetClient

pytestmark = pytest.mark.model

GREETING_WORDS = ("ICP", "备案")


def fresh() -> str:
    return "t-" + uuid.uuid4().hex[:12]


def another_user_is_answered(bot) -> None:
    sender = fresh()
    response = bot.post({"sender": sender, "message": "hello"})
    assert response.status_code == 200
    replies = response.json()
    assert replies and any(w in (replies[0].get("text") or "") for w in GREETING_WORDS), replies


def assert_answered_and_stored(bot, sender, response, count=1):
    assert response.status_code == 200, response.text
    replies = response.json()
    assert replies and all(r.get("text") or r.get("buttons") for r in replies), replies
    turns = user_turns(bot.events(sender))
    assert len(turns) == count and all(turn["bot"] for turn in turns), turns
    return replies, turns


@pytest.fixture(scope="module")
def bot(hardened_bot):
    another_user_is_answered(hardened_bot)  # warm-up: the first turn loads lazily
    hardened_bot.start_rss_mb = hardened_bot.rss_mb()
    hardened_bot.log_offset = len(hardened_bot.rasa_log())
    yield hardened_bot


# --- texts that are answered --------------------------------------------------------------------


@pytest.mark.parametrize(
    "message, stored, never_shown",
    [
        ("", "", None),
        ("   \n\t ", None, None),
        ("\u200b\u200b", "", None),  # zero-width only: removed, then an empty message
        ("👍👍🎉", "👍👍🎉", None),
        ("hel\x00lo\x07 there", "hello there", "\x00"),
        ("\u202ehello\u202c", "hello", "\u202e"),
        ("{language}", "{language}", None),
        ("{{7*7}}", "{{7*7}}", "49"),
        ("%s%s%s %n", "%s%s%s %n", None),
        ("'; DROP TABLE events; --", "'; DROP TABLE events; --", "DROP TABLE"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>", "<script>"),
        ("/session_start", "session_start", None),
        ("x" * 1999, None, None),
    ],
)
def test_odd_texts_get_an_answer_and_are_stored(bot, message, stored, never_shown):
    sender = fresh()
    replies, turns = assert_answered_and_stored(bot, sender, bot.post({"sender": sender, "message": message}))
    if stored is not None:
        assert turns[0]["text"] == stored
    if never_shown:
        assert never_shown not in " ".join(r.get("text") or "" for r in replies)


@pytest.mark.parametrize(
    "payload, slot, bad",
    [
        ('/inform{"domain":"<img src=x onerror=alert(1)>"}', "domain", "<img"),
        ('/inform{"domain":"[click](http://evil.example)"}', "domain", "evil.example"),
        ('/inform{"province":"{language}"}', "province", "{language}"),
        ('/inform{"province":"x\\u0000y"}', "province", "x\u0000y"),
        ('/inform{"server_location":"moon"}', "server_location", "moon"),
        ('/inform{"handoff_status":"waiting"}', "handoff_status", "waiting"),
        ('/request_human{"handoff_reason":"<b>now</b>"}', "handoff_reason", "<b>"),
        ('/inform@0.0.1{"province":"jiangsu"}', None, None),
    ],
)
def test_forged_shortcut_values_are_neither_stored_nor_echoed(bot, payload, slot, bad):
    sender = fresh()
    replies, _ = assert_answered_and_stored(bot, sender, bot.post({"sender": sender, "message": payload}))
    if slot:
        assert bot.tracker(sender)["slots"].get(slot) in (None, "requested")
        assert bad not in json.dumps(replies, ensure_ascii=False)


def test_a_well_formed_shortcut_still_works(bot):
    sender = fresh()
    bot.post({"sender": sender, "message": '/inform{"province":"jiangsu"}'})
    assert bot.tracker(sender)["slots"]["province"] == "jiangsu"


def test_an_over_long_text_gets_the_polite_reply_and_never_reaches_rasa(bot):
    sender = fresh()
    response = bot.post({"sender": sender, "message": "备案" * 5000})  # 10,000 characters
    assert response.status_code == 200
    (reply,) = response.json()
    assert "shorten" in reply["text"] and "精简" in reply["text"]
    assert user_turns(bot.events(sender)) == []


# --- requests that are refused ------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, status",
    [
        ({"sender": "x\udc00", "message": "hi"}, 400),  # stopped the whole server before
        ({"sender": "u", "message": "hi \udc00"}, 400),  # lost the turn in spaCy before
        ({"sender": "u", "message": "hi", "metadata": {"k": "\ud800"}}, 400),
        ({"sender": "u", "message": '/inform{"domain":"\\ud800.com"}'}, 200),  # escaped: dropped
        ({"sender": "../x", "message": "hi"}, 400),
        ({"sender": "a\r\nb", "message": "hi"}, 400),
        ({"sender": "\u202eabc", "message": "hi"}, 400),
        ({"sender": "a" * 129, "message": "hi"}, 400),
        ({"sender": "u", "message": 5}, 400),
        ({"sender": ["u"], "message": "hi"}, 400),
        ({"sender": "u", "message": "hi", "metadata": []}, 400),
        ({"sender": "u", "message": "hi", "metadata": {"a": "x" * 5000}}, 413),
        ([1, 2], 400),
        ("null", 400),
        ("{not json", 400),
        ("[" * 30000 + "]" * 30000, 400),  # 60 KB of nesting: under the size limit
    ],
)
def test_bad_requests_get_a_clear_4xx(bot, body, status):
    response = bot.post(body)
    assert response.status_code == status, response.text[:300]
    if status >= 400:
        assert response.json().get("message")
    another_user_is_answered(bot)


def nested(depth):
    value = {}
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize("depth", [5, 1000, 10000])
def test_deep_metadata_is_refused(bot, depth):
    # written by hand: json.dumps itself stops at Python's recursion limit
    metadata = '{"a":' * depth + "{}" + "}" * depth
    response = bot.post(f'{{"sender": "{fresh()}", "message": "hi", "metadata": {metadata}}}')
    assert response.status_code == 400, response.text[:200]
    if depth < 900:  # deeper still is refused by the JSON parser already (also a 400)
        assert "nested" in response.json()["message"]
    another_user_is_answered(bot)


@pytest.mark.parametrize("size", [10_000, 100_000])
def test_large_bodies(bot, size):
    sender = fresh()
    response = bot.post({"sender": sender, "message": "x" * size})
    if size < 65536:
        assert response.status_code == 200 and "shorten" in response.json()[0]["text"]
    else:
        assert response.status_code == 413
    another_user_is_answered(bot)


def test_a_10_mb_body_is_refused_by_its_length_before_it_is_read(bot):
    with socket.create_connection(("127.0.0.1", bot.rasa_port), timeout=10) as conn:
        conn.sendall(
            b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 10485760\r\n\r\n" + b'{"sender":"u","message":"' + b"x" * 65536
        )
        status_line = conn.makefile("rb").readline()
    assert status_line.split()[1] == b"413"
    another_user_is_answered(bot)


def test_wrong_content_types_and_methods(bot):
    import requests

    assert requests.get(f"{bot.url}/webhooks/rest/webhook", timeout=10).status_code == 405
    response = requests.post(f"{bot.url}/webhooks/rest/webhook", data=b"\xff\xfe\x00", timeout=10)
    assert response.status_code == 400


# --- one sender, many messages at once ----------------------------------------------------------


def test_twenty_concurrent_messages_from_one_sender_are_all_stored_with_replies(bot):
    sender = fresh()
    messages = [f"江苏管局链接 {i}" if i % 2 else f"hello {i}" for i in range(20)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(lambda m: bot.post({"sender": sender, "message": m}, timeout=120), messages))
    assert [r.status_code for r in responses] == [200] * 20
    assert all(r.json() for r in responses)
    turns = user_turns(bot.events(sender))
    assert sorted(t["text"] for t in turns) == sorted(messages)
    assert all(t["bot"] for t in turns)


# --- socket.io ------------------------------------------------------------------------------------


def texts(replies):
    return " ".join(r.get("text") or "" for r in replies)


async def test_socketio_hostile_input(bot):
    async with WidgetClient(bot.url) as widget:
        await widget.request_session()
        conversation = widget.session_id.split(".")[0]
        assert "could not read" in texts(await widget.turn("hi \udc00"))
        assert "could not read" in texts(await widget.turn("hi", customData=nested(50)))
        assert "shorten" in texts(await widget.turn("x" * 3000))
        replies = await widget.turn('/inform{"domain":"<img src=x onerror=alert(1)>"}')
        assert "<img" not in json.dumps(replies)
        greeting = texts(await widget.turn("hello\u202e\x00"))
        assert any(w in greeting for w in GREETING_WORDS), greeting
    turns = user_turns(bot.events(conversation))
    assert [t["text"] for t in turns] == ["/inform", "hello"]
    assert all(t["bot"] for t in turns)
    another_user_is_answered(bot)


async def test_socketio_sessions_cannot_be_chosen_or_hijacked(bot):
    async with WidgetClient(bot.url) as alice, WidgetClient(bot.url) as mallory:
        alice_token = await alice.request_session()
        assert (await mallory.request_session(alice_token.split(".")[0])) != alice_token
        assert (await mallory.request_session("my-own-choice-1234")) != "my-own-choice-1234"
        await mallory.client.emit("user_uttered", {"message": "hijack", "session_id": alice_token})
        greeting = texts(await alice.turn("hello"))
        assert any(w in greeting for w in GREETING_WORDS), greeting
        await asyncio.sleep(1)
        got = [mallory.bot.get_nowait() for _ in range(mallory.bot.qsize())]
        assert got and all("expired or is not yours" in m["text"] for m in got), got
    texts_stored = [t["text"] for t in user_turns(bot.events(alice_token.split(".")[0]))]
    assert texts_stored == ["hello"]


# --- after all of it ------------------------------------------------------------------------------


def test_zz_server_alive_memory_back_and_logs_clean(bot):
    """Runs after the cases above (module order): the same process still answers, its memory
    is within 100 MB of where it started, and normal turns logged no ERROR."""
    assert bot.rasa.poll() is None
    another_user_is_answered(bot)
    assert bot.rss_mb() < bot.start_rss_mb + 100, (bot.start_rss_mb, bot.rss_mb())
    log = bot.rasa_log()[bot.log_offset :]
    errors = [line for line in log.splitlines() if " ERROR " in line]
    assert errors == [], errors[:5]
    assert "Traceback" not in log
    assert "interpolator" not in log
