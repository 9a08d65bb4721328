"""Handing the conversation to a human agent.

The agent-assist tool finds waiting conversations by their slots: ``handoff_status`` = waiting,
``handoff_requested_at`` (ISO 8601, UTC) and ``handoff_reason`` (requested: the user asked;
fallback: the user accepted the offer made after the bot failed to understand twice).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import entity_values
from actions.dialog import DIALOG_SLOTS

WAITING = "waiting"
REASONS = ("requested", "fallback")


def _now() -> datetime:
    return datetime.now(timezone.utc)


class ActionHandoff(Action):
    def __init__(self, clock: Optional[Callable[[], datetime]] = None) -> None:
        super().__init__()
        self._clock = clock or _now

    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        if tracker.get_slot("handoff_status") == WAITING:
            # Keep the first request's time: the queue is ordered by it.
            dispatcher.utter_message(response="utter_handoff_already_waiting")
            return []
        # The fallback's "talk to a human" button says why; anything typed is a plain request.
        reason = next((r for r in entity_values(tracker, "handoff_reason") if r in REASONS), REASONS[0])
        dispatcher.utter_message(response="utter_handoff")
        # The dialog the user was in (if any) has been deactivated by the rules; its answers stay
        # visible to the agent in the conversation history.
        return [
            SlotSet("handoff_status", WAITING),
            SlotSet("handoff_requested_at", self._clock().isoformat(timespec="seconds")),
            SlotSet("handoff_reason", reason),
        ] + [SlotSet(slot, None) for slot in DIALOG_SLOTS]
