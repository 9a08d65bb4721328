"""Builds rasa-sdk Trackers by keyword, so tests say only what matters to them."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker


def make_message(
    text: str = "",
    intent: Optional[str] = None,
    confidence: float = 1.0,
    entities: Optional[List[Dict[str, Any]]] = None,
    language: Optional[str] = None,
    response_key: Optional[str] = None,
    response_confidence: float = 1.0,
    intent_ranking: Optional[List[Dict[str, Any]]] = None,
    response_ranking: Optional[List[Dict[str, Any]]] = None,
) -> Dict[str, Any]:
    message: Dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence} if intent else {},
        "entities": entities or [],
        "intent_ranking": intent_ranking
        or ([{"name": intent, "confidence": confidence}] if intent else []),
    }
    if language is not None:
        message["language"] = language
    if response_key is not None or response_ranking is not None:
        message["response_selector"] = {
            "all_retrieval_intents": ["faq"],
            "faq": {
                "response": {
                    "intent_response_key": response_key,
                    "confidence": response_confidence,
                },
                "ranking": response_ranking
                or [{"intent_response_key": response_key, "confidence": response_confidence}],
            },
        }
    return message


def entity(name: str, value: Any, start: int = 0, end: int = 0) -> Dict[str, Any]:
    return {"entity": name, "value": value, "start": start, "end": end}


def make_tracker(
    sender_id: str = "test-user",
    slots: Optional[Dict[str, Any]] = None,
    events: Optional[List[Dict[str, Any]]] = None,
    active_loop: Optional[str] = None,
    latest_action: str = "action_listen",
    **message: Any,
) -> Tracker:
    """A tracker whose latest user message is built from ``message`` keywords."""
    return Tracker(
        sender_id=sender_id,
        slots=dict(slots or {}),
        latest_message=make_message(**message),
        events=list(events or []),
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name=latest_action,
    )


def make_form_tracker(
    form: str,
    requested: Optional[str] = None,
    slots: Optional[Dict[str, Any]] = None,
    candidates: Optional[Dict[str, Any]] = None,
    **message: Any,
) -> Tracker:
    """The tracker Rasa sends to ``validate_<form>``: the form was just executed, followed by the
    slot values extracted from the latest message (``candidates``). ``requested`` is the slot the
    form had asked for; None means the latest message opened the form."""
    candidates = dict(candidates or {})
    user = {"event": "user", "text": message.get("text", "")}
    activation = {"event": "active_loop", "name": form}
    events = ([activation, user] if requested else [user, activation]) + [{"event": "action", "name": form}]
    events += [{"event": "slot", "name": name, "value": value} for name, value in candidates.items()]
    return make_tracker(
        slots={**(slots or {}), **candidates, "requested_slot": requested},
        events=events,
        active_loop=form,
        latest_action=form,
        **message,
    )
