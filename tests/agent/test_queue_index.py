"""The queue reads only conversations that were ever handed over, from a real SQL tracker store."""
from __future__ import annotations

import pytest
from rasa.core.tracker_store import AwaitableTrackerStore, InMemoryTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from channels.agent import handoff_candidates

DOMAIN = Domain.from_dict({"slots": {
    "handoff_status": {"type": "any", "mappings": [{"type": "custom"}]},
    "province": {"type": "any", "mappings": [{"type": "custom"}]},
}})


async def _save(store, sender: str, *events) -> None:
    tracker = DialogueStateTracker.from_events(sender, list(events), DOMAIN.slots)
    await store.save(tracker)


@pytest.fixture
def sql_store(tmp_path):
    return SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "trackers.db"))


async def test_only_senders_with_a_handoff_slot_are_candidates(sql_store):
    await _save(sql_store, "asked-human", UserUttered("人工"), SlotSet("handoff_status", "waiting"))
    await _save(sql_store, "released", SlotSet("handoff_status", "waiting"), SlotSet("handoff_status", None))
    await _save(sql_store, "never", UserUttered("江苏"), SlotSet("province", "jiangsu"))
    # also through the wrapper Rasa puts around every store
    for store in (sql_store, AwaitableTrackerStore(sql_store)):
        assert sorted(handoff_candidates(store)) == ["asked-human", "released"]


async def test_no_handoff_at_all_reads_nothing(sql_store):
    await _save(sql_store, "never", UserUttered("hello"))
    assert handoff_candidates(sql_store) == []


def test_other_stores_say_they_cannot_tell():
    assert handoff_candidates(InMemoryTrackerStore(DOMAIN)) is None
