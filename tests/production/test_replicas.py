"""Two Rasa replicas on one PostgreSQL tracker store with the Redis lock store: no turn lost,
duplicated or reordered, and a conversation survives the loss and the restart of a replica."""
from __future__ import annotations

import threading
import time
from typing import List

import pytest

from tests.production.conftest import ProductionBot

pytestmark = [pytest.mark.production, pytest.mark.model]

# Distinct texts (so a duplicate or a reordering shows), both languages, topics that answer in
# one turn or open a dialog: what one impatient user typing fast could send.
BURST = [
    "hello", "你好", "how long does deregistration take", "注销备案需要多久",
    "what is an ICP number", "备案号是什么", "I forgot my filing password", "备案密码忘了怎么办",
    "do I need ICP filing for a Hong Kong server", "香港服务器需要备案吗",
    "jiangsu bureau website", "浙江管局网站", "what is the PSB filing", "公安备案是什么",
    "thank you", "谢谢", "can I change my filing information", "备案信息怎么变更",
    "what can you do", "你能做什么",
]


def user_texts(tracker: dict) -> List[str]:
    return [e.get("text") for e in tracker["events"] if e["event"] == "user"]


def turns_answered(tracker: dict) -> List[bool]:
    """For each user message: did at least one bot message follow before the next one?"""
    answered: List[bool] = []
    for event in tracker["events"]:
        if event["event"] == "user":
            answered.append(False)
        elif event["event"] == "bot" and answered:
            answered[-1] = True
    return answered


def bot_texts_after_each_user(tracker: dict) -> List[List[str]]:
    answers: List[List[str]] = []
    for event in tracker["events"]:
        if event["event"] == "user":
            answers.append([])
        elif event["event"] == "bot" and answers:
            answers[-1].append(event.get("text"))
    return answers


def test_burst_from_one_sender_alternating_replicas_keeps_every_turn_in_order(
        production: ProductionBot) -> None:
    sender = "burst-1"
    replicas = [production.cluster.replica_url(0), production.cluster.replica_url(1)]
    replies: List[list] = [None] * len(BURST)
    errors: List[BaseException] = []

    def send(i: int) -> None:
        try:
            replies[i] = production.say(replicas[i % 2], sender, BURST[i], timeout=180)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = []
    for i in range(len(BURST)):
        thread = threading.Thread(target=send, args=(i,))
        thread.start()
        threads.append(thread)
        # Faster than one sender's turns can be processed (a turn takes 130 ms or more, and they
        # are serialised), so they queue on the conversation's lock, but far enough apart that
        # the order in which they arrive is the order they were sent in.
        time.sleep(0.1)
    for thread in threads:
        thread.join(timeout=300)

    assert not errors, errors
    assert all(reply for reply in replies), [i for i, r in enumerate(replies) if not r]
    for url in replicas:  # both replicas see the same conversation
        tracker = production.tracker(url, sender)
        stored = user_texts(tracker)
        # none lost, none duplicated
        assert sorted(stored) == sorted(BURST), (stored, BURST)
        # in order: one sequence, each replica's messages in the order it received them (which
        # of two replicas takes a conversation's lock first depends on how busy each is)
        for first in (0, 1):
            sent_there = BURST[first::2]
            assert [t for t in stored if t in sent_there] == sent_there
        # one turn at a time: every message answered before the next one was read, and each
        # HTTP reply is the answer stored right after its own message
        assert all(turns_answered(tracker))
        answers = bot_texts_after_each_user(tracker)
        for i, text in enumerate(BURST):
            # Rasa's output channel sends a text's paragraphs as separate messages
            sent = "\n\n".join(m["text"] for m in replies[i] if m.get("text"))
            kept = "\n\n".join(t for t in answers[stored.index(text)] if t)
            assert sent == kept, text


@pytest.fixture(scope="module")
def dialog_sender() -> str:
    return "killed-replica-1"


def test_conversation_continues_on_the_other_replica_when_one_is_killed(
        production: ProductionBot, dialog_sender: str) -> None:
    first, second = production.cluster.replica_url(0), production.cluster.replica_url(1)
    assert production.say(first, dialog_sender, "我要注销备案")  # the general route first
    assert production.say(first, dialog_sender, "/affirm")  # "guide me step by step"
    before = production.tracker(first, dialog_sender)
    form = (before.get("active_loop") or {}).get("name")
    assert form, "the deregistration dialog did not start; nothing to continue"
    seen = len(before["events"])

    production.cluster.kill_replica(0)

    assert production.say(second, dialog_sender, "我自己的")
    after = production.tracker(second, dialog_sender)
    # The other replica went on from the stored conversation: everything before is there,
    # and it ran the dialog's form for the new answer instead of starting over.
    assert [e["event"] for e in after["events"][:seen]] == [e["event"] for e in before["events"]]
    assert user_texts(after) == ["我要注销备案", "/affirm", "我自己的"]
    new = after["events"][seen:]
    assert any(e["event"] == "action" and e.get("name") == form for e in new), new

    # nginx stops sending to the dead replica: every turn through it is answered
    for text in ["网站", "谢谢"]:
        assert production.say(production.cluster.url, dialog_sender, text)


def test_restarted_replica_resumes_the_conversation(
        production: ProductionBot, dialog_sender: str) -> None:
    if production.cluster.settings.rasa_ports()[0] in production.cluster.replicas:
        pytest.fail("runs after the kill test (same module, in order)")
    production.cluster.start_replica(0)
    url = production.cluster.replica_url(0)
    before = user_texts(production.tracker(url, dialog_sender))
    assert before[:3] == ["我要注销备案", "/affirm", "我自己的"]
    assert production.say(url, dialog_sender, "how long does deregistration take")
    tracker = production.tracker(url, dialog_sender)
    assert user_texts(tracker) == before + ["how long does deregistration take"]
    assert all(turns_answered(tracker))
