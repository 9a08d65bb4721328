"""Safeguards of the Rasa server process that no endpoints.yml setting of Rasa 3.6 provides.

Installed by the channels' blueprints (``install_action_guard()`` when a blueprint is built,
``after_server_start`` as a listener; both idempotent), so that ``rasa run`` with this project's
credentials.yml gets them without a wrapper script:

0. **No request stops the process**: ``SQLTrackerStore.session_scope`` turns any ``ValueError``
   inside a session into ``sys.exit(1)``; it is re-raised as ``TrackerStoreError`` instead
   (``install_tracker_store_guard``), behind the channels' own Unicode checks.
1. **Action calls time out** after ``ACTION_TIMEOUT_SECONDS`` (default 5) instead of Rasa's
   hard-coded 300 s (``rasa.core.constants.DEFAULT_REQUEST_TIMEOUT``, read at call time by
   ``RemoteAction.run`` and ``EndpointConfig.session``; rasa#9789 asked for a setting, 3.6 has
   none). The two module constants are lowered; nothing else of Rasa is changed for it.
2. **A failed action gets an answer**: when the action server is down, slow or answers 5xx,
   Rasa 3.6 logs a traceback and the user gets nothing (REST: 200 ``[]``). ``RemoteAction.run``
   is wrapped: the failure becomes one structured log line and a bot message ("something went
   wrong on our side, please try again in a minute"; the second time in a row it offers a
   human). The message is a ``BotUttered`` event, so the turn is stored with its answer. When
   ``action_handoff`` itself fails, the handoff slots are set here (the agent console reads them
   from the tracker) and the domain's ``utter_handoff`` is sent: the user asking for a person is
   exactly the one who must not be lost while the action server is down.
   ``ActionExecutionRejection`` (a form's validation saying no) is passed on untouched. Rasa drops
   the events of actions it runs inside others (a form's validation, slot-mapping actions), so
   ``MessageProcessor._run_prediction_loop`` is wrapped too: a turn in which an action failed ends
   with the failure message if it has none yet.
3. **The action server's shared secret**: with ``ACTION_SERVER_TOKEN`` set, every action call
   carries ``Authorization: Bearer <token>`` (EndpointConfig headers); the action server
   (``action_server``) refuses calls without it.
4. **Logs**: Rasa's response interpolator logs an ERROR with a traceback for every button
   payload ``/inform{"province":"beijing"}`` of a domain response (it reads the JSON as a
   ``{slot}`` template and returns the text unchanged): those records are dropped, real template
   errors are kept. Log messages longer than ``LOG_MAX_MESSAGE_CHARS`` (default 1000) are cut.
5. **One writer per SQLite tracker database**: two Rasa processes on one SQLite file with the
   default in-memory lock store interleave a sender's turns and lose some. The server takes an
   exclusive lock on ``<db>.lock`` when it starts and refuses to start when another process
   holds it, unless a shared lock store (e.g. ``lock_store: type: redis``) is configured.

Why the bilingual texts below are not domain responses: they answer a failure of the action
server from inside the Rasa process, and must work with whatever model is loaded (including one
trained before this module existed) and in whichever conversation state the failure happened;
a domain response would need every model retrained with it. ``reply_text`` is the one table of
texts the Rasa process produces itself (see also ``channels.limits.REPLIES``).
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
from datetime import datetime, timezone
from pathlib import Path
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Text, Tuple

logger = logging.getLogger(__name__)

TIMEOUT_ENV = "ACTION_TIMEOUT_SECONDS"
DEFAULT_TIMEOUT = 5.0
TOKEN_ENV = "ACTION_SERVER_TOKEN"
LOG_MAX_ENV = "LOG_MAX_MESSAGE_CHARS"
DEFAULT_LOG_MAX = 1000

FAILURE_MARK = "action_failure"  # metadata utter_action of the failure message (repeat detection)
HANDOFF_ACTION = "action_handoff"
# Runs after every user message (actions/handoff.py's waiting reminder). Its failure says nothing
# by itself: the end of the turn adds the failure message when nothing else answered the turn
# (a handoff recorded here in spite of the failure is such an answer).
PER_MESSAGE_HOOKS = frozenset({"action_validate_slot_mappings"})

# The texts the Rasa process produces itself when an action fails (see the module docstring).
FAILURE_REPLIES: Dict[Text, Dict[Text, Text]] = {
    "failed": {
        "en": "Sorry, something went wrong on our side. Please try again in a minute.",
        "zh": "抱歉，我们这边出了点问题，请过一分钟再试。",
    },
    "failed_again": {
        "en": (
            "Sorry, something is still wrong on our side. Please try again in a minute, or "
            "talk to a person."
        ),
        "zh": "抱歉，我们这边仍有问题。请过一分钟再试，或转人工客服。",
    },
    "human_button": {"en": "Talk to a person", "zh": "转人工客服"},
}


def hashed(sender_id: Any) -> Text:
    """A short stable pseudonym of a sender id for logs (the id itself may be a secret)."""
    return hashlib.sha256(str(sender_id).encode("utf-8", "replace")).hexdigest()[:12]


def log_turn_failure(event: Text, sender_id: Any, **fields: Any) -> None:
    """One structured ERROR line for a turn that failed: ``turn_failed {"event": ...}``."""
    record = {"event": event, "sender": hashed(sender_id), **fields}
    logger.error("turn_failed %s", json.dumps(record, ensure_ascii=False, default=str))


def _language(tracker: Any) -> Text:
    """The user's language: an explicit preference, else the language the NLU detected in this
    message (``parse_data["language"]`` or a ``language`` entity; the slot itself is filled by an
    action, which may be the one failing), else the slot, else English."""
    preference = tracker.get_slot("language_preference")
    if preference in ("en", "zh"):
        return preference
    latest = getattr(tracker, "latest_message", None)
    detected = (getattr(latest, "parse_data", None) or {}).get("language")
    if detected in ("en", "zh"):
        return detected  # components/ language detector, in the parse data of every message
    for entity in (getattr(latest, "entities", None) or []):
        if entity.get("entity") == "language" and entity.get("value") in ("en", "zh"):
            return entity["value"]
    language = tracker.get_slot("language")
    return language if language in ("en", "zh") else "en"


def _is_failure(event: Any) -> bool:
    from rasa.shared.core.events import BotUttered

    return isinstance(event, BotUttered) and (event.metadata or {}).get("utter_action") == FAILURE_MARK


def failure_message(tracker: Any) -> Optional[Dict[Text, Any]]:
    """The bot message for a failed action in ``tracker``'s current turn, or None when this turn
    already has one. When the turn before also failed, it offers a human (a button)."""
    from rasa.shared.core.events import UserUttered

    events = list(tracker.events)
    users = [i for i, event in enumerate(events) if isinstance(event, UserUttered)]
    this_turn = users[-1] if users else -1
    if any(_is_failure(event) for event in events[this_turn + 1 :]):
        return None
    previous_turn = users[-2] if len(users) > 1 else -1
    lang = _language(tracker)
    if this_turn >= 0 and any(_is_failure(e) for e in events[previous_turn + 1 : this_turn]):
        return {
            "text": FAILURE_REPLIES["failed_again"][lang],
            "buttons": [
                {"title": FAILURE_REPLIES["human_button"][lang], "payload": "/request_human"}
            ],
            "utter_action": FAILURE_MARK,
        }
    return {"text": FAILURE_REPLIES["failed"][lang], "utter_action": FAILURE_MARK}


async def failure_events(action_name: Text, nlg: Any, tracker: Any, output_channel: Any) -> List[Any]:
    """What a failed action leaves in the conversation instead of nothing."""
    from rasa.core.actions.action import create_bot_utterance
    from rasa.shared.core.events import SlotSet

    if action_name in PER_MESSAGE_HOOKS:
        return []
    if action_name == HANDOFF_ACTION and tracker.get_slot("handoff_status") != "waiting":
        # The same slots action_handoff sets (actions/handoff.py): the agent console finds the
        # conversation; utter_handoff is a domain response, Rasa renders it without the server.
        events: List[Any] = [
            SlotSet("handoff_status", "waiting"),
            SlotSet("handoff_requested_at", datetime.now(timezone.utc).isoformat(timespec="seconds")),
            SlotSet("handoff_reason", "requested"),
        ]
        # In the user's language even when action_detect_language failed too (the response's
        # variations are conditioned on the language slot).
        rendering = tracker.copy()
        rendering.update(SlotSet("language", _language(tracker)))
        # The same value action_handoff fills in ("if nobody answers within {wait} minutes").
        from actions.handoff import HandoffSettings

        wait = HandoffSettings.from_env().wait_label
        draft = await nlg.generate("utter_handoff", rendering, output_channel.name(), wait=wait)
        if draft:
            draft["utter_action"] = "utter_handoff"
            events.insert(0, create_bot_utterance(draft))
            _failed_turns[_turn_key(tracker)] = True  # answered: no failure message at the end
            return events
    message = failure_message(tracker)
    return [create_bot_utterance(message)] if message else []


# --- installation ------------------------------------------------------------------------------


def _float_env(name: Text, default: float) -> float:
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number of seconds") from None
    if value <= 0:
        raise ValueError(f"{name} must be positive (got {value})")
    return value


_installed = False
# Turns (sender id, time of the user message) in which an action failed; True once the turn has
# been answered for it otherwise (the handoff recorded here).
_failed_turns: "OrderedDict[Tuple[Text, float], Optional[bool]]" = OrderedDict()


def _turn_key(tracker: Any) -> Tuple[Text, float]:
    # The turn's user event, not ``latest_message``: the core fallback reverts the user message
    # (UserUtteranceReverted) and latest_message then points at the turn before.
    from rasa.shared.core.events import UserUttered

    latest = next((e for e in reversed(tracker.events) if isinstance(e, UserUttered)), None)
    return (str(tracker.sender_id), float(getattr(latest, "timestamp", 0) or 0))


def _first_failure_of_turn(tracker: Any) -> bool:
    """Marks the turn as failed; True the first time: several actions of one turn failing is
    one failed turn in the log."""
    key = _turn_key(tracker)
    if key in _failed_turns:
        return False
    _failed_turns[key] = None
    while len(_failed_turns) > 1000:
        _failed_turns.popitem(last=False)
    return True


async def answer_failed_turn(tracker: Any, output_channel: Any) -> None:
    """At the end of a turn in which an action failed: the failure message, unless the turn
    already has it. Needed because Rasa keeps a failed action's events only when the processor
    ran the action itself: a form's validation (``validate_<form>``) or a slot-mapping action
    (``action_detect_language``) failing has its events dropped, and the user would get a
    misleading "please rephrase" or nothing."""
    key = _turn_key(tracker)
    if key not in _failed_turns or _failed_turns[key] is True:
        return
    from rasa.core.actions.action import create_bot_utterance

    message = failure_message(tracker)
    if message is None:
        return
    event = create_bot_utterance(message)
    tracker.update(event)
    await output_channel.send_response(tracker.sender_id, event.message())


def install_action_guard() -> None:
    """Lowers the action call timeout, wraps ``RemoteAction.run`` and adds the shared secret.
    Idempotent: every channel calls it."""
    global _installed
    install_tracker_store_guard()
    if _installed:
        return
    import rasa.core.actions.action as rasa_action
    import rasa.utils.endpoints as rasa_endpoints
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction

    timeout = _float_env(TIMEOUT_ENV, DEFAULT_TIMEOUT)
    rasa_action.DEFAULT_REQUEST_TIMEOUT = timeout
    rasa_endpoints.DEFAULT_REQUEST_TIMEOUT = timeout
    token = (os.environ.get(TOKEN_ENV) or "").strip()
    original_run = RemoteAction.run

    async def run(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Any]:
        if token and self.action_endpoint is not None:
            self.action_endpoint.headers["Authorization"] = f"Bearer {token}"
        try:
            return await original_run(self, output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except Exception as e:  # down, timed out, 5xx, invalid answer
            if _first_failure_of_turn(tracker):
                cause = e.__cause__ or e
                log_turn_failure(
                    "action_failed",
                    tracker.sender_id,
                    action=self.name(),
                    error=type(cause).__name__,
                    detail=str(cause)[:200],
                    timeout_s=timeout,
                )
            return await failure_events(self.name(), nlg, tracker, output_channel)

    run.__wrapped__ = original_run  # type: ignore[attr-defined]
    RemoteAction.run = run  # type: ignore[assignment]

    from rasa.core.processor import MessageProcessor

    original_loop = MessageProcessor._run_prediction_loop

    async def run_prediction_loop(self: Any, output_channel: Any, tracker: Any) -> None:
        await original_loop(self, output_channel, tracker)
        await answer_failed_turn(tracker, output_channel)

    run_prediction_loop.__wrapped__ = original_loop  # type: ignore[attr-defined]
    MessageProcessor._run_prediction_loop = run_prediction_loop  # type: ignore[assignment]
    _installed = True
    logger.info(
        f"Action calls time out after {timeout:g} s"
        + ("; the action server's shared secret is sent" if token else "")
    )


class TrackerStoreError(RuntimeError):
    """A request's data the SQL tracker store could not write or read (e.g. not encodable)."""


_store_guarded = False


def install_tracker_store_guard() -> None:
    """Defence in depth behind ``channels.limits``: ``SQLTrackerStore.session_scope`` answers every
    ``ValueError`` raised inside a session (``UnicodeEncodeError`` of a lone surrogate included)
    with ``sys.exit(1)``, taking it for a missing PostgreSQL schema. A ``ValueError`` raised by the
    work done *inside* the session is re-raised as ``TrackerStoreError`` before it gets there: that
    request fails, the server stays up. The schema check itself (before the session is handed
    out) still stops the server, as intended."""
    global _store_guarded
    if _store_guarded:
        return
    import contextlib

    from rasa.core.tracker_store import SQLTrackerStore

    original_scope = SQLTrackerStore.session_scope

    @contextlib.contextmanager
    def session_scope(self: Any) -> Any:
        with original_scope(self) as session:
            try:
                yield session
            except ValueError as e:
                raise TrackerStoreError(f"tracker store operation failed: {type(e).__name__}") from e

    session_scope.__wrapped__ = original_scope  # type: ignore[attr-defined]
    SQLTrackerStore.session_scope = session_scope  # type: ignore[assignment]
    _store_guarded = True


class PayloadInterpolationFilter(logging.Filter):
    """Drops the interpolator's error for ``{...}`` that is a JSON object (a button payload such
    as ``/inform{"province":"beijing"}``), not a ``{slot}`` template."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "interpolator.interpolate.text" not in message:
            return True
        try:
            key = json.loads(message).get("placeholder_key", "")
        except ValueError:  # console renderer (a terminal): key='...'
            marker = "placeholder_key="
            at = message.find(marker)
            key = message[at + len(marker) + 1 :] if at >= 0 else ""
        return not str(key).lstrip().startswith('"')


class TruncatingFilter(logging.Filter):
    """Cuts log messages (a user's text inside one) to ``limit`` characters."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if len(message) > self.limit:
            record.msg = f"{message[: self.limit]}… [{len(message)} chars]"
            record.args = ()
        return True


class ReplacedActionErrorFilter(logging.Filter):
    """Drops Rasa's own ERROR for an action server it could not reach: the guard logs the failed
    turn once, as a structured line (several actions of a turn fail together)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.levelno >= logging.ERROR
            and _installed
            and record.getMessage().startswith("Failed to run custom action")
        )


def _add_filter(logger_name: Text, log_filter: logging.Filter) -> None:
    target = logging.getLogger(logger_name)
    if not any(type(f) is type(log_filter) for f in target.filters):
        target.addFilter(log_filter)


def install_log_filters() -> None:
    _add_filter("rasa.core.nlg.interpolator", PayloadInterpolationFilter())
    _add_filter("rasa.core.actions.action", ReplacedActionErrorFilter())
    limit = int(_float_env(LOG_MAX_ENV, DEFAULT_LOG_MAX))
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, TruncatingFilter) for f in handler.filters):
            handler.addFilter(TruncatingFilter(limit))


# --- one writer per SQLite tracker database ------------------------------------------------------


class SharedStoreRefused(SystemExit):
    """Raised at start-up: exits the process with the message."""


def sqlite_path(tracker_store: Any) -> Optional[Path]:
    """The database file of a SQL tracker store on SQLite (wrappers unwrapped), else None."""
    store = tracker_store
    for _ in range(5):
        inner = getattr(store, "_tracker_store", None)
        if inner is None:
            break
        store = inner
    engine = getattr(store, "engine", None)
    url = getattr(engine, "url", None)
    if url is None or url.get_backend_name() != "sqlite" or not url.database:
        return None
    return Path(url.database).resolve()


_locks: Dict[Path, Any] = {}


def hold_single_writer_lock(db: Path) -> bool:
    """Takes an exclusive, non-blocking lock on ``<db>.lock`` for the life of the process;
    False when another process holds it. The OS releases it when the process ends."""
    if db in _locks:
        return True
    handle = open(f"{db}.lock", "a+")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return False
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    _locks[db] = handle
    return True


def check_single_writer(agent: Any) -> None:
    from rasa.core.lock_store import InMemoryLockStore

    db = sqlite_path(getattr(agent, "tracker_store", None))
    if db is None:
        return
    if not isinstance(getattr(agent, "lock_store", None), InMemoryLockStore):
        return  # a shared lock store serialises the turns across processes
    if not hold_single_writer_lock(db):
        raise SharedStoreRefused(
            f"error: another Rasa process already uses the tracker database {db} (it holds "
            f"{db}.lock). Two processes on one SQLite store with the in-memory lock store lose "
            f"turns: stop the other one, give this one its own TRACKER_DB, or configure a shared "
            f"lock store (endpoints.yml lock_store: type: redis)."
        )


_started: set = set()


async def after_server_start(app: Any, _loop: Any = None) -> None:
    """The channels' ``after_server_start`` listener (each channel registers it; it runs once per
    app). After, not before: Rasa loads the agent (tracker and lock store) in a
    ``before_server_start`` listener registered after the channels' blueprints, and configures
    logging before that."""
    if id(app) in _started:
        return
    _started.add(id(app))
    install_log_filters()
    agent = getattr(app.ctx, "agent", None)
    if agent is not None:
        check_single_writer(agent)
