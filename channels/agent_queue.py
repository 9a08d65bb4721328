"""What an agent sees of a conversation: queue entries and transcripts, read from Rasa trackers.

Pure functions over ``DialogueStateTracker`` objects (the tracker store's own records), so the
queue is exactly what the bot knows: the handoff slots set by ``action_handoff``, the facts its
dialogs collected and the messages exchanged. Agent replies are ``BotUttered`` events whose
metadata carries ``AGENT_MARK``.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Sequence, Text

from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from knowledge import INPUTS

AGENT_MARK = "from_agent"
# Facts worth an agent's eye: every input of the decision functions (province, server location,
# the dialogs' answers …) and what the entity extractor finds beyond them.
FACT_SLOTS = tuple(dict.fromkeys([*INPUTS, "domain", "provider", "last_faq_id"]))
LAST_USER_MESSAGES = 3


def _iso(timestamp: Optional[float]) -> Optional[Text]:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="seconds")


def is_agent_message(event: Any) -> bool:
    return isinstance(event, BotUttered) and bool((event.metadata or {}).get(AGENT_MARK))


def facts(tracker: DialogueStateTracker) -> Dict[Text, Any]:
    """Each fact slot's last known value, also when a later reset emptied it: the handoff ends
    the dialog the user was in and resets its slots, but the agent still needs the answers."""
    known: Dict[Text, Any] = {}
    for event in tracker.events:
        key = getattr(event, "key", None)
        if event.type_name == "slot" and key in FACT_SLOTS and event.value not in (None, "", []):
            known[key] = event.value
    for slot in FACT_SLOTS:
        value = tracker.get_slot(slot) if slot in tracker.slots else None
        if value not in (None, "", []):
            known[slot] = value
    return {slot: known[slot] for slot in FACT_SLOTS if slot in known}


def user_messages(tracker: DialogueStateTracker) -> List[UserUttered]:
    return [e for e in tracker.events if isinstance(e, UserUttered) and e.text is not None]


def last_user_question(tracker: DialogueStateTracker) -> Optional[Text]:
    """The last thing the user typed (button payloads such as /greet{…} are no question)."""
    for event in reversed(user_messages(tracker)):
        if event.text and not event.text.startswith("/"):
            return event.text
    return None


def message_json(event: Any) -> Optional[Dict[Text, Any]]:
    if isinstance(event, UserUttered):
        return {
            "from": "user",
            "text": event.text or "",
            "time": _iso(event.timestamp),
            "intent": (event.intent or {}).get("name"),
            "payload": bool(event.text and event.text.startswith("/")),
        }
    if isinstance(event, BotUttered):
        data = event.data or {}
        return {
            "from": "agent" if is_agent_message(event) else "bot",
            "text": event.text or "",
            "time": _iso(event.timestamp),
            "buttons": [str(b.get("title", "")) for b in data.get("buttons") or [] if isinstance(b, dict)],
            **({"agent": (event.metadata or {}).get("agent")} if is_agent_message(event) else {}),
        }
    return None


def summary(tracker: DialogueStateTracker, now: datetime) -> Dict[Text, Any]:
    """One line of the queue."""
    requested = tracker.get_slot("handoff_requested_at")
    waited = None
    if requested:
        try:
            waited = max(0, int((now - datetime.fromisoformat(str(requested))).total_seconds()))
        except (TypeError, ValueError):
            waited = None
    texts = [e.text for e in user_messages(tracker) if e.text and not e.text.startswith("/")]
    return {
        "sender_id": tracker.sender_id,
        "channel": tracker.get_latest_input_channel(),
        "language": tracker.get_slot("language"),
        "status": tracker.get_slot("handoff_status"),
        "waiting_since": requested,
        "waited_seconds": waited,
        "reason": tracker.get_slot("handoff_reason"),
        "facts": facts(tracker),
        "last_user_messages": texts[-LAST_USER_MESSAGES:],
        "paused": tracker.is_paused(),
    }


def transcript(tracker: DialogueStateTracker, now: datetime) -> Dict[Text, Any]:
    messages = [m for m in map(message_json, tracker.events) if m is not None]
    return {**summary(tracker, now), "messages": messages}


def in_status(trackers: Sequence[DialogueStateTracker], status: Optional[Text]) -> List[DialogueStateTracker]:
    """Trackers with ``handoff_status`` = ``status`` (any handoff status when None), oldest
    request first."""
    chosen = [
        t for t in trackers
        if (t.get_slot("handoff_status") == status if status else t.get_slot("handoff_status"))
    ]
    return sorted(chosen, key=lambda t: str(t.get_slot("handoff_requested_at") or ""))
