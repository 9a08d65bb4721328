"""channels.wechat.WeChatInput on a real Sanic server with a scripted agent: the protocol, the
5-second window, de-duplication, numbered options and bad input. The same channel with the
trained model: tests/channels/test_wechat_bot.py."""
from __future__ import annotations

import asyncio
import os
import time
import uuid
from dataclasses import replace
from typing import Any, List, Optional

import aiohttp
import pytest

from channels import outbound
from channels.wechat import REASON, WeChatConfig, WeChatConfigError, WeChatInput
from channels.wechat_store import RedisStore
from tests.channels.wechat_fakes import (
    AES_KEY,
    APP_ID,
    APP_SECRET,
    TOKEN,
    FakeWeChatAPI,
    WeChatServer,
    event_xml,
    image_xml,
    location_xml,
    media_xml,
    sign,
    text_xml,
    voice_xml,
)

ENV = {"WECHAT_TOKEN": TOKEN}
SAFE_ENV = {**ENV, "WECHAT_ENCODING_AES_KEY": AES_KEY, "WECHAT_APPID": APP_ID}
API_ENV = {**SAFE_ENV, "WECHAT_APPSECRET": APP_SECRET}
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class ScriptedAgent:
    """Stands in for ``app.ctx.agent``: answers "echo: <text>" after ``delay`` seconds, with
    buttons when the text is "menu"."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.messages: List[Any] = []

    async def handle_message(self, message: Any) -> None:
        self.messages.append(message)
        await asyncio.sleep(self.delay)
        out = message.output_channel
        if message.text == "menu":
            await out.send_text_with_buttons(
                message.sender_id,
                "Pick one:",
                [{"title": "Deregister", "payload": "/request_deregistration"},
                 {"title": "Transfer", "payload": "/ask_transfer_needed"}],
            )
        else:
            await out.send_text_message(message.sender_id, f"echo: {message.text}")

    def texts(self) -> List[str]:
        return [m.text for m in self.messages]


def channel(env: dict, **overrides: Any) -> WeChatInput:
    config = WeChatConfig.from_env(env)
    return WeChatInput(replace(config, **overrides) if config and overrides else config)


@pytest.fixture
def api():
    fake = FakeWeChatAPI()
    yield fake
    fake.close()


@pytest.fixture(autouse=True)
def no_deliverer_left():
    yield
    outbound.unregister("wechat")


def openid() -> str:
    return "o" + uuid.uuid4().hex[:27]


def msg_id() -> int:
    return int(time.time() * 1000) * 1000 + uuid.uuid4().int % 1000


# --- configuration -------------------------------------------------------------------------------


def test_no_token_means_off():
    assert WeChatConfig.from_env({}) is None
    assert WeChatConfig.from_env({"WECHAT_APPID": APP_ID}) is None


def test_configurations_that_start():
    plain = WeChatConfig.from_env(ENV)
    assert (plain.safe_mode, plain.api) == (False, False)
    safe = WeChatConfig.from_env(SAFE_ENV)
    assert (safe.safe_mode, safe.api) == (True, False)
    full = WeChatConfig.from_env({**API_ENV, "WECHAT_API_BASE_URL": "http://127.0.0.1:1/x"})
    assert (full.safe_mode, full.api, full.api_base_url) == (True, True, "http://127.0.0.1:1/x/")


@pytest.mark.parametrize(
    "env, named",
    [
        ({**ENV, "WECHAT_ENCODING_AES_KEY": AES_KEY}, "WECHAT_APPID"),
        ({**ENV, "WECHAT_APPSECRET": APP_SECRET}, "WECHAT_APPID"),
        ({**ENV, "WECHAT_APPID": APP_ID}, "WECHAT_APPSECRET"),
        ({**ENV, "WECHAT_ENCODING_AES_KEY": "short", "WECHAT_APPID": APP_ID}, "WECHAT_ENCODING_AES_KEY"),
        ({**ENV, "WECHAT_REPLY_TIMEOUT": "9"}, "WECHAT_REPLY_TIMEOUT"),
    ],
)
def test_a_missing_variable_stops_the_start_naming_it(env, named):
    with pytest.raises(WeChatConfigError, match=named):
        WeChatConfig.from_env(env)


# --- without WECHAT_TOKEN --------------------------------------------------------------------------


async def test_disabled_channel_answers_503_and_the_server_runs(serve):
    agent = ScriptedAgent()
    async with serve([WeChatInput(None)], agent) as (base, _):
        wechat = WeChatServer(base)
        async with aiohttp.ClientSession() as session:
            reply = await wechat.say(session, openid(), "hello", msg_id())
            assert reply.status == 503 and "WECHAT_TOKEN" in reply.body
            async with session.get(base + "/webhooks/wechat/webhook", params=wechat.query(echostr="x")) as r:
                assert r.status == 503
            async with session.get(base + "/webhooks/wechat/") as r:
                assert await r.json() == {"status": "disabled"}
            async with session.get(base + "/") as r:  # Rasa's root route
                assert r.status == 200
    assert agent.messages == []
    assert not outbound.can_deliver("wechat")


# --- URL verification ------------------------------------------------------------------------------


async def test_url_verification(serve):
    async with serve([channel(ENV)]) as (base, _):
        wechat = WeChatServer(base)
        url = base + "/webhooks/wechat/webhook"
        async with aiohttp.ClientSession() as session:
            async with session.get(url, params=wechat.query(echostr="8372615")) as r:
                assert (r.status, await r.text()) == (200, "8372615")
            forged = {**wechat.query(echostr="1"), "signature": "0" * 40}
            old = int(time.time()) - 301
            stale = {"signature": sign(TOKEN, str(old), "n"), "timestamp": str(old), "nonce": "n", "echostr": "1"}
            other_token = WeChatServer(base, token="another-token").query(echostr="1")
            for params in (forged, stale, other_token, {"echostr": "1"}):
                async with session.get(url, params=params) as r:
                    assert (r.status, await r.text()) == (403, REASON)


# --- messages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("safe", [False, True], ids=["plaintext", "safe"])
async def test_text_message_gets_a_passive_reply(serve, safe):
    agent = ScriptedAgent()
    user = openid()
    async with serve([channel(SAFE_ENV if safe else ENV)], agent) as (base, _):
        wechat = WeChatServer(base, safe=safe)
        async with aiohttp.ClientSession() as session:
            reply = await wechat.say(session, user, "浙江管局注销申请表在哪下载", msg_id())
    assert reply.status == 200
    assert reply.content == "echo: 浙江管局注销申请表在哪下载"
    # the reply goes back from the account to the user
    assert (reply.message.source, reply.message.target) == ("gh_icp_helper", user)
    assert [(m.sender_id, m.input_channel) for m in agent.messages] == [(f"wechat:{user}", "wechat")]
    if safe:
        assert "<Encrypt>" in reply.body and "浙江" not in reply.body


async def test_plaintext_message_is_refused_in_safe_mode(serve):
    agent = ScriptedAgent()
    async with serve([channel(SAFE_ENV)], agent) as (base, _):
        async with aiohttp.ClientSession() as session:
            reply = await WeChatServer(base, safe=False).say(session, openid(), "hi", msg_id())
    assert (reply.status, reply.body) == (403, REASON)
    assert agent.messages == []


async def test_numbered_options_map_back_for_that_user_only(serve):
    agent = ScriptedAgent()
    alice, bob = openid(), openid()
    async with serve([channel(ENV)], agent) as (base, _):
        wechat = WeChatServer(base)
        async with aiohttp.ClientSession() as session:
            menu = await wechat.say(session, alice, "menu", msg_id())
            assert menu.content == "Pick one:\n\n[1] Deregister\n[2] Transfer\nReply 1 / 2 to choose"
            await wechat.say(session, alice, "２", msg_id())  # full-width, as Chinese keyboards type it
            await wechat.say(session, bob, "2", msg_id())
            await wechat.say(session, alice, "2", msg_id())  # the echo turn had no options
    assert agent.texts() == ["menu", "/ask_transfer_needed", "2", "2"]
    assert agent.messages[1].metadata["wechat_option"] is True


# --- the 5-second window ---------------------------------------------------------------------------


async def test_a_late_reply_goes_out_by_the_customer_service_api(serve, api):
    agent = ScriptedAgent(delay=0.6)
    api.expire_first_token = True  # the first token is refused: wechatpy fetches another
    user = openid()
    ch = channel(API_ENV, api_base_url=api.base_url, reply_timeout=0.2)
    async with serve([ch], agent) as (base, _):
        wechat = WeChatServer(base, safe=True)
        async with aiohttp.ClientSession() as session:
            started = time.monotonic()
            reply = await wechat.say(session, user, "slow question", msg_id())
            answered_in = time.monotonic() - started
            for _ in range(100):
                if api.texts_to(user):
                    break
                await asyncio.sleep(0.05)
    assert (reply.status, reply.body) == (200, "success")
    assert answered_in < 0.5
    assert api.texts_to(user) == ["echo: slow question"]
    assert api.tokens_issued == ["token-1", "token-2"]
    sends = [q["access_token"] for path, q in api.calls if path.endswith("/message/custom/send")]
    assert sends == [["token-1"], ["token-2"]]


async def test_a_long_reply_is_split_and_the_rest_sent_by_the_api(serve, api):
    class Long(ScriptedAgent):
        async def handle_message(self, message: Any) -> None:
            self.messages.append(message)
            for n in range(3):
                await message.output_channel.send_text_message(message.sender_id, f"{n} " + "备案" * 300)

    user = openid()
    async with serve([channel(API_ENV, api_base_url=api.base_url)], Long()) as (base, _):
        async with aiohttp.ClientSession() as session:
            reply = await WeChatServer(base, safe=True).say(session, user, "long", msg_id())
            for _ in range(100):
                if len(api.texts_to(user)) >= 2:  # pushed one after the other
                    break
                await asyncio.sleep(0.05)
    pushed = api.texts_to(user)
    assert reply.content.startswith("0 备案") and len(reply.content.encode()) <= 2048
    assert [p[:1] for p in [reply.content, *pushed]] == ["0", "1", "2"]


@pytest.mark.parametrize("store", ["memory", "redis"])
@pytest.mark.parametrize("late", [False, True], ids=["in_time", "late"])
async def test_a_retry_storm_of_one_msgid_is_processed_once(serve, api, store, late):
    agent = ScriptedAgent(delay=0.5)
    user, mid = openid(), msg_id()
    prefix = f"test-wechat-{uuid.uuid4().hex[:8]}"
    overrides = {"api_base_url": api.base_url, "reply_timeout": 0.1 if late else 2.0, "redis_prefix": prefix}
    if store == "redis":
        overrides["redis_url"] = REDIS_URL
    ch = channel(API_ENV, **overrides)
    try:
        async with serve([ch], agent) as (base, _):
            wechat = WeChatServer(base, safe=True)
            async with aiohttp.ClientSession() as session:
                xml = text_xml(user, "retry me", mid)
                replies = await asyncio.gather(*(wechat.post(session, xml) for _ in range(4)))
                await asyncio.sleep(0.8)
                later = await wechat.post(session, xml)  # WeChat's retry after the reply is out
                for _ in range(40):
                    if api.texts_to(user) or not late:
                        break
                    await asyncio.sleep(0.05)
    finally:
        if store == "redis":
            keys = [k async for k in ch.store.redis.scan_iter(f"{prefix}:*")]
            assert keys  # the state really was in Redis
            await ch.store.redis.delete(*keys)
            await ch.store.close()
    assert agent.texts() == ["retry me"]
    contents = {r.content for r in replies}
    if late:
        assert {r.body for r in replies} == {"success"} and later.body == "success"
        assert api.texts_to(user) == ["echo: retry me"]
    else:
        assert contents == {"echo: retry me"} and later.content == "echo: retry me"
        assert len({r.message.time for r in replies}) == 1  # the very same reply
        assert api.texts_to(user) == []


async def test_redis_store_setnx_first_writer_wins():
    store = RedisStore(REDIS_URL, f"test-wechat-{uuid.uuid4().hex[:8]}")
    key = f"{store.prefix}:k"
    try:
        assert await store.create(key, {"state": "processing"}) is True
        assert await store.create(key, {"state": "processing"}) is False
        results = await asyncio.gather(*(store.setnx(key, "delivery", f"v{n}") for n in range(10)))
        assert len(set(results)) == 1
        assert (await store.get(key))["delivery"] == results[0]
    finally:
        await store.redis.delete(key)
        await store.close()


# --- other message types -------------------------------------------------------------------------


async def test_non_text_messages(serve):
    agent = ScriptedAgent()
    user = openid()
    async with serve([channel(ENV)], agent) as (base, _):
        wechat = WeChatServer(base)
        async with aiohttp.ClientSession() as session:
            image = await wechat.post(session, image_xml(user, msg_id()))
            location = await wechat.post(session, location_xml(user, msg_id()))
            odd = await wechat.post(session, media_xml(user, "hologram", msg_id()))
            voice = await wechat.post(session, voice_xml(user, msg_id(), "备案要多久"))
            mute = await wechat.post(session, voice_xml(user, msg_id()))
            bye = await wechat.post(session, event_xml(user, "unsubscribe"))
            click = await wechat.post(session, event_xml(user, "VIEW"))
    # the scripted agent has no tracker: the language is unknown, the note is in both
    for reply in (image, location, odd, mute):
        assert "只能读文字" in reply.content and "only read text" in reply.content
    assert voice.content == "echo: 备案要多久"
    assert (bye.status, bye.body, click.body) == (200, "success", "success")
    assert agent.texts() == ["备案要多久"]


# --- bad input -------------------------------------------------------------------------------------

GOOD = text_xml("o_user_1", "hello", 1)
BAD_BODIES = {
    "doctype": '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x "boom">]>' + GOOD.replace("hello", "&x;"),
    "external_entity": '<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + GOOD.replace("hello", "&x;"),
    "billion_laughs": '<!DOCTYPE xml [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>' + GOOD.replace("hello", "&b;"),
    "truncated": GOOD[:-20],
    "not_xml": "hello",
    "empty": "",
    "oversized": GOOD.replace("hello", "备" * 20_000),
    "create_time_not_a_number": GOOD.replace(f"<CreateTime>", "<CreateTime>soon").replace("</CreateTime>", "x</CreateTime>"),
    "no_from_user": GOOD.replace("<FromUserName><![CDATA[o_user_1]]></FromUserName>", ""),
    "no_msg_type": GOOD.replace("<MsgType><![CDATA[text]]></MsgType>", ""),
    "no_msg_id": GOOD.replace("<MsgId>1</MsgId>", ""),
    "msg_id_not_a_number": GOOD.replace("<MsgId>1</MsgId>", "<MsgId>one</MsgId>"),
    "nested_content": GOOD.replace("<![CDATA[hello]]>", "<b>hi</b>"),
    "bad_openid": GOOD.replace("o_user_1", "../../etc"),
    "other_root": GOOD.replace("<xml>", "<msg>").replace("</xml>", "</msg>"),
}


@pytest.mark.parametrize("name", sorted(BAD_BODIES))
async def test_bad_plaintext_body_is_a_400(serve, name):
    agent = ScriptedAgent()
    async with serve([channel(ENV)], agent) as (base, _):
        wechat = WeChatServer(base)
        async with aiohttp.ClientSession() as session:
            reply = await wechat.post(session, "", params=wechat.query(), body=BAD_BODIES[name])
            after = await wechat.say(session, openid(), "still there?", msg_id())
    assert (reply.status, reply.body) == (400, REASON)
    assert agent.texts() == ["still there?"]  # nothing of the bad one reached the bot
    assert after.content == "echo: still there?"


def _sealed(base: str, xml: str, **kwargs: Any):
    return WeChatServer(base, safe=True, **kwargs).seal(xml)


@pytest.mark.parametrize("case", ["other_appid", "other_key", "bad_padding", "not_base64", "no_encrypt", "forged_msg_signature", "plaintext_inside_doctype"])
async def test_bad_encrypted_body_is_refused(serve, case):
    import base64

    from wechatpy.crypto import WeChatCipher
    from wechatpy.utils import WeChatSigner

    agent = ScriptedAgent()
    async with serve([channel(SAFE_ENV)], agent) as (base, _):
        wechat = WeChatServer(base, safe=True)
        xml = text_xml(openid(), "hello", msg_id())
        if case == "other_appid":
            params, body = _sealed(base, xml, app_id="wx_someone_else")
        elif case == "other_key":
            params, body = _sealed(base, xml, aes_key="B" * 43)
        elif case == "plaintext_inside_doctype":
            params, body = wechat.seal(BAD_BODIES["doctype"])
        else:
            params, body = wechat.seal(xml)
            if case in ("bad_padding", "not_base64", "no_encrypt", "forged_msg_signature"):
                key = base64.b64decode(AES_KEY + "=")
                if case == "bad_padding":
                    encrypt = base64.b64encode(WeChatCipher(key).encrypt(b"\x00" * 31 + b"\x00")).decode()
                elif case == "not_base64":
                    encrypt = "!!!not-base64!!!"
                else:
                    encrypt = None
                if encrypt is not None:
                    signer = WeChatSigner()
                    signer.add_data(TOKEN, params["timestamp"], params["nonce"], encrypt)
                    params["msg_signature"] = signer.signature
                    body = f"<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
                elif case == "no_encrypt":
                    body = "<xml><ToUserName>gh</ToUserName></xml>"
                else:
                    params["msg_signature"] = "0" * 40
        async with aiohttp.ClientSession() as session:
            reply = await wechat.post(session, "", params=params, body=body)
            after = await wechat.say(session, openid(), "still there?", msg_id())
    assert reply.status in (400, 403) and reply.body == REASON
    assert agent.texts() == ["still there?"]
    assert after.content == "echo: still there?"


async def test_forged_or_stale_post_is_a_403(serve):
    agent = ScriptedAgent()
    async with serve([channel(ENV)], agent) as (base, _):
        wechat = WeChatServer(base)
        xml = text_xml(openid(), "hello", msg_id())
        old = int(time.time()) - 600
        async with aiohttp.ClientSession() as session:
            forged = await wechat.post(session, "", params={**wechat.query(), "signature": "f" * 40}, body=xml)
            stale = await wechat.post(session, "", params=wechat.query(timestamp=old), body=xml)
    assert [(r.status, r.body) for r in (forged, stale)] == [(403, REASON), (403, REASON)]
    assert agent.messages == []


# --- pushing outside a turn (agent console) --------------------------------------------------------


async def test_outbound_deliverer_sends_customer_service_text(serve, api):
    user = openid()
    async with serve([channel(API_ENV, api_base_url=api.base_url)]) as (base, _):
        ok = await outbound.deliver("wechat", f"wechat:{user}", {"text": "Agent here: see [MIIT](https://beian.miit.gov.cn/)"})
        not_ours = await outbound.deliver("wechat", "web-user-1", {"text": "x"})
    assert (ok, not_ours) == (True, False)
    assert api.texts_to(user) == ["Agent here: see MIIT: https://beian.miit.gov.cn/"]


class MenuAgent(ScriptedAgent):
    """Greets and shows a two-topic menu in the language of the payload's entity."""

    async def handle_message(self, message: Any) -> None:
        self.messages.append(message)
        await asyncio.sleep(self.delay)
        zh = '"zh"' in message.text
        out, sender = message.output_channel, message.sender_id
        if message.text.startswith("/greet"):
            await out.send_text_message(sender, "您好！" if zh else "Hi!")
        elif message.text.startswith("/ask_capabilities"):
            await out.send_text_with_buttons(sender, "我可以：" if zh else "I can:", [
                {"title": "注销备案" if zh else "Deregister", "payload": "/request_deregistration"},
                {"title": "接入备案" if zh else "Transfer", "payload": "/ask_transfer_needed"},
            ])
        else:
            await out.send_text_message(sender, f"echo: {message.text}")


@pytest.mark.parametrize("late", [False, True], ids=["in_time", "late"])
async def test_subscribe_shows_the_bot_greeting_and_menu_in_both_languages(serve, api, late):
    agent = MenuAgent(delay=0.1)
    user = openid()
    ch = channel(API_ENV, api_base_url=api.base_url, reply_timeout=0.1 if late else 3.0)
    expected = "您好！\n\nHi!\n\n我可以： / I can:\n【1】注销备案 / Deregister\n【2】接入备案 / Transfer\n回复 1 / 2 选择 / Reply 1 / 2 to choose"
    async with serve([ch], agent) as (base, _):
        wechat = WeChatServer(base, safe=True)
        async with aiohttp.ClientSession() as session:
            welcome = await wechat.post(session, event_xml(user, "subscribe"))
            for _ in range(100):
                if api.texts_to(user) or not late:
                    break
                await asyncio.sleep(0.05)
            choice = await wechat.say(session, user, "2", msg_id())
    assert agent.texts()[:4] == ['/greet{"language":"en"}', '/ask_capabilities{"language":"en"}',
                                 '/greet{"language":"zh"}', '/ask_capabilities{"language":"zh"}']
    assert (api.texts_to(user) if late else [welcome.content]) == [expected]
    assert agent.texts()[4] == "/ask_transfer_needed"
    assert choice.content == "echo: /ask_transfer_needed"


# --- the shared input limits (channels/limits.py) ----------------------------------------------------


async def test_limits_too_long_text_gets_the_polite_reply_and_never_reaches_the_bot(serve, monkeypatch):
    from channels import limits

    monkeypatch.setenv("INPUT_MAX_MESSAGE_CHARS", "50")
    agent = ScriptedAgent()
    async with serve([channel(ENV)], agent) as (base, _):
        async with aiohttp.ClientSession() as session:
            reply = await WeChatServer(base).say(session, openid(), "备案" * 30, msg_id())
    assert reply.content == limits.reply_text("too_long", limits.Limits(max_message_chars=50))
    assert agent.messages == []


async def test_limits_typed_shortcut_entities_are_checked_but_button_payloads_pass(serve):
    agent = ScriptedAgent()
    user = openid()
    async with serve([channel(ENV)], agent) as (base, _):
        wechat = WeChatServer(base)
        async with aiohttp.ClientSession() as session:
            await wechat.say(session, user, '/inform{"domain":"<img src=x onerror=alert(1)>"}', msg_id())
            await wechat.say(session, user, "menu", msg_id())
            await wechat.say(session, user, "1", msg_id())
    assert agent.texts() == ["/inform", "menu", "/request_deregistration"]


async def test_a_turn_without_bot_messages_is_not_silence(serve):
    class Mute(ScriptedAgent):
        async def handle_message(self, message: Any) -> None:
            self.messages.append(message)  # e.g. the action server was unreachable

    async with serve([channel(ENV)], Mute()) as (base, _):
        async with aiohttp.ClientSession() as session:
            reply = await WeChatServer(base).say(session, openid(), "hello", msg_id())
    assert "Sorry, something went wrong" in reply.content and "抱歉" in reply.content


def test_rasa_refuses_to_start_naming_the_missing_variable(tmp_path):
    """`rasa run` with credentials.yml: the channels are built before the model is loaded."""
    import subprocess

    from tests.conftest import RASA, ROOT, free_port

    env = {**os.environ, "WECHAT_TOKEN": TOKEN, "WECHAT_ENCODING_AES_KEY": AES_KEY}
    env.pop("WECHAT_APPID", None)
    result = subprocess.run(
        [RASA, "run", "--credentials", "credentials.yml", "--port", str(free_port()),
         "--interface", "127.0.0.1", "--model", str(tmp_path / "no-model.tar.gz")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 1
    assert "WECHAT_APPID is missing" in result.stdout + result.stderr

