"""A SQL tracker store whose per-turn cost stops growing with the conversation.

Rasa 3.6's ``SQLTrackerStore`` already reads only the latest session's events, but a session
lasts as long as the user keeps writing (``session_expiration_time``), and every turn then
works on all of its events: the policies featurise the whole tracker for every predicted
action, and every custom action call sends the whole tracker to the action server as JSON,
where rasa-sdk parses it again (docs/benchmarks.md: turn 31–40 of one conversation cost
several times turn 1–10).

This store hands Rasa a tracker of the last ``window`` events only (cut at an
``action_listen``, so it starts at a turn boundary), preceded by a snapshot of the state the
earlier events left: one ``slot`` event per slot that differs from its initial value, the
active form, a paused conversation. Slots, the active form and everything the policies look at
(``max_history`` of at most 5 turns) are the same as with the full tracker; the action server
sees the same slots and the recent events. Only the last ``window`` (+ a few) events of the
session are read and parsed, and of the earlier ones only those that change that state (slots,
forms, pauses, restarts: a few per turn, not the user messages with their parse data), so
reading a turn also stops growing with the conversation; a session with an undo or a rewind
among those events is read and replayed in full, as Rasa would. The database still receives every event: ``save``
writes the events the turn added (counted from what ``retrieve`` handed out, not from a count
query over the session). ``retrieve_full_tracker`` (Rasa's HTTP API, ``rasa export``) returns
every event of every session, as before.

endpoints.yml::

    tracker_store:
      type: stores.windowed.WindowedSQLTrackerStore
      dialect: sqlite            # or postgresql, with url/port/username/password
      db: var/tracker.db
      window: 30
      cached_action_schema: true   # stores/action_schema.py
"""
from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Text

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import (
    ActionReverted,
    ActiveLoop,
    AllSlotsReset,
    ConversationPaused,
    ConversationResumed,
    Restarted,
    SlotSet,
    UserUtteranceReverted,
)
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

DEFAULT_WINDOW = 30  # events: 3-5 turns of this assistant; the policies look at 4-5 states (actions).
# 50 left turns 31-40 of a conversation 1.2-1.3x slower than turns 1-10 (the window fills in the
# first turns); 30 measured 1.12-1.17x (docs/benchmarks.md).
_STORED = "_windowed_store_saved_events"  # attribute set on the trackers this store hands out
# Events read beyond the window, to find a turn boundary (action_listen) to cut at: a turn of this
# assistant is 6-12 events.
TAIL_SLACK = 30
# What the state handed to Rasa before the window depends on (replayed by Rasa's own tracker).
STATE_EVENTS = (SlotSet.type_name, ActiveLoop.type_name, ConversationPaused.type_name,
                ConversationResumed.type_name, Restarted.type_name, AllSlotsReset.type_name)
# Events that undo earlier ones: with one of them among the events read, the whole session is.
REVERTING_EVENTS = (ActionReverted.type_name, UserUtteranceReverted.type_name)


class WindowedSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, window: int = DEFAULT_WINDOW,
                 cached_action_schema: bool = True, **kwargs: Any) -> None:
        if cached_action_schema:
            from stores import action_schema

            action_schema.install()  # see stores/action_schema.py: ~100 ms per action call
        window = int(window)
        if window < 20:
            raise ValueError(f"window must be at least 20 events (a few turns), not {window}")
        self.window = window
        super().__init__(*args, **kwargs)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        earlier: Optional[List[Dict[Text, Any]]] = None
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
            limit = self.window + TAIL_SLACK
            rows = list(reversed(query.order_by(None).order_by(self.SQLEvent.id.desc()).limit(limit).all()))
            if len(rows) == limit:  # the session may go back further: its state-changing events
                before = query.filter(
                    self.SQLEvent.id < rows[0].id,
                    self.SQLEvent.type_name.in_(STATE_EVENTS + REVERTING_EVENTS),
                ).all()
                if any(row.type_name in REVERTING_EVENTS for row in before + rows):
                    rows = query.all()  # an undo needs what it undoes: the whole session
                else:
                    earlier = [json.loads(row.data) for row in before]
            events = [json.loads(row.data) for row in rows]
        if not self.domain or not events:
            return None
        tracker = self.windowed(sender_id, events, earlier)
        setattr(tracker, _STORED, len(tracker.events))
        return tracker

    def windowed(
        self,
        sender_id: Text,
        events: List[Dict[Text, Any]],
        earlier: Optional[List[Dict[Text, Any]]] = None,
    ) -> DialogueStateTracker:
        """The tracker of the last ``window`` events after a snapshot of the earlier ones.

        ``events`` are the session's events, or its latest ones when ``earlier`` holds the
        state-changing events that came before them."""
        slots = self.domain.slots
        if earlier is None and len(events) <= self.window:
            return DialogueStateTracker.from_dict(sender_id, events, slots)
        cut = len(events) - self.window
        while cut < len(events) - 1 and not (
            events[cut].get("event") == "action" and events[cut].get("name") == ACTION_LISTEN_NAME
        ):
            cut += 1
        head_events = (earlier or []) + events[:cut]
        head = DialogueStateTracker.from_dict(sender_id, head_events, slots)
        at = head_events[-1].get("timestamp")
        snapshot = [
            SlotSet(slot.name, slot.value, timestamp=at)
            for slot in head.slots.values()
            if slot.value != slot.initial_value
        ]
        if head.active_loop_name:
            snapshot.append(ActiveLoop(head.active_loop_name, timestamp=at))
        if head.is_paused():
            snapshot.append(ConversationPaused(timestamp=at))
        return DialogueStateTracker.from_dict(
            sender_id, [e.as_dict() for e in snapshot] + events[cut:], slots
        )

    async def save(self, tracker: DialogueStateTracker) -> None:
        stored = getattr(tracker, _STORED, None)
        await self.stream_events(tracker)
        with self.session_scope() as session:
            if stored is not None:
                new = list(tracker.events)[stored:]
            else:
                # Not handed out by retrieve() (a new tracker, or a copy such as
                # tracker.copy() makes): the events after the last one stored.
                last = (session.query(self.SQLEvent.timestamp)
                        .filter(self.SQLEvent.sender_id == tracker.sender_id)
                        .order_by(self.SQLEvent.id.desc()).limit(1).scalar())
                new = [e for e in tracker.events if last is None or (e.timestamp or 0) > last]
            for event in new:
                data = event.as_dict()
                session.add(self.SQLEvent(
                    sender_id=tracker.sender_id,
                    type_name=event.type_name,
                    timestamp=data.get("timestamp"),
                    intent_name=data.get("parse_data", {}).get("intent", {}).get("name"),
                    action_name=data.get("name"),
                    data=json.dumps(data),
                ))
            session.commit()
        setattr(tracker, _STORED, len(tracker.events))
