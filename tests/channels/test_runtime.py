"""channels.runtime: action failures answered, log filters, one writer per SQLite database."""
import json
import logging
import subprocess
import sys
import textwrap

import pytest
from rasa.core.actions.action import create_bot_utterance
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from channels import runtime


def tracker(*events, language=None):
    t = DialogueStateTracker.from_events("u1", list(events), slots=[])
    t.get_slot = lambda name: language if name == "language" else None  # no domain needed
    return t


def failure():
    return create_bot_utterance(runtime.failure_message(tracker(UserUttered("x"))))


@pytest.mark.parametrize("language, words", [("en", "try again"), ("zh", "再试"), (None, "try again")])
def test_first_failure_says_try_again_in_the_users_language(language, words):
    message = runtime.failure_message(tracker(UserUttered("hi"), language=language))
    assert words in message["text"] and "buttons" not in message
    assert message["utter_action"] == runtime.FAILURE_MARK


def test_second_failed_turn_in_a_row_offers_a_human():
    t = tracker(UserUttered("hi"), failure(), ActionExecuted("action_listen"), UserUttered("again"), language="zh")
    message = runtime.failure_message(t)
    assert "人工" in message["text"]
    assert message["buttons"] == [{"title": "转人工客服", "payload": "/request_human"}]


def test_a_good_turn_in_between_starts_over():
    t = tracker(
        UserUttered("hi"), failure(), UserUttered("ok"), BotUttered("fine"), UserUttered("again")
    )
    assert "buttons" not in runtime.failure_message(t)


def test_one_failure_message_per_turn():
    assert runtime.failure_message(tracker(UserUttered("hi"), failure())) is None


class FakeNLG:
    async def generate(self, name, tracker, channel, **kwargs):
        return {"text": f"[{name}]"} if name == "utter_handoff" else None


class FakeChannel:
    @staticmethod
    def name():
        return "rest"


async def test_a_failed_handoff_still_records_the_request():
    t = DialogueStateTracker.from_events("u-handoff", [UserUttered("人工")], slots=[])
    runtime._first_failure_of_turn(t)
    events = await runtime.failure_events("action_handoff", FakeNLG(), t, FakeChannel())
    assert events[0].text == "[utter_handoff]"
    slots = {e.key: e.value for e in events if isinstance(e, SlotSet)}
    assert slots["handoff_status"] == "waiting" and slots["handoff_reason"] == "requested"
    channel = CollectingChannel()
    await runtime.answer_failed_turn(t, channel)
    assert channel.sent == []  # the handoff answered the turn


async def test_other_failed_actions_get_the_polite_message():
    events = await runtime.failure_events("action_bureau_link", FakeNLG(), tracker(UserUttered("x")), FakeChannel())
    assert [type(e) for e in events] == [BotUttered] and "try again" in events[0].text


async def test_a_failed_per_message_hook_leaves_the_answer_to_the_end_of_the_turn():
    # action_validate_slot_mappings runs after every message: its failure alone says nothing, the
    # end of the turn answers it once (and not at all when the turn was answered otherwise)
    t = tracker(UserUttered("hello"))
    runtime._first_failure_of_turn(t)
    assert await runtime.failure_events("action_validate_slot_mappings", FakeNLG(), t, FakeChannel()) == []
    channel = CollectingChannel()
    await runtime.answer_failed_turn(t, channel)
    assert len(channel.sent) == 1 and "try again" in channel.sent[0]["text"]


def test_sender_ids_are_hashed_in_the_failure_line(caplog):
    with caplog.at_level(logging.ERROR, logger="channels.runtime"):
        runtime.log_turn_failure("action_failed", "secret-session-id", action="a")
    (line,) = [r.getMessage() for r in caplog.records]
    assert "secret-session-id" not in line
    assert json.loads(line.split(" ", 1)[1])["sender"] == runtime.hashed("secret-session-id")


# --- log filters -----------------------------------------------------------------------------------


def record(message, name="rasa.core.nlg.interpolator"):
    return logging.LogRecord(name, logging.ERROR, __file__, 1, message, (), None)


def test_payload_interpolation_errors_are_dropped_template_errors_kept():
    f = runtime.PayloadInterpolationFilter()
    payload = json.dumps({"event": "interpolator.interpolate.text", "placeholder_key": '"province":"beijing"'})
    template = json.dumps({"event": "interpolator.interpolate.text", "placeholder_key": "provnce"})
    assert not f.filter(record(payload))
    assert f.filter(record(template))
    assert not f.filter(record("interpolator.interpolate.text placeholder_key='\"province\":\"x\"'"))
    assert f.filter(record("something else"))


def test_long_log_messages_are_cut():
    r = record("x" * 5000)
    assert runtime.TruncatingFilter(100).filter(r)
    assert r.getMessage().startswith("x" * 100 + "…") and "5000 chars" in r.getMessage()


# --- single writer ---------------------------------------------------------------------------------


def test_a_second_process_cannot_take_the_database_lock(tmp_path):
    db = tmp_path / "tracker.db"
    assert runtime.hold_single_writer_lock(db)
    assert runtime.hold_single_writer_lock(db)  # the same process again: fine
    other = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(f"""
            from pathlib import Path
            from channels import runtime
            print(runtime.hold_single_writer_lock(Path({str(db)!r})))
        """)],
        capture_output=True, text=True, cwd=str(__import__("pathlib").Path(__file__).parents[2]),
    )
    assert other.stdout.strip() == "False", other.stderr


def test_sqlite_path_of_rasas_sql_tracker_store(tmp_path):
    from rasa.core.tracker_store import AwaitableTrackerStore, SQLTrackerStore
    from rasa.core.tracker_store import InMemoryTrackerStore

    store = SQLTrackerStore(dialect="sqlite", db=str(tmp_path / "t.db"))
    assert runtime.sqlite_path(AwaitableTrackerStore(store)) == (tmp_path / "t.db").resolve()
    assert runtime.sqlite_path(InMemoryTrackerStore(None)) is None


async def test_a_second_server_on_one_sqlite_store_is_refused_at_start(tmp_path):
    """after_server_start with Rasa's own stores: a database whose lock another process holds
    stops the start with a message that says what to do; a shared lock store is let through."""
    from types import SimpleNamespace

    from rasa.core.lock_store import InMemoryLockStore, RedisLockStore
    from rasa.core.tracker_store import SQLTrackerStore

    db = tmp_path / "tracker.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from pathlib import Path
            from channels import runtime
            print(runtime.hold_single_writer_lock(Path({str(db)!r})), flush=True)
            time.sleep(60)
        """)],
        stdout=subprocess.PIPE, text=True, cwd=str(__import__("pathlib").Path(__file__).parents[2]),
    )
    try:
        assert holder.stdout.readline().strip() == "True"
        store = SQLTrackerStore(dialect="sqlite", db=str(db))
        app = SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(tracker_store=store, lock_store=InMemoryLockStore())))
        with pytest.raises(SystemExit) as refused:
            await runtime.after_server_start(app)
        assert "another Rasa process already uses the tracker database" in str(refused.value)
        assert "lock_store" in str(refused.value)

        shared = object.__new__(RedisLockStore)  # a shared lock store: no refusal (no Redis needed)
        app = SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(tracker_store=store, lock_store=shared)))
        await runtime.after_server_start(app)
    finally:
        holder.kill()
        holder.wait()


class CollectingChannel:
    def __init__(self):
        self.sent = []

    @staticmethod
    def name():
        return "rest"

    async def send_response(self, recipient_id, message):
        self.sent.append(message)


async def test_a_turn_whose_failure_was_dropped_still_ends_with_the_failure_message():
    t = tracker(UserUttered("我自己的"), BotUttered("please rephrase"), language="zh")
    channel = CollectingChannel()
    await runtime.answer_failed_turn(t, channel)
    assert channel.sent == []  # nothing failed in this turn

    assert runtime._first_failure_of_turn(t)  # what the RemoteAction wrapper does on failure
    await runtime.answer_failed_turn(t, channel)
    assert [m["text"] for m in channel.sent] == [runtime.FAILURE_REPLIES["failed"]["zh"]]
    assert runtime._is_failure(list(t.events)[-1])  # stored with the turn
    await runtime.answer_failed_turn(t, channel)
    assert len(channel.sent) == 1  # once


async def test_an_unencodable_sender_fails_the_request_not_the_process(tmp_path):
    from rasa.core.tracker_store import SQLTrackerStore

    runtime.install_tracker_store_guard()
    store = SQLTrackerStore(dialect="sqlite", db=str(tmp_path / "t.db"))
    bad = DialogueStateTracker.from_events("x\udc00", [UserUttered("hi")])
    with pytest.raises(runtime.TrackerStoreError):
        await store.save(bad)
    good = DialogueStateTracker.from_events("u1", [UserUttered("hi")])
    await store.save(good)  # the store still works
    assert (await store.retrieve("u1")).latest_message.text == "hi"


def test_the_language_detected_in_the_message_wins_over_an_unfilled_slot():
    message = UserUttered("我自己的", parse_data={"intent": {}, "entities": [], "language": "zh"})
    assert "再试" in runtime.failure_message(tracker(message))["text"]


async def test_a_reverted_user_message_still_counts_as_this_turn():
    from rasa.shared.core.events import UserUtteranceReverted

    first, second = UserUttered("a"), UserUttered("b")
    t = DialogueStateTracker.from_events("u-revert", [first, BotUttered("x"), second], slots=[])
    assert runtime._first_failure_of_turn(t)
    t.update(BotUttered("please rephrase"))
    t.update(UserUtteranceReverted())  # the core fallback; latest_message is "a" again
    channel = CollectingChannel()
    await runtime.answer_failed_turn(t, channel)
    assert len(channel.sent) == 1
