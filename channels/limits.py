"""Input limits every channel applies before a message reaches Rasa's processor or tracker store.

One bad request must not stop the server, lose a turn or plant content in a conversation. What
Rasa 3.6 does with unchecked input (docs/ARCHITECTURE.md, /work/shared/notes/rasa-3.6-notes.md):

- a lone UTF-16 surrogate (``"\\udc00"``, valid in JSON) in a sender id or text makes the SQL
  tracker store raise ``UnicodeEncodeError``, which ``SQLTrackerStore.session_scope`` answers with
  ``sys.exit(1)`` (the whole server stops); in the text it also crashes spaCy's tokenizer;
- a 10 MB text becomes a 17 GB tensor; metadata nested 1,000 deep loses the turn;
- ``/intent{"domain": "<img …>"}`` typed by hand is stored as an entity and echoed back.

Use, in a channel (the channel turns ``InputRejected`` into its 4xx, or a polite reply where it
cannot answer with a status)::

    from channels import limits
    try:
        sender = limits.check_sender(raw_sender)
        checked = limits.check_text(raw_text)          # CheckedText(text, too_long)
        metadata = limits.check_metadata(raw_metadata)
    except limits.InputRejected as e:
        return 4xx with e.status and e.reason
    if checked.too_long:
        reply limits.reply_text("too_long") and do not call Rasa
    text = limits.clean_shortcut(checked.text)         # /intent{...}: bad entity values dropped

Every function is pure (no I/O; the limits are read from the environment only when no ``Limits``
is passed). ``request_size_limit`` is the one helper that changes something: the Sanic app's
``REQUEST_MAX_SIZE``.

Limits (environment variables, read when a channel is built; defaults in brackets):

=============================  =========  ========================================================
``INPUT_MAX_MESSAGE_CHARS``    [2000]     longer texts get the polite "please shorten" reply
``INPUT_MAX_SENDER_CHARS``     [128]      sender id length
``INPUT_SENDER_PATTERN``       see below  a sender id must match it in full
``INPUT_MAX_METADATA_BYTES``   [4096]     metadata as compact UTF-8 JSON
``INPUT_MAX_METADATA_DEPTH``   [4]        nesting of objects/arrays in metadata (``{}`` is 1)
``INPUT_MAX_REQUEST_BYTES``    [65536]    HTTP body (Sanic ``REQUEST_MAX_SIZE``) and socket.io
                                          packet (engine.io ``max_http_buffer_size``)
=============================  =========  ========================================================

The default sender pattern ``[A-Za-z0-9][A-Za-z0-9_.:@+=-]*`` covers uuid4 hex, WeChat openids,
e-mail-like ids and the socket.io channel's signed session ids; it has no ``/``, space, control
or bidi character, so an id is safe in a URL path, a log line and a file name.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Optional, Pattern, Text, Tuple

DEFAULT_SENDER_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.:@+=-]*"

ENV = {
    "max_message_chars": ("INPUT_MAX_MESSAGE_CHARS", 2000),
    "max_sender_chars": ("INPUT_MAX_SENDER_CHARS", 128),
    "max_metadata_bytes": ("INPUT_MAX_METADATA_BYTES", 4096),
    "max_metadata_depth": ("INPUT_MAX_METADATA_DEPTH", 4),
    "max_request_bytes": ("INPUT_MAX_REQUEST_BYTES", 65536),
}
SENDER_PATTERN_ENV = "INPUT_SENDER_PATTERN"


class InputRejected(ValueError):
    """A request part no channel may pass on. ``status`` is the HTTP status to answer with
    (400, or 413 for sizes), ``reason`` a short English sentence safe to show the client (it
    never repeats the input)."""

    def __init__(self, reason: Text, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class LimitsConfigurationError(ValueError):
    """An ``INPUT_*`` variable that cannot be used (raised when a channel is built)."""


@dataclass(frozen=True)
class Limits:
    max_message_chars: int = ENV["max_message_chars"][1]
    max_sender_chars: int = ENV["max_sender_chars"][1]
    max_metadata_bytes: int = ENV["max_metadata_bytes"][1]
    max_metadata_depth: int = ENV["max_metadata_depth"][1]
    max_request_bytes: int = ENV["max_request_bytes"][1]
    sender_pattern: Text = DEFAULT_SENDER_PATTERN

    @classmethod
    def from_env(cls, environ: Optional[Mapping[Text, Text]] = None) -> "Limits":
        """The limits set by the ``INPUT_*`` variables; unset or empty ones keep the default."""
        environ = os.environ if environ is None else environ
        values: Dict[Text, Any] = {}
        for field, (name, _default) in ENV.items():
            raw = (environ.get(name) or "").strip()
            if not raw:
                continue
            try:
                value = int(raw)
            except ValueError:
                raise LimitsConfigurationError(f"{name}={raw!r} is not a whole number") from None
            if value < 1:
                raise LimitsConfigurationError(f"{name} must be at least 1 (got {value})")
            values[field] = value
        pattern = (environ.get(SENDER_PATTERN_ENV) or "").strip()
        if pattern:
            try:
                re.compile(pattern)
            except re.error as e:
                raise LimitsConfigurationError(f"{SENDER_PATTERN_ENV} is not a regex: {e}") from None
            values["sender_pattern"] = pattern
        return cls(**values)

    def sender_regex(self) -> Pattern:
        return _compiled(self.sender_pattern)


_patterns: Dict[Text, Pattern] = {}


def _compiled(pattern: Text) -> Pattern:
    if pattern not in _patterns:
        _patterns[pattern] = re.compile(pattern)
    return _patterns[pattern]


# --- replies the channel gives itself -------------------------------------------------------------
#
# These two answers are produced in the channel, not by Rasa: a message refused here must not reach
# the processor or the tracker store (that is the point of refusing it), so no domain response can
# answer it. Both languages in one message: the text that could tell the language is the one that
# was refused.
REPLIES: Dict[Text, Text] = {
    "too_long": (
        "Your message is too long for me (over {limit} characters). Please shorten it, or send "
        "it in parts.\n\n您的消息太长了（超过 {limit} 个字符），请精简后再发，或分几次发送。"
    ),
    "unreadable": (
        "Sorry, I could not read that message. Please type it again.\n\n"
        "抱歉，这条消息无法识别，请重新输入。"
    ),
}


def reply_text(kind: Text, limits: Optional[Limits] = None) -> Text:
    limits = limits or Limits.from_env()
    return REPLIES[kind].format(limit=limits.max_message_chars)


# --- text ------------------------------------------------------------------------------------------

# Removed from message text: C0/C1 controls except tab and newline (NUL included), bidi embedding,
# override and isolate controls and LRM/RLM/ALM (they reorder what an agent or log reader sees),
# zero-width space and BOM. ZWJ/ZWNJ stay: emoji sequences and some scripts need them.
_STRIP = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)
_NEWLINES = re.compile("\r\n?")


@dataclass(frozen=True)
class CheckedText:
    text: Text
    too_long: bool = False


def ensure_unicode(value: Text, what: Text) -> None:
    """Raises ``InputRejected`` when ``value`` holds a lone surrogate (not encodable as UTF-8)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputRejected(f"{what} is not valid Unicode text (it holds a lone surrogate).")


def check_text(text: Any, limits: Optional[Limits] = None) -> CheckedText:
    """The message text cleaned: CR/CRLF -> LF, control, bidi and zero-width characters removed.

    Raises ``InputRejected`` (400) for a non-string or invalid Unicode. A text longer than
    ``max_message_chars`` after cleaning comes back with ``too_long=True`` (and unchanged
    otherwise): the channel answers it with ``reply_text("too_long")`` instead of truncating it.
    """
    limits = limits or Limits.from_env()
    if not isinstance(text, str):
        raise InputRejected("The message must be a string.")
    ensure_unicode(text, "The message")
    cleaned = _STRIP.sub("", _NEWLINES.sub("\n", text))
    return CheckedText(cleaned, too_long=len(cleaned) > limits.max_message_chars)


# --- sender id -------------------------------------------------------------------------------------


def check_sender(sender: Any, limits: Optional[Limits] = None) -> Text:
    """Returns ``sender`` when it is a string of at most ``max_sender_chars`` characters that
    matches the sender pattern in full; raises ``InputRejected`` (400) otherwise."""
    limits = limits or Limits.from_env()
    if not isinstance(sender, str) or not sender:
        raise InputRejected("The sender id must be a non-empty string.")
    if len(sender) > limits.max_sender_chars:
        raise InputRejected(f"The sender id is longer than {limits.max_sender_chars} characters.")
    ensure_unicode(sender, "The sender id")
    if not limits.sender_regex().fullmatch(sender):
        raise InputRejected(
            "The sender id may only hold letters, digits and _ . : @ + = - (starting with a "
            "letter or digit)."
        )
    return sender


# --- metadata --------------------------------------------------------------------------------------


def json_depth(value: Any) -> int:
    """Nesting depth of a JSON value (scalars 0, ``{}``/``[]`` 1), without recursion: metadata
    nested thousands deep must not hit Python's recursion limit here."""
    depth = 0
    stack: list = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            depth = max(depth, level)
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            depth = max(depth, level)
            stack.extend((v, level + 1) for v in item)
    return depth


def check_metadata(metadata: Any, limits: Optional[Limits] = None) -> Optional[Dict[Text, Any]]:
    """Returns ``metadata`` (``None`` stays ``None``) when it is a JSON object within the depth and
    size limits and holds valid Unicode only; raises ``InputRejected`` otherwise (413 for size)."""
    limits = limits or Limits.from_env()
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        raise InputRejected("The metadata, when given, must be a JSON object.")
    if json_depth(metadata) > limits.max_metadata_depth:
        raise InputRejected(
            f"The metadata is nested more than {limits.max_metadata_depth} levels deep."
        )
    try:
        encoded = json.dumps(metadata, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        raise InputRejected("The metadata is not valid Unicode text (it holds a lone surrogate).")
    except (TypeError, ValueError):
        raise InputRejected("The metadata must be plain JSON.")
    if len(encoded) > limits.max_metadata_bytes:
        raise InputRejected(
            f"The metadata is larger than {limits.max_metadata_bytes} bytes.", status=413
        )
    return metadata


# --- /intent{...} shortcuts ------------------------------------------------------------------------

# Rasa's own pattern (YAMLStoryReader._regex_message_pattern): /intent@confidence{entities}rest
_SHORTCUT = re.compile(r"^/(?P<intent>[^{@]+)(?P<confidence>@[0-9.]+)?(?P<entities>\{.+\})?(?P<rest>.*)$", re.S)
_INTENT_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}(?:/[a-z0-9_]{1,64})?")
# Intents that only Rasa itself may trigger: "/session_start" typed by a user made the turn lose
# its reply (200 []).
RESERVED_INTENTS = frozenset({"session_start"})

_TOKEN = re.compile(r"[a-z][a-z0-9_]{0,63}")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"(?:{_LABEL}\.)+(?:[a-z]{{2,24}}|xn--[a-z0-9-]{{1,59}})")
_SUFFIX = re.compile(r"(?:\.[a-z]{2,24}){1,2}")
# 京ICP备11018762号, 沪ICP备2021001234号-3 (the province abbreviation is one Han character)
_ICP_NUMBER = re.compile(r"[\u4e00-\u9fff]ICP备\d{6,12}号(?:-\d{1,4})?")


def _matches(pattern: Pattern, max_len: int = 253) -> Callable[[Text], bool]:
    return lambda value: len(value) <= max_len and bool(pattern.fullmatch(value))


def _one_of(*values: Text) -> Callable[[Text], bool]:
    allowed = frozenset(values)
    return lambda value: value in allowed


def valid_domain(value: Text) -> bool:
    """A host name as the entity extractor writes it (ASCII; IDN in its xn-- form), or an
    internationalised one (例子.中国) that encodes to IDNA."""
    if _matches(_DOMAIN)(value.lower()):
        return True
    try:
        ascii_form = value.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        return False
    return ascii_form != value and _matches(_DOMAIN)(ascii_form.lower())


# Every entity a shortcut may set, with the format its value must have. An entity not listed
# here is dropped from shortcuts: add new entities here (tests/channels/test_limits.py checks the
# domain's entities against this table). Membership in the knowledge (is "atlantis" a bureau?) is
# the actions' business; this keeps markup, templates and junk out of slots and replies.
ENTITY_FORMATS: Dict[Text, Callable[[Text], bool]] = {
    "language": _one_of("en", "zh"),
    "province": _matches(_TOKEN),  # bureau id, e.g. jiangsu, inner_mongolia
    "domain": valid_domain,
    "domain_suffix": lambda v: _matches(_SUFFIX, 50)(v.lower()),
    "icp_number": _matches(_ICP_NUMBER, 30),
    "server_location": _one_of("mainland", "hong_kong", "overseas"),
    "provider": _matches(_TOKEN),
    "handoff_reason": _one_of("requested", "fallback"),
    "faq_id": _matches(_TOKEN),
    # categorical dialog answers (values of knowledge.decisions.INPUTS)
    "application_stage": _matches(_TOKEN),
    "dereg_online": _matches(_TOKEN),
    "dereg_owner": _matches(_TOKEN),
    "dereg_scope": _matches(_TOKEN),
    "domain_filing": _matches(_TOKEN),
    "new_websites": _matches(_TOKEN),
    "provider_change": _matches(_TOKEN),
    "server_reachable": _matches(_TOKEN),
    "service_type": _matches(_TOKEN),
}


def valid_entity(name: Text, value: Any) -> bool:
    """True when ``value`` is a string in the format of entity ``name``."""
    check = ENTITY_FORMATS.get(name)
    return check is not None and isinstance(value, str) and check(value)


def clean_shortcut(text: Text) -> Text:
    """``/intent{...}`` with only well-formed entity values kept; other texts unchanged.

    The confidence (``@0.3``) and anything after the entities are dropped, an entity that is not
    in ``ENTITY_FORMATS`` or whose value is not a string of its format is dropped, and an entity
    object that is not a JSON object is dropped whole. A shortcut with a reserved intent
    (``/session_start``) or an intent name that is no identifier loses its leading ``/`` and is
    read by the NLU as ordinary words. Never raises.
    """
    stripped = text.strip()
    if not stripped.startswith("/"):
        return text
    match = _SHORTCUT.match(stripped)
    if not match:
        return stripped[1:].strip()
    intent = match.group("intent").strip()
    if not _INTENT_NAME.fullmatch(intent) or intent in RESERVED_INTENTS:
        return stripped[1:].strip()
    entities, _dropped = clean_entities(match.group("entities"))
    if not entities:
        return f"/{intent}"
    return f"/{intent}" + json.dumps(entities, ensure_ascii=False, separators=(",", ":"))


def clean_entities(raw: Optional[Text]) -> Tuple[Dict[Text, Text], int]:
    """The valid entities of a shortcut's JSON object and the number of entries dropped."""
    if not raw:
        return {}, 0
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):
        return {}, 1
    if not isinstance(parsed, dict):
        return {}, 1
    kept = {name: value for name, value in parsed.items() if valid_entity(name, value)}
    return kept, len(parsed) - len(kept)


# --- request size ----------------------------------------------------------------------------------


def request_size_limit(app: Any, limits: Optional[Limits] = None) -> int:
    """Lowers the Sanic app's ``REQUEST_MAX_SIZE`` (100 MB by default) to ``max_request_bytes``;
    never raises it (another channel may have set a lower one). Sanic refuses a larger body by its
    Content-Length with 413 before reading it. Called from a channel blueprint's ``register``."""
    limits = limits or Limits.from_env()
    current = int(getattr(app.config, "REQUEST_MAX_SIZE", limits.max_request_bytes))
    app.config.REQUEST_MAX_SIZE = min(current, limits.max_request_bytes)
    return app.config.REQUEST_MAX_SIZE

