"""Agent API and console: human agents take over conversations and get answer suggestions.

A Rasa input channel, so it runs inside the Rasa server and uses the same loaded model
(``request.app.ctx.agent``: parsing, domain responses), the same tracker store and lock store as
the bot. No user message comes in here; the routes live under ``/agent/``:

    GET  /webhooks/agent/                         health: {"status": "ok", "api": "on"|"off"}
    GET  /agent/                                  the agent console (web/agent/)
    POST /agent/suggest                           {"text", "sender_id"?} -> suggestions
    GET  /agent/conversations?status=waiting      the queue (waiting|active|expired|closed|all)
    GET  /agent/conversations/<sender_id>         transcript, facts, suggestions
    POST /agent/conversations/<sender_id>/messages {"text", "agent"?} -> delivered to the user
    POST /agent/conversations/<sender_id>/release  the bot takes over again and says so

Every API route wants ``Authorization: Bearer $AGENT_TOKEN`` (401 without, 403 for a wrong one);
with ``AGENT_TOKEN`` unset the API answers 503 and says so (the console page still loads).

While an agent holds a conversation its tracker is paused (Rasa's ``ConversationPaused``): the
user's messages are stored but the bot predicts nothing, so it stays silent. Release appends
``ConversationResumed``. Agent replies go out through ``channels.outbound.deliver`` on the
channel the user last wrote from; REST users (no push) find them in the tracker as bot messages
marked ``from_agent``. A background task tells users nobody took in ``HANDOFF_WAIT_MINUTES``.

credentials.yml::

    channels.agent.AgentInput:
"""
from __future__ import annotations

import asyncio
import hmac
import logging
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from rasa.core.actions.action import create_bot_utterance
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import (
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    Event,
    SlotSet,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.handoff import ACTIVE, EXPIRED, STATUSES, WAITING, HandoffSettings
from channels import limits, outbound
from channels.agent_assist import DEFAULT_LIMIT, suggestions
from channels.agent_queue import AGENT_MARK, in_status, last_user_question, summary, transcript
from channels.webpage import STATIC_TYPES, security_headers
from knowledge import Knowledge, load_knowledge

logger = logging.getLogger(__name__)

TOKEN_ENV = "AGENT_TOKEN"
SWEEP_ENV = "HANDOFF_SWEEP_SECONDS"
DEFAULT_SWEEP_SECONDS = 15.0
KNOWLEDGE_PATH_ENV = "KNOWLEDGE_PATH"
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WEB_ROOT = ROOT / "web"
DEFAULT_KNOWLEDGE = ROOT / "knowledge" / "data"
MAX_AGENT_NAME = 64
HANDOFF_SLOTS = ("handoff_status", "handoff_requested_at", "handoff_reason")
# What a pushed message may carry (Rasa's bot message dict); the NLG adds bookkeeping keys.
MESSAGE_KEYS = ("text", "buttons", "custom", "image", "attachment")


def _pushable(message: Dict[Text, Any]) -> Dict[Text, Any]:
    return {key: message[key] for key in MESSAGE_KEYS if message.get(key)}


def _utterance(message: Optional[Dict[Text, Any]]) -> Tuple[List[Event], List[Dict[Text, Any]]]:
    """The bot event that stores a rendered message, and the message to push to the user.

    The pushable copy is taken first: Rasa's ``create_bot_utterance`` pops the keys out of the
    dict it is given (a release once pushed an empty message and reported it undelivered)."""
    if not message:
        return [], []
    pushed = _pushable(message)
    return [create_bot_utterance(dict(message))], [pushed]


class ApiError(Exception):
    def __init__(self, status: int, reason: Text, headers: Optional[Dict[Text, Text]] = None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.headers = status, reason, headers or {}


def handoff_candidates(tracker_store: Any) -> Optional[List[Text]]:
    """Sender ids with a ``handoff_status`` slot event, by one query on a SQL store's events
    table; None for other stores (the caller then reads every key). The slot name is matched in
    the event's JSON, so a sender whose text merely mentions it may be read too, never missed."""
    store = getattr(tracker_store, "_tracker_store", tracker_store)  # Rasa's awaitable wrapper
    if not isinstance(store, SQLTrackerStore):
        return None
    event = store.SQLEvent
    with store.session_scope() as session:
        rows = (
            session.query(event.sender_id)
            .filter(event.type_name == SlotSet.type_name, event.data.like('%"handoff_status"%'))
            .distinct()
            .all()
        )
    return [row[0] for row in rows]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _body(request: Request) -> Dict[Text, Any]:
    try:
        body = request.json
    except Exception:  # Sanic raises its own 400 type for invalid JSON; say why in our format
        raise ApiError(400, "The body must be valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, 'The body must be a JSON object such as {"text": "..."}.')
    return body


def _text_field(body: Dict[Text, Any], key: Text, lim: limits.Limits) -> Text:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, f'"{key}" must be a non-empty string.')
    try:
        checked = limits.check_text(value, lim)
    except limits.InputRejected as e:
        raise ApiError(e.status, e.reason) from None
    if checked.too_long:
        raise ApiError(413, f'"{key}" is longer than {lim.max_message_chars} characters.')
    return checked.text.strip()


class AgentBlueprint(Blueprint):
    """The channel's webhook blueprint (health); registers the /agent/ blueprint alongside."""

    def __init__(self, api_blueprint: Blueprint, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ctx.api_blueprint = api_blueprint

    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        super().register(app, options)
        app.blueprint(self.ctx.api_blueprint)


class AgentInput(InputChannel):
    """Human handoff and agent assist on the Rasa server (see the module docstring)."""

    @classmethod
    def name(cls) -> Text:
        return "agent"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(
            token=os.environ.get(TOKEN_ENV),
            knowledge_path=os.environ.get(KNOWLEDGE_PATH_ENV) or credentials.get("knowledge_path"),
            web_root=credentials.get("web_root"),
        )

    def __init__(
        self,
        token: Optional[Text] = None,
        knowledge_path: Optional[Text] = None,
        web_root: Optional[Text] = None,
        settings: Optional[HandoffSettings] = None,
        input_limits: Optional[limits.Limits] = None,
        sweep_seconds: Optional[float] = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.token = (token or "").strip() or None
        if self.token is None:
            logger.warning(
                f"{TOKEN_ENV} is not set: the agent API (/agent/) is off and answers 503. Set it "
                f"to a long random secret to let agents see the handoff queue and reply."
            )
        # Fail at start-up, not on the first request: a bad setting names its variable.
        self.settings = settings or HandoffSettings.from_env()
        self.limits = input_limits or limits.Limits.from_env()
        self.knowledge: Knowledge = load_knowledge(Path(knowledge_path or DEFAULT_KNOWLEDGE))
        self.web_root = Path(web_root).resolve() if web_root else DEFAULT_WEB_ROOT
        if sweep_seconds is None:
            raw = (os.environ.get(SWEEP_ENV) or "").strip()
            sweep_seconds = float(raw) if raw else DEFAULT_SWEEP_SECONDS
        if not sweep_seconds > 0:
            raise ValueError(f"{SWEEP_ENV} must be a positive number of seconds")
        self.sweep_seconds = sweep_seconds
        self.clock = clock
        self._sweeper: Optional[asyncio.Task] = None

    # -- helpers ---------------------------------------------------------------------------

    def _authorise(self, request: Request) -> None:
        if self.token is None:
            raise ApiError(503, f"The agent API is off: the server was started without {TOKEN_ENV}.")
        scheme, _, given = (request.headers.get("Authorization") or "").partition(" ")
        challenge = {"WWW-Authenticate": 'Bearer realm="agent"'}
        if scheme.lower() != "bearer" or not given.strip():
            raise ApiError(401, "Send the agent token: Authorization: Bearer <token>.", challenge)
        if not hmac.compare_digest(given.strip().encode("utf-8", "replace"), self.token.encode("utf-8")):
            raise ApiError(403, "This token is not the agent token.", challenge)

    def _sender(self, raw: Text) -> Text:
        try:
            return limits.check_sender(raw, self.limits)
        except limits.InputRejected as e:
            raise ApiError(e.status, e.reason) from None

    @staticmethod
    def _rasa(request: Request) -> Any:
        agent = getattr(request.app.ctx, "agent", None)
        if agent is None or not agent.is_ready():
            raise ApiError(503, "No model is loaded yet; try again in a moment.")
        return agent

    @staticmethod
    async def _tracker(agent: Any, sender_id: Text, full: bool = False) -> DialogueStateTracker:
        store = agent.tracker_store
        tracker = await (store.retrieve_full_tracker(sender_id) if full else store.retrieve(sender_id))
        if tracker is None:
            raise ApiError(404, "No conversation with this sender id.")
        return tracker

    @staticmethod
    async def _trackers(agent: Any) -> List[DialogueStateTracker]:
        """The latest session of every conversation that was ever handed over (only those can
        have a handoff status). The queue page refreshes every few seconds and the time-out
        sweeper runs on its own: neither may load every conversation the bot ever had."""
        senders = handoff_candidates(agent.tracker_store)
        if senders is None:
            senders = list(await agent.tracker_store.keys())
        trackers = []
        for sender_id in senders:
            tracker = await agent.tracker_store.retrieve(sender_id)
            if tracker is not None:
                trackers.append(tracker)
        return trackers

    async def _suggest(
        self, agent: Any, text: Text, tracker: Optional[DialogueStateTracker] = None
    ) -> Dict[Text, Any]:
        parse = await agent.parse_message(text)
        # The province the conversation already named still applies when the text names none.
        province = tracker.get_slot("province") if tracker is not None else None
        return suggestions(
            text, parse, self.knowledge, limit=DEFAULT_LIMIT,
            known_bureau=str(province) if province else None,
        )

    async def _render(
        self, agent: Any, tracker: DialogueStateTracker, response_name: Text, **values: Any
    ) -> Optional[Dict[Text, Any]]:
        """A domain response in the conversation's language (the response's slot condition)."""
        channel = tracker.get_latest_input_channel() or "rest"
        return await agent.processor.nlg.generate(response_name, tracker, channel, **values)

    async def _change(
        self,
        agent: Any,
        sender_id: Text,
        build: Callable[[DialogueStateTracker], Awaitable[Tuple[List[Event], List[Dict[Text, Any]]]]],
    ) -> Tuple[DialogueStateTracker, List[Dict[Text, Any]], bool]:
        """Appends the events ``build`` returns under the sender's lock, then pushes its messages
        to the user's channel. Returns the tracker, the messages and whether all were pushed."""
        async with agent.lock_store.lock(sender_id):
            tracker = await self._tracker(agent, sender_id)
            events, messages = await build(tracker)
            for event in events:
                tracker.update(event, agent.domain)
            await agent.tracker_store.save(tracker)
        channel = tracker.get_latest_input_channel()
        delivered = bool(messages) and bool(channel)
        for message in messages:
            delivered = await outbound.deliver(channel, sender_id, message) and delivered
        return tracker, messages, delivered

    # -- the time-out ---------------------------------------------------------------------

    async def expire_waiting(self, agent: Any) -> List[Text]:
        """Tells every user who has waited longer than allowed, and takes them off the queue."""
        now = self.clock()
        expired = []
        for tracker in await self._trackers(agent):
            if tracker.get_slot("handoff_status") != WAITING:
                continue
            if not self.settings.has_expired(tracker.get_slot("handoff_requested_at"), now):
                continue

            async def build(current: DialogueStateTracker) -> Tuple[List[Event], List[Dict]]:
                # Checked again under the lock: an agent may have taken it meanwhile.
                if current.get_slot("handoff_status") != WAITING:
                    return [], []
                message = await self._render(
                    agent, current, self.settings.contact_response("utter_handoff_timeout"),
                    wait=self.settings.wait_label, contact=self.settings.contact,
                )
                said, pushed = _utterance(message)
                return [SlotSet("handoff_status", EXPIRED), *said], pushed

            _, messages, _ = await self._change(agent, tracker.sender_id, build)
            if messages:
                expired.append(tracker.sender_id)
                logger.info(f"Handoff of {tracker.sender_id} expired: no agent within "
                            f"{self.settings.wait_label} min.")
        return expired

    async def _sweep_forever(self, app: Sanic) -> None:
        while True:
            await asyncio.sleep(self.sweep_seconds)
            agent = getattr(app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                continue
            try:
                await self.expire_waiting(agent)
            except asyncio.CancelledError:
                raise
            except Exception:  # one bad tracker must not stop the time-outs for everyone
                logger.exception("The handoff time-out check failed; retrying later.")

    # -- routes ----------------------------------------------------------------------------

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        api = Blueprint(f"agent_api_{type(self).__name__}", url_prefix="/agent")
        webhook = AgentBlueprint(api, f"custom_webhook_{type(self).__name__}")

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "api": "on" if self.token else "off"})

        @api.listener("after_server_start")
        async def start_sweeper(app: Sanic, _: Any) -> None:
            self._sweeper = asyncio.get_event_loop().create_task(self._sweep_forever(app))

        @api.listener("before_server_stop")
        async def stop_sweeper(app: Sanic, _: Any) -> None:
            if self._sweeper is not None:
                self._sweeper.cancel()

        def api_route(uri: Text, methods: List[Text]) -> Callable:
            """Auth and errors in one place: every failure is JSON {"error": reason}."""

            def decorate(handler: Callable[..., Awaitable[HTTPResponse]]) -> Callable:
                async def wrapped(request: Request, **kwargs: Any) -> HTTPResponse:
                    try:
                        self._authorise(request)
                        return await handler(request, **kwargs)
                    except ApiError as e:
                        return response.json({"error": e.reason}, status=e.status, headers=e.headers)

                wrapped.__name__ = handler.__name__
                return api.route(uri, methods=methods)(wrapped)

            return decorate

        @api_route("/suggest", ["POST"])
        async def suggest(request: Request) -> HTTPResponse:
            body = _body(request)
            text = _text_field(body, "text", self.limits)
            agent = self._rasa(request)
            tracker = None
            if body.get("sender_id") is not None:
                if not isinstance(body["sender_id"], str):
                    raise ApiError(400, '"sender_id", when given, must be a string.')
                tracker = await self._tracker(agent, self._sender(body["sender_id"]))
            return response.json(await self._suggest(agent, text, tracker))

        @api_route("/conversations", ["GET"])
        async def conversations(request: Request) -> HTTPResponse:
            status = request.args.get("status", WAITING)
            if status not in STATUSES + ("all",):
                raise ApiError(400, f"status must be one of {', '.join(STATUSES + ('all',))}.")
            agent = self._rasa(request)
            chosen = in_status(await self._trackers(agent), None if status == "all" else status)
            now = self.clock()
            # The status comes from the slots, which the windowed trackers have; the last user
            # messages may lie before the store's window: the listed conversations are read whole.
            whole = [await self._tracker(agent, t.sender_id, full=True) for t in chosen]
            return response.json({"status": status, "conversations": [summary(t, now) for t in whole]})

        @api_route("/conversations/<sender_id:str>", ["GET"])
        async def conversation(request: Request, sender_id: Text) -> HTTPResponse:
            sender_id = self._sender(sender_id)
            agent = self._rasa(request)
            tracker = await self._tracker(agent, sender_id, full=True)
            question = last_user_question(tracker)
            body = transcript(tracker, self.clock())
            body["question"] = question
            body["suggestions"] = await self._suggest(agent, question, tracker) if question else None
            return response.json(body)

        @api_route("/conversations/<sender_id:str>/messages", ["POST"])
        async def send(request: Request, sender_id: Text) -> HTTPResponse:
            sender_id = self._sender(sender_id)
            body = _body(request)
            text = _text_field(body, "text", self.limits)
            name = body.get("agent")
            if name is not None and (not isinstance(name, str) or len(name) > MAX_AGENT_NAME):
                raise ApiError(400, f'"agent", when given, must be a name of at most {MAX_AGENT_NAME} characters.')
            agent = self._rasa(request)

            async def build(tracker: DialogueStateTracker) -> Tuple[List[Event], List[Dict]]:
                events: List[Event] = []
                if tracker.get_slot("handoff_status") != ACTIVE:
                    events.append(SlotSet("handoff_status", ACTIVE))
                if not tracker.is_paused():
                    events.append(ConversationPaused())  # the bot stays silent from now on
                metadata = {AGENT_MARK: True, **({"agent": name.strip()} if name and name.strip() else {})}
                events.append(BotUttered(text, {}, metadata))
                return events, [{"text": text}]

            tracker, _, delivered = await self._change(agent, sender_id, build)
            return response.json({
                "sender_id": sender_id,
                "channel": tracker.get_latest_input_channel(),
                "delivered": delivered,
                "stored": True,
                "status": ACTIVE,
            })

        @api_route("/conversations/<sender_id:str>/release", ["POST"])
        async def release(request: Request, sender_id: Text) -> HTTPResponse:
            sender_id = self._sender(sender_id)
            agent = self._rasa(request)

            async def build(tracker: DialogueStateTracker) -> Tuple[List[Event], List[Dict]]:
                if tracker.get_slot("handoff_status") not in (WAITING, ACTIVE) and not tracker.is_paused():
                    raise ApiError(409, "This conversation is not handed to an agent.")
                events: List[Event] = [SlotSet(slot, None) for slot in HANDOFF_SLOTS]
                if tracker.is_paused():
                    events.insert(0, ConversationResumed())
                said, pushed = _utterance(await self._render(agent, tracker, "utter_handoff_released"))
                return events + said, pushed

            tracker, _, delivered = await self._change(agent, sender_id, build)
            return response.json({
                "sender_id": sender_id,
                "channel": tracker.get_latest_input_channel(),
                "delivered": delivered,
                "status": None,
            })

        # -- the console page (no token needed to load it; it asks for the token) ---------------

        def page_headers(request: Request) -> Dict[Text, Text]:
            return security_headers(request)

        @api.route("", methods=["GET", "HEAD"], strict_slashes=True)
        async def page_without_slash(request: Request) -> HTTPResponse:
            return response.redirect("/agent/", status=301)

        @api.route("/", methods=["GET", "HEAD"], strict_slashes=True)
        async def console(request: Request) -> HTTPResponse:
            return await response.file(
                str(self.web_root / "agent" / "index.html"),
                mime_type="text/html; charset=utf-8", headers=page_headers(request),
            )

        @api.route("/static/<name:str>", methods=["GET", "HEAD"])
        async def static(request: Request, name: Text) -> HTTPResponse:
            path = self._static_file(name)
            if path is None:
                return response.text("Not found", status=404, headers=page_headers(request))
            return await response.file(
                str(path), mime_type=STATIC_TYPES[path.suffix.lower()], headers=page_headers(request)
            )

        return webhook

    def _static_file(self, name: Text) -> Optional[Path]:
        """web/agent/<name>, else the support page's web/static/<name> (its style sheet, icon)."""
        if "/" in name or "\\" in name or name.startswith(".") or Path(name).suffix.lower() not in STATIC_TYPES:
            return None
        for folder in (self.web_root / "agent", self.web_root / "static"):
            path = (folder / name).resolve()
            if path.parent == folder.resolve() and path.is_file():
                return path
        return None
