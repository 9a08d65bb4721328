"""How suggestions are built from a parse result (channels/agent_assist.py), without a model:
the ensemble's scores are recovered, dialog openers count, weak guesses are dropped, a province
entity adds its bureau, and the queue's facts survive the handoff's slot reset."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from actions.render import clean_url, unique_links
from channels.agent_assist import ranked_entries, suggestions, urls_in
from channels.agent_queue import AGENT_MARK, facts, last_user_question, transcript
from knowledge import bureau_links, load_knowledge

KB = load_knowledge()


def parse(faq: float, answers, intents=(), entities=(), language="en"):
    return {
        "language": language,
        "intent": {"name": "faq", "confidence": faq},
        "intent_ranking": [{"name": "faq", "confidence": faq}] + [{"name": n, "confidence": c} for n, c in intents],
        "response_selector": {"faq": {"ranking": [
            {"intent_response_key": f"faq/{key}", "confidence": c} for key, c in answers]}},
        "entities": list(entities),
    }


def test_answer_scores_are_the_ensembles_and_dialog_openers_compete():
    # faq carries its best answer's score (0.6); the others scale by their conditional share
    ranked = ranked_entries(parse(0.6, [("dereg_duration", 0.5), ("dereg_cancel_application", 0.25)],
                                  intents=[("request_deregistration", 0.4)]), KB)
    assert [(s.entry.id, round(s.confidence, 3)) for s in ranked] == [
        ("dereg_duration", 0.6), ("dereg_how", 0.4), ("dereg_cancel_application", 0.3)]


def test_weak_guesses_are_dropped_and_flagged():
    body = suggestions("??", parse(0.15, [("dereg_duration", 0.9), ("number_what", 0.01)]), KB)
    assert body["low_confidence"] is True
    assert [s["id"] for s in body["suggestions"]] == ["dereg_duration"]


def test_nothing_ranked_gives_no_suggestion_and_the_flag():
    body = suggestions("hi", {"intent": {"name": "greet"}, "intent_ranking": [{"name": "greet", "confidence": 0.99}]}, KB)
    assert body["suggestions"] == [] and body["low_confidence"] is True


def test_a_province_entity_adds_the_bureau_to_every_suggestion():
    entity = {"entity": "province", "value": "zhejiang", "value_text": "浙江"}
    body = suggestions("浙江注销", parse(0.9, [("dereg_duration", 0.7), ("dereg_cancel_application", 0.3)],
                                    entities=[entity], language="zh"), KB)
    wanted = [clean_url(link.url) for link in unique_links(bureau_links(KB.bureau("zhejiang")))]
    assert body["bureau"]["id"] == "zhejiang" and body["bureau"]["matched"] == "浙江"
    assert all(set(wanted) <= {link["url"] for link in s["links"]} for s in body["suggestions"])
    # a known province of the conversation does the same when the text names none
    again = suggestions("注销", parse(0.9, [("dereg_duration", 1.0)]), KB, known_bureau="zhejiang")
    assert again["bureau"]["id"] == "zhejiang"


@pytest.mark.parametrize(
    "text, urls",
    [
        ("see https://beian.miit.gov.cn/.", ["https://beian.miit.gov.cn/"]),
        ("访问（https://example.gov.cn/a?b=1）。", ["https://example.gov.cn/a?b=1"]),
        ("no link here", []),
    ],
)
def test_links_are_taken_from_answers(text, urls):
    assert urls_in([text]) == urls


def test_the_queue_keeps_the_dialog_answers_the_handoff_reset():
    domain = Domain.from_dict({"slots": {s: {"type": "any", "mappings": [{"type": "custom"}]} for s in
                                         ("province", "dereg_owner", "handoff_status", "language")}})
    tracker = DialogueStateTracker.from_events("u1", [
        ActionExecuted("action_listen"),
        UserUttered("/greet", {"name": "greet"}),
        UserUttered("我要注销江苏的备案", {"name": "request_deregistration"}),
        SlotSet("province", "jiangsu"), SlotSet("dereg_owner", "own"),
        UserUttered("转人工", {"name": "request_human"}),
        SlotSet("handoff_status", "waiting"), SlotSet("dereg_owner", None),
        BotUttered("<b>hi</b>", {}, {AGENT_MARK: True, "agent": "Li"}),
    ], slots=domain.slots)
    assert facts(tracker) == {"province": "jiangsu", "dereg_owner": "own"}
    assert last_user_question(tracker) == "转人工"
    messages = transcript(tracker, datetime.now(timezone.utc))["messages"]
    assert [m["from"] for m in messages] == ["user", "user", "user", "agent"]
    assert messages[0]["payload"] is True and messages[-1]["agent"] == "Li"
