"""WeChat official account (公众号) channel: the assistant inside WeChat.

WeChat's servers call one URL of ours: ``GET`` once to verify it, then ``POST`` with every user
message as XML (encrypted with AES in safe mode), and expect the reply as XML in the response
within 5 seconds. The protocol (signatures, parsing, AES, replies, the customer-service message
API and its access token) is wechatpy's; defusedxml refuses hostile XML before wechatpy's parser
sees it. Routes (Rasa's ``/webhooks/<channel>/`` convention)::

    GET  /webhooks/wechat/          health: {"status": "ok"|"disabled", "mode": ..., "api": ...}
    GET  /webhooks/wechat/webhook   URL verification: echoes ``echostr`` when the signature is right
    POST /webhooks/wechat/webhook   messages and events -> passive XML reply, or ``success``

Configured by environment variables only (secrets never sit in files)::

    WECHAT_TOKEN               enables the channel (without it the webhook answers 503)
    WECHAT_ENCODING_AES_KEY    safe mode (43 characters, from the admin console); needs WECHAT_APPID
    WECHAT_APPID, WECHAT_APPSECRET
                               the customer-service message API (replies after the 5-second
                               window, long replies, agent replies); set both or neither
    WECHAT_API_BASE_URL        default https://api.weixin.qq.com/cgi-bin/ (tests point it at a fake)
    WECHAT_REPLY_TIMEOUT       seconds to wait for the bot before answering ``success`` (default 4)
    REDIS_URL                  shared state for several replicas (message de-duplication, numbered
                               options, access token); in memory without it
    WECHAT_REDIS_PREFIX        key prefix in Redis (default ``wechat``)

A missing variable that safe mode or the API needs stops the server at start-up, naming it.

The 5-second window: a message is handed to the bot in a background task; the request waits up
to ``WECHAT_REPLY_TIMEOUT`` for it. In time: the reply goes back as passive XML. Late: the request
answers ``success`` (WeChat then stops retrying) and the reply goes out through the
customer-service API when it is ready. WeChat re-sends a message it got no answer for (same
``MsgId``); a re-sent message is never processed again: it gets the same passive reply, or
``success`` once the reply has gone out by the API. Exactly one of the two paths delivers a
reply, decided by atomic writes in ``channels.wechat_store`` (in Redis, shared by replicas).

credentials.yml::

    channels.wechat.WeChatInput:
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import os
import re
import time
import unicodedata
import uuid
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Set, Text

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from wechatpy import WeChatClient, create_reply, parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import check_signature
from xml.etree.ElementTree import ParseError

from channels import limits, outbound
from channels.wechat_render import Rendered, note, render_turn, welcome
from channels.wechat_store import MemoryStore, RedisStore, dumps, loads

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.weixin.qq.com/cgi-bin/"
DEFAULT_REPLY_TIMEOUT = 4.0
MAX_BODY_BYTES = 16 * 1024  # a text message is at most ~2 KB, encrypted ~3 KB
MAX_CLOCK_SKEW = 300  # s; a signed request older than this is a replay
OPTIONS_TTL = 2 * 3600  # s; numbered options are forgotten with the conversation session
SENDER_PREFIX = "wechat:"
# The one reason every refused message gets: which check failed is logged, not told.
REASON = "Invalid WeChat request."
SUCCESS = "success"  # WeChat: received, no passive reply, do not retry
POLL = 0.05  # s between looks at a message's state while waiting for its reply
# Rasa runs a turn's model inference on the event loop. asyncio runs every ready step of every
# turn before it looks at its timers again, so 50 turns started at once kept the requests
# waiting for them from answering for 9.7 s (WeChat gives up at 5 s). A few turns at a time keep
# the loop free to answer `success`; the others wait their turn (and go out by the API).
DEFAULT_MAX_TURNS = 4
EXTRA_PARTS_DELAY = 0.5  # s; lets the passive reply reach the user before the later parts

_OPENID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_DIGITS = re.compile(r"^[0-9]{1,20}$")
_NUMBER = re.compile(r"^[0-9]{1,2}$")
NOT_TEXT = {"image", "voice", "video", "shortvideo", "location", "link", "unknown"}
SUBSCRIBE = {"subscribe", "subscribe_scan"}


class WeChatConfigError(RasaException):
    """The WeChat channel was asked for with a variable missing or unusable."""


class Refused(Exception):
    """A request that is not a valid WeChat call: 400 (malformed) or 403 (not from WeChat)."""

    def __init__(self, status: int, why: Text) -> None:
        super().__init__(why)
        self.status = status


@dataclass(frozen=True)
class WeChatConfig:
    token: Text
    app_id: Optional[Text] = None
    app_secret: Optional[Text] = None
    aes_key: Optional[Text] = None
    api_base_url: Text = DEFAULT_API_BASE_URL
    reply_timeout: float = DEFAULT_REPLY_TIMEOUT
    redis_url: Optional[Text] = None
    redis_prefix: Text = "wechat"

    @property
    def safe_mode(self) -> bool:
        return self.aes_key is not None

    @property
    def api(self) -> bool:
        return self.app_id is not None and self.app_secret is not None

    @classmethod
    def from_env(cls, environ: Optional[Mapping[Text, Text]] = None) -> Optional["WeChatConfig"]:
        """The configuration, None when ``WECHAT_TOKEN`` is unset (the channel is off)."""
        env = os.environ if environ is None else environ

        def get(name: Text) -> Optional[Text]:
            value = (env.get(name) or "").strip()
            return value or None

        token = get("WECHAT_TOKEN")
        if token is None:
            return None
        app_id, secret, aes_key = get("WECHAT_APPID"), get("WECHAT_APPSECRET"), get(
            "WECHAT_ENCODING_AES_KEY"
        )
        if aes_key is not None:
            if app_id is None:
                raise WeChatConfigError(
                    "WECHAT_ENCODING_AES_KEY is set (safe mode) but WECHAT_APPID is missing: "
                    "safe mode needs the AppID."
                )
            try:
                valid = len(base64.b64decode(aes_key + "=", validate=True)) == 32
            except (binascii.Error, ValueError):
                valid = False
            if len(aes_key) != 43 or not valid:
                raise WeChatConfigError(
                    "WECHAT_ENCODING_AES_KEY must be the 43-character EncodingAESKey of the "
                    "admin console."
                )
        # The API is asked for by the secret, or by an AppID that safe mode does not explain.
        if (secret is not None and app_id is None) or (
            app_id is not None and secret is None and aes_key is None
        ):
            missing = "WECHAT_APPSECRET" if secret is None else "WECHAT_APPID"
            raise WeChatConfigError(
                f"{missing} is missing: the customer-service message API needs both "
                f"WECHAT_APPID and WECHAT_APPSECRET."
            )
        try:
            reply_timeout = float(get("WECHAT_REPLY_TIMEOUT") or DEFAULT_REPLY_TIMEOUT)
        except ValueError:
            raise WeChatConfigError("WECHAT_REPLY_TIMEOUT must be a number of seconds.")
        if not 0 <= reply_timeout <= 4.5:
            raise WeChatConfigError(
                "WECHAT_REPLY_TIMEOUT must be between 0 and 4.5 s (WeChat waits 5 s)."
            )
        base = get("WECHAT_API_BASE_URL") or DEFAULT_API_BASE_URL
        return cls(
            token=token,
            app_id=app_id,
            app_secret=secret,
            aes_key=aes_key,
            api_base_url=base if base.endswith("/") else base + "/",
            reply_timeout=reply_timeout,
            redis_url=get("REDIS_URL"),
            redis_prefix=get("WECHAT_REDIS_PREFIX") or "wechat",
        )


class _Client(WeChatClient):
    """wechatpy's client with a configurable API host: ``fetch_access_token`` has the address
    written in, every other call uses ``API_BASE_URL``."""

    def __init__(self, api_base_url: Text, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.API_BASE_URL = api_base_url

    def fetch_access_token(self) -> Dict[Text, Any]:
        return self._fetch_access_token(
            url=f"{self.API_BASE_URL}token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


def _session_storage(config: WeChatConfig) -> Any:
    """Where wechatpy keeps the access token: Redis with several replicas (one token for all:
    WeChat invalidates the previous token when a new one is fetched), else memory."""
    if not config.redis_url:
        from wechatpy.session.memorystorage import MemoryStorage

        return MemoryStorage()
    import redis
    from wechatpy.session.redisstorage import RedisStorage

    return RedisStorage(redis.Redis.from_url(config.redis_url), prefix=f"{config.redis_prefix}:wechatpy")


def _field(data: Dict[Text, Any], name: Text) -> Text:
    value = data.get(name)
    if not isinstance(value, str):
        raise Refused(400, f"{name} missing or not text")
    return value


class WeChatInput(InputChannel):
    """Rasa input channel for a WeChat official account (see the module docstring)."""

    @classmethod
    def name(cls) -> Text:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WeChatInput":
        return cls(WeChatConfig.from_env())

    def __init__(self, config: Optional[WeChatConfig]) -> None:
        self.config = config
        self.crypto: Optional[WeChatCrypto] = None
        self.client: Optional[WeChatClient] = None
        self.store: Any = None
        self._tasks: Set[asyncio.Task] = set()
        self._turns = asyncio.Semaphore(DEFAULT_MAX_TURNS)
        self.limits = limits.Limits.from_env()
        if config is None:
            logger.info("WeChat channel off: WECHAT_TOKEN is not set.")
            return
        if config.safe_mode:
            self.crypto = WeChatCrypto(config.token, config.aes_key, config.app_id)
        if config.api:
            self.client = _Client(
                config.api_base_url,
                config.app_id,
                config.app_secret,
                session=_session_storage(config),
                timeout=10,
            )
        self.store = (
            RedisStore(config.redis_url, config.redis_prefix)
            if config.redis_url
            else MemoryStore(config.redis_prefix)
        )

    # --- the 5-second window -----------------------------------------------------------------

    def _key(self, *parts: Text) -> Text:
        return ":".join([self.store.prefix, *parts])

    async def _push(self, openid: Text, parts: List[Text]) -> bool:
        """Sends ``parts`` as customer-service text messages (wechatpy is synchronous: a thread)."""
        if self.client is None:
            logger.warning(
                f"A reply to {openid} could not be sent: it was late or longer than one "
                f"message, and the customer-service API needs WECHAT_APPID and WECHAT_APPSECRET."
            )
            return False
        for part in parts:
            try:
                await asyncio.to_thread(self.client.message.send_text, openid, part)
            except Exception:
                logger.exception(f"Customer-service message to {openid} failed.")
                return False
        return True

    def _spawn(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)  # a task nobody references may be collected before it ends
        task.add_done_callback(self._tasks.discard)

    async def _process(
        self, key: Text, message: Any, produce: Callable[[], Awaitable[Rendered]]
    ) -> None:
        openid = message.source
        try:
            rendered = await produce()
        except Exception:
            logger.exception(f"WeChat message {key} failed.")
            rendered = Rendered(parts=[note("failed", None)])
        xml = create_reply(rendered.parts[0], message, render=True) if rendered.parts else ""
        await self.store.set(key, "reply", dumps({"parts": rendered.parts, "xml": xml}))
        state = await self.store.get(key)
        if state.get("gaveup") and rendered.parts:
            if await self.store.setnx(key, "delivery", "push") == "push":
                await self._push(openid, rendered.parts)

    async def _passive(self, key: Text, state: Dict[Text, Text], message: Any) -> Text:
        reply = loads(state.get("reply"), {})
        parts = reply.get("parts") or []
        if not parts:
            return SUCCESS
        mine = f"passive:{uuid.uuid4().hex}"
        winner = await self.store.setnx(key, "delivery", mine)
        if not winner.startswith("passive"):
            return SUCCESS  # sent by the customer-service API already
        if winner == mine and len(parts) > 1:

            async def rest() -> None:
                await asyncio.sleep(EXTRA_PARTS_DELAY)
                await self._push(message.source, parts[1:])

            self._spawn(rest())
        return reply["xml"]

    async def _reply(
        self, key: Text, message: Any, produce: Callable[[], Awaitable[Rendered]]
    ) -> Text:
        """The passive reply (XML) or ``success``; starts the processing for a new message."""
        deadline = time.monotonic() + self.config.reply_timeout
        if await self.store.create(key, {"state": "processing"}):
            self._spawn(self._process(key, message, produce))
        while True:
            state = await self.store.get(key)
            if "reply" in state:
                return await self._passive(key, state, message)
            if time.monotonic() >= deadline:
                break
            await asyncio.sleep(POLL)
        # Too late for a passive reply: say so first, then look again, so that either this
        # request sees the reply or the processing sees "gaveup" (it pushes then).
        await self.store.set(key, "gaveup", "1")
        state = await self.store.get(key)
        if "reply" in state:
            return await self._passive(key, state, message)
        return SUCCESS

    # --- conversation -------------------------------------------------------------------------

    async def _language(self, app: Any, sender_id: Text) -> Optional[Text]:
        """The language the bot answers this user in (its tracker's slots), if known yet."""
        try:
            tracker = await app.ctx.agent.tracker_store.retrieve(sender_id)
        except Exception:
            return None
        if tracker is None:
            return None
        for slot in ("language_preference", "language"):
            value = tracker.get_slot(slot)
            if value in ("en", "zh"):
                return value
        return None

    async def _turn(
        self, on_new_message: Callable, sender_id: Text, text: Text, metadata: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        collector = CollectingOutputChannel()
        async with self._turns:
            await on_new_message(
                UserMessage(text, collector, sender_id, input_channel=self.name(), metadata=metadata)
            )
        return collector.messages

    async def _remember_options(self, openid: Text, payloads: List[Text]) -> None:
        await self.store.set(self._key("options", openid), "payloads", dumps(payloads), OPTIONS_TTL)

    async def _option(self, openid: Text, text: Text) -> Optional[Text]:
        """The payload of numbered option ``text`` ("2", "２") shown to this user last, if any."""
        number = unicodedata.normalize("NFKC", text).strip()
        if not _NUMBER.match(number):
            return None
        payloads = loads((await self.store.get(self._key("options", openid))).get("payloads"), [])
        index = int(number) - 1
        return payloads[index] if 0 <= index < len(payloads) else None

    @staticmethod
    async def _says(text: Text) -> Rendered:
        return Rendered(parts=[text])

    async def _answer(
        self, app: Any, on_new_message: Callable, message: Any, text: Text
    ) -> Rendered:
        openid = message.source
        sender_id = SENDER_PREFIX + openid
        payload = await self._option(openid, text)
        metadata = {"wechat_msg_id": str(message.id), "wechat_option": payload is not None}
        # A payload is the bot's own button; typed shortcuts get their entities checked.
        text = payload or limits.clean_shortcut(text)
        bot = await self._turn(on_new_message, sender_id, text, metadata)
        language = await self._language(app, sender_id)
        if not bot:
            # Rasa answers a turn whose actions failed (action server unreachable) with nothing;
            # in WeChat that is silence. Say so instead.
            logger.warning(f"No bot message for {sender_id}'s WeChat message {message.id}.")
            return Rendered(parts=[note("failed", language)])
        rendered = render_turn(bot, language)
        await self._remember_options(openid, rendered.payloads)
        return rendered

    async def _welcome(self, on_new_message: Callable, message: Any) -> Rendered:
        """The bot's own greeting and topic menu, in both languages (English first, so the
        conversation is left in Chinese until the user writes)."""
        sender_id = SENDER_PREFIX + message.source
        metadata = {"wechat_event": "subscribe"}
        greeting, menu = {}, {}
        for language in ("en", "zh"):
            entity = f'{{"language":"{language}"}}'
            greeting[language] = await self._turn(
                on_new_message, sender_id, f"/greet{entity}", metadata
            )
            menu[language] = await self._turn(
                on_new_message, sender_id, f"/ask_capabilities{entity}", metadata
            )
        rendered = welcome(greeting, menu)
        await self._remember_options(message.source, rendered.payloads)
        return rendered

    async def _note(self, app: Any, message: Any) -> Rendered:
        language = await self._language(app, SENDER_PREFIX + message.source)
        return Rendered(parts=[note("not_text", language)])

    # --- requests -----------------------------------------------------------------------------

    def _check_query(self, request: Request) -> None:
        """The signature of token, timestamp and nonce, and a fresh timestamp; else 403."""
        args = request.args
        signature, timestamp, nonce = (args.get(k) for k in ("signature", "timestamp", "nonce"))
        if not (signature and timestamp and nonce):
            raise Refused(403, "signature, timestamp or nonce missing")
        try:
            check_signature(self.config.token, signature, timestamp, nonce)
        except InvalidSignatureException:
            raise Refused(403, "bad signature")
        if not _DIGITS.match(timestamp) or abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW:
            raise Refused(403, "stale or invalid timestamp")

    def _read(self, request: Request) -> Any:
        """The request's message (wechatpy's message object), decrypted and checked."""
        body = request.body or b""
        if len(body) > MAX_BODY_BYTES:
            raise Refused(400, f"body over {MAX_BODY_BYTES} bytes")
        xml = self._defused(body)
        if self.crypto is not None:
            args = request.args
            if args.get("encrypt_type") != "aes" or not args.get("msg_signature"):
                raise Refused(403, "plaintext message in safe mode")
            try:
                xml = self.crypto.decrypt_message(
                    xml, args.get("msg_signature"), args.get("timestamp"), args.get("nonce")
                )
            except (InvalidSignatureException, InvalidAppIdException) as e:
                raise Refused(403, f"decryption refused: {type(e).__name__}")
            except Exception as e:  # bad base64, padding, length: nothing usable
                raise Refused(400, f"undecryptable: {type(e).__name__}")
            xml = self._defused(xml.encode("utf-8") if isinstance(xml, str) else xml)
        try:
            message = parse_message(xml)
        except Exception as e:
            raise Refused(400, f"unparseable: {type(e).__name__}")
        if message is None:
            raise Refused(400, "empty body")
        data = message._data
        if not isinstance(data, dict):
            raise Refused(400, "not a message")
        for name in ("ToUserName", "FromUserName", "CreateTime", "MsgType"):
            _field(data, name)
        if not _OPENID.match(data["FromUserName"]):
            raise Refused(400, "FromUserName is not an OpenID")
        if not _DIGITS.match(data["CreateTime"]):
            raise Refused(400, "CreateTime is not a number")
        if data["MsgType"] != "event" and not _DIGITS.match(_field(data, "MsgId")):
            raise Refused(400, "MsgId is not a number")
        if message.type == "text":
            content = data.get("Content")
            if content is not None and not isinstance(content, str):
                raise Refused(400, "Content is not text")
        return message

    @staticmethod
    def _defused(body: bytes) -> bytes:
        """Refuses DTDs, entities and broken XML (defusedxml); returns the body unchanged."""
        try:
            root = defused_fromstring(body, forbid_dtd=True)
        except (DefusedXmlException, ParseError, ValueError) as e:
            raise Refused(400, f"XML refused: {type(e).__name__}")
        if root.tag != "xml":
            raise Refused(400, "root element is not <xml>")
        return body

    def _wrap(self, xml: Text, request: Request) -> HTTPResponse:
        if xml == SUCCESS or self.crypto is None:
            return response.text(xml, content_type="application/xml; charset=utf-8")
        encrypted = self.crypto.encrypt_message(xml, request.args.get("nonce"))
        return response.text(encrypted, content_type="application/xml; charset=utf-8")

    def _dispatch(self, app: Any, on_new_message: Callable, message: Any) -> Optional[Callable]:
        """What to do with a message: a coroutine function producing the reply, or None (no
        reply: unsubscribe, menu clicks and other events)."""
        if message.type == "text" or (message.type == "voice" and message.recognition):
            text = message.content if message.type == "text" else message.recognition
            try:
                limits.check_sender(SENDER_PREFIX + message.source, self.limits)
            except limits.InputRejected as e:
                raise Refused(400, f"limits: {e.reason}")
            try:
                checked = limits.check_text(text or "", self.limits)
            except limits.InputRejected:
                # A text WeChat did deliver: a polite reply (an error status would show the user
                # "this account cannot serve you").
                return lambda: self._says(limits.reply_text("unreadable", self.limits))
            if checked.too_long:
                return lambda: self._says(limits.reply_text("too_long", self.limits))
            return lambda: self._answer(app, on_new_message, message, checked.text)
        if message._data.get("MsgType") == "event":
            # wechatpy's events have type "event"; which one is in `event`.
            if getattr(message, "event", None) in SUBSCRIBE:
                return lambda: self._welcome(on_new_message, message)
            return None
        return lambda: self._note(app, message)

    async def deliver(self, sender_id: Text, message: Dict[Text, Any]) -> bool:
        """outbound deliverer: one bot message (an agent's reply) as customer-service text."""
        if self.config is None or not sender_id.startswith(SENDER_PREFIX):
            return False
        openid = sender_id[len(SENDER_PREFIX):]
        rendered = render_turn([message])
        if rendered.payloads:
            await self._remember_options(openid, rendered.payloads)
        return bool(rendered.parts) and await self._push(openid, rendered.parts)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        wechat = Blueprint(f"wechat_webhook_{type(self).__name__}", __name__)
        if self.config is not None:
            outbound.register(self.name(), self.deliver)

        @wechat.listener("before_server_start")
        async def lower_request_size(app: Any, _loop: Any) -> None:
            limits.request_size_limit(app, self.limits)

        @wechat.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            if self.config is None:
                return response.json({"status": "disabled"})
            mode = "safe" if self.config.safe_mode else "plaintext"
            return response.json({"status": "ok", "mode": mode, "api": self.config.api})

        def refuse(request: Request, refused: Refused) -> HTTPResponse:
            logger.info(f"WeChat request refused ({refused.status}): {refused}")
            return response.text(REASON, status=refused.status)

        def disabled() -> HTTPResponse:
            return response.text(
                "The WeChat channel is not configured (WECHAT_TOKEN is not set).", status=503
            )

        @wechat.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if self.config is None:
                return disabled()
            try:
                self._check_query(request)
            except Refused as refused:
                return refuse(request, refused)
            return response.text(request.args.get("echostr") or "")

        @wechat.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.config is None:
                return disabled()
            try:
                self._check_query(request)
                message = self._read(request)
                produce = self._dispatch(request.app, on_new_message, message)
            except Refused as refused:
                return refuse(request, refused)
            if produce is None:
                return response.text(SUCCESS)
            if message._data.get("MsgType") == "event":
                event = str(getattr(message, "event", "") or "")
                key = self._key("msg", message.source, message._data["CreateTime"], event)
            else:
                key = self._key("msg", message.source, str(message.id))
            return self._wrap(await self._reply(key, message, produce), request)

        return wechat
