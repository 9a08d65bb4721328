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
sees the same slots and the recent events. The database still receives every event: ``save``
writes the events the turn added (counted from what ``retrieve`` handed out, not from a count
query over the session). ``retrieve_full_tracker`` (Rasa's HTTP API, ``rasa export``) returns
every event of every session, as before.

endpoints.yml::

    tracker_store:
      type: stores.windowed.WindowedSQLTrackerStore
      dialect: sqlite            # or postgresql, with url/port/username/password
      db: var/tracker.db
      window: 50
      cached_action_schema: true   # stores/action_schema.py
"""
from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Text

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActiveLoop, ConversationPaused, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

DEFAULT_WINDOW = 50  # events: ~6-8 turns of this assistant; the policies look at 4-5 states (actions)
_STORED = "_windowed_store_saved_events"  # attribute set on the trackers this store hands out


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
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
            events = [json.loads(row.data) for row in rows]
        if not self.domain or not events:
            return None
        tracker = self.windowed(sender_id, events)
        setattr(tracker, _STORED, len(tracker.events))
        return tracker

    def windowed(self, sender_id: Text, events: List[Dict[Text, Any]]) -> DialogueStateTracker:
        """The tracker of the last ``window`` events after a snapshot of the earlier ones."""
        slots = self.domain.slots
        if len(events) <= self.window:
            return DialogueStateTracker.from_dict(sender_id, events, slots)
        cut = len(events) - self.window
        while cut < len(events) - 1 and not (
            events[cut].get("event") == "action" and events[cut].get("name") == ACTION_LISTEN_NAME
        ):
            cut += 1
        head = DialogueStateTracker.from_dict(sender_id, events[:cut], slots)
        at = events[cut - 1].get("timestamp")
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
