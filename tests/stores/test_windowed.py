"""The windowed tracker store: the same state as the full tracker, a bounded number of events,
every event stored once."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from stores.windowed import WindowedSQLTrackerStore

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet, inform]
slots:
  language: {type: categorical, values: [en, zh], influence_conversation: false, mappings: [{type: custom}]}
  province: {type: text, influence_conversation: false, mappings: [{type: custom}]}
  turn: {type: float, influence_conversation: false, mappings: [{type: custom}]}
forms:
  deregistration_form: {required_slots: [province]}
responses:
  utter_greet: [{text: hi}]
""")


def turn(i: int) -> list:
    return [UserUttered(f"message {i}", {"name": "greet", "confidence": 1.0}),
            SlotSet("turn", float(i)), ActionExecuted("utter_greet"), BotUttered(f"reply {i}"),
            ActionExecuted("action_listen")]


@pytest.fixture
def store(tmp_path: Path) -> WindowedSQLTrackerStore:
    return WindowedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"), window=40)


def stored_texts(store: WindowedSQLTrackerStore, sender: str) -> list:
    with sqlite3.connect(store.engine.url.database) as conn:
        rows = conn.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' "
                            "ORDER BY id", (sender,)).fetchall()
    import json
    return [json.loads(r[0])["text"] for r in rows]


async def test_long_conversation_is_windowed_with_the_same_state(store) -> None:
    tracker = DialogueStateTracker("u", DOMAIN.slots)
    tracker.update(ActionExecuted("action_listen"))
    tracker.update_with_events([SlotSet("language", "zh"), SlotSet("province", "jiangsu"),
                                ActiveLoop("deregistration_form")], DOMAIN)
    await store.save(tracker)
    for i in range(30):  # 150 events, several times the window, saved turn by turn
        tracker = await store.retrieve("u")
        tracker.update_with_events(turn(i), DOMAIN)
        await store.save(tracker)

    windowed = await store.retrieve("u")
    full = await store.retrieve_full_tracker("u")
    assert len(full.events) == 4 + 30 * 5
    assert len(windowed.events) <= 40 + 4
    assert windowed.current_slot_values() == full.current_slot_values()
    assert windowed.active_loop_name == full.active_loop_name == "deregistration_form"
    assert windowed.latest_message.text == "message 29"
    assert windowed.events[0].type_name == "slot"  # the snapshot comes first
    # every turn stored once, in order
    assert stored_texts(store, "u") == [f"message {i}" for i in range(30)]


async def test_short_conversation_is_not_changed(store) -> None:
    tracker = DialogueStateTracker("s", DOMAIN.slots)
    tracker.update_with_events([ActionExecuted("action_listen")] + turn(0), DOMAIN)
    await store.save(tracker)
    again = await store.retrieve("s")
    assert [e.as_dict() for e in again.events] == [e.as_dict() for e in tracker.events]


def test_a_tiny_window_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="window"):
        WindowedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"), window=5)


def test_cached_action_schema_accepts_and_rejects_as_rasa_does() -> None:
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction

    from stores import action_schema

    action = RemoteAction("action_x", None)
    good = {"events": [{"event": "slot", "name": "language", "value": "zh"}],
            "responses": [{"response": "utter_greet"}]}
    bad = {"events": [{"event": "no_such_event"}], "responses": []}
    action_schema.install()
    try:
        assert action._validate_action_result(good)
        with pytest.raises(ValidationError) as cached:
            action._validate_action_result(bad)
    finally:
        action_schema.uninstall()
    with pytest.raises(ValidationError) as original:
        action._validate_action_result(bad)
    assert cached.value.message == original.value.message


async def test_a_copy_of_a_windowed_tracker_saves_only_its_new_events(store) -> None:
    tracker = DialogueStateTracker("c", DOMAIN.slots)
    tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)
    for i in range(15):
        tracker = await store.retrieve("c")
        tracker.update_with_events(turn(i), DOMAIN)
        await store.save(tracker)
    copy = (await store.retrieve("c")).copy()  # no longer the object retrieve() handed out
    copy.update_with_events(turn(15), DOMAIN)
    await store.save(copy)
    assert stored_texts(store, "c") == [f"message {i}" for i in range(16)]


async def saved_conversation(store, sender, turns, extra=None):
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    tracker.update(ActionExecuted("action_listen"))
    tracker.update_with_events([SlotSet("language", "zh"), ActiveLoop("deregistration_form")], DOMAIN)
    await store.save(tracker)
    for i in range(turns):
        tracker = await store.retrieve(sender)
        events = turn(i)
        if i == 3:
            events = events[:1] + [SlotSet("province", "jiangsu")] + events[1:]
        if extra and i in extra:
            events = events[:-1] + extra[i] + events[-1:]
        tracker.update_with_events(events, DOMAIN)
        await store.save(tracker)


async def test_only_the_window_and_the_earlier_state_are_read(store, monkeypatch) -> None:
    """Turn 40 parses as many events as turn 15: the user messages before the window are not read."""
    await saved_conversation(store, "long", 40)
    parsed = []
    import stores.windowed as windowed_module

    real_loads = windowed_module.json.loads
    monkeypatch.setattr(windowed_module.json, "loads", lambda data: parsed.append(1) or real_loads(data))
    windowed = await store.retrieve("long")
    read = len(parsed)
    monkeypatch.undo()
    full = await store.retrieve_full_tracker("long")
    assert read < 40 + windowed_module.TAIL_SLACK + 45  # window + slack + the earlier slot events
    assert len(full.events) > 200
    assert windowed.current_slot_values() == full.current_slot_values()
    assert windowed.get_slot("province") == "jiangsu"  # set at turn 3, long before the window
    assert windowed.active_loop_name == "deregistration_form"


async def test_an_undo_before_the_window_replays_the_whole_session(store) -> None:
    from rasa.shared.core.events import UserUtteranceReverted

    # turn 5 sets a province and is then rewound: the province must not survive
    await saved_conversation(store, "undo", 30, extra={5: [SlotSet("province", "hunan"), UserUtteranceReverted()]})
    windowed = await store.retrieve("undo")
    full = await store.retrieve_full_tracker("undo")
    assert windowed.current_slot_values() == full.current_slot_values()
    assert windowed.get_slot("province") == "jiangsu"
