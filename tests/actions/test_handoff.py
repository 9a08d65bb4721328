"""Handoff: a clear message and the slots the agent-assist tool reads."""
from datetime import datetime, timezone

import pytest
from rasa_sdk.events import SlotSet

from actions.handoff import ActionHandoff
from tests.factories import entity, make_tracker

NOW = datetime(2026, 11, 23, 16, 5, 0, tzinfo=timezone.utc)


def clock():
    return NOW


@pytest.mark.parametrize(
    "text, entities, reason",
    [
        ("转人工", [], "requested"),
        ("talk to a human", [], "requested"),
        ('/request_human{"handoff_reason":"fallback"}', [entity("handoff_reason", "fallback")], "fallback"),
        ('/request_human{"handoff_reason":"vip"}', [entity("handoff_reason", "vip")], "requested"),
    ],
)
async def test_marks_the_conversation_as_waiting(dispatcher, text, entities, reason):
    tracker = make_tracker(slots={"dereg_owner": "own"}, text=text, intent="request_human", entities=entities)
    events = await ActionHandoff(clock=clock).run(dispatcher, tracker, {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff"]
    assert events[:3] == [
        SlotSet("handoff_status", "waiting"),
        SlotSet("handoff_requested_at", "2026-11-23T16:05:00+00:00"),
        SlotSet("handoff_reason", reason),
    ]
    # the dialog the user was in is over (the rules deactivated its form)
    assert SlotSet("dereg_owner", None) in events


async def test_asking_again_keeps_the_place_in_the_queue(dispatcher):
    slots = {"handoff_status": "waiting", "handoff_requested_at": "2026-11-23T15:00:00+00:00"}
    events = await ActionHandoff(clock=clock).run(dispatcher, make_tracker(slots=slots, intent="request_human"), {})
    assert events == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff_already_waiting"]


def test_default_clock_is_utc_iso():
    stamp = ActionHandoff()._clock().isoformat(timespec="seconds")
    assert stamp.endswith("+00:00")
