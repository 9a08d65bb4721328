"""Shared parts of the guided dialogs: typed answers, slot cleaning, stop, restart, the domain."""
import json
import re
from pathlib import Path

import pytest
import yaml
from rasa_sdk.events import Restarted, SlotSet

from actions.answers import ANSWERS_FILE, answer_keywords, edit_distance, extract_answer
from actions.dialog import DIALOG_SLOTS, ActionRestart, ActionStopDialog, clean_value
from knowledge import DECISION_INPUTS, DECISIONS, INPUTS, Advice, Ask
from knowledge.decisions import ADVICE_CODES
from tests.factories import make_tracker

ACTIONS_DIR = Path(__file__).resolve().parents[2] / "actions"

SKIP = "/stop"
OVERVIEW = "(overview)"


@pytest.mark.parametrize(
    "slot, text, intent, expected",
    [
        # typed answers, both languages, Traditional characters, typos
        ("dereg_scope", "the whole entity", "inform", "entity"),
        ("dereg_scope", "teh whole entiy", "inform", "entity"),
        ("dereg_scope", "only the websit", "inform", "website"),
        ("dereg_scope", "注销整个主体", "inform", "entity"),
        ("dereg_scope", "只注销网站", "inform", "website"),
        ("dereg_scope", "主体下的一个网站", "inform", "website"),  # the longest keyword wins
        ("dereg_scope", "整個主體", "inform", "entity"),
        ("dereg_owner", "it's my own", "inform", "own"),
        ("dereg_owner", "not mine, someone else's", "inform", "other_entity"),
        ("dereg_owner", "不是我的", "inform", "other_entity"),
        ("dereg_owner", "别人的备案", "inform", "other_entity"),
        # yes/no: the intent decides; among keywords a "no" wins
        ("dereg_online", "yes", "affirm", "yes"),
        ("dereg_online", "nope", "deny", "no"),
        ("dereg_online", "线上注销不了", "inform", "no"),
        ("dereg_online", "can't do it online", "inform", "no"),
        ("dereg_online", "可以在线注销", "inform", "yes"),
        ("server_reachable", "ping不通", "inform", "no"),
        ("server_reachable", "不能ping通", "inform", "no"),
        ("server_reachable", "能ping通", "inform", "yes"),
        ("server_reachable", "it responds", "inform", "yes"),
        ("new_websites", "没有新网站", "inform", "no"),
        ("domain_filing", "no", "deny", "none"),
        ("domain_filing", "还没备案", "inform", "none"),
        ("domain_filing", "filed with another provider", "inform", "other_provider"),
        ("domain_filing", "已经注销了", "inform", "deregistered"),
        ("application_stage", "今天刚通过", "inform", "approved_today"),
        ("application_stage", "still under reveiw", "inform", "in_review"),
        ("application_stage", "初审通过了", "inform", "preliminarily_approved"),
        ("application_stage", "it was approved months ago", "inform", "approved_earlier"),
        ("provider_change", "换服务商 不用原来那家了", "inform", "switch"),
        ("provider_change", "just adding one, keeping the old provider", "inform", "add"),
        ("service_type", "只用来做邮箱", "inform", "email"),
        ("service_type", "域名就放着没用", "inform", "none"),
        ("server_location", "香港", "inform", "hong_kong"),
        # a statement with an answer word counts whatever the intent classifier says …
        ("dereg_scope", "网站", "faq", "website"),
        ("domain_filing", "its filed with a diffrent provider", "faq", "other_provider"),
        ("provider_change", "同时用两家", "faq", "add"),
        ("dereg_online", "no i cant do it onlin anymore", "stop", "no"),
        # … a question that merely contains a keyword does not
        ("dereg_scope", "what's the difference between entity and website deregistration", "faq", None),
        ("dereg_scope", "网站打不开怎么办", "check_accessibility", None),
        ("dereg_scope", "注销主体和注销网站有什么区别", "faq", None),
        ("dereg_online", "can i do it online?", "faq", None),
        ("dereg_scope", "hello", "inform", None),
        # affirm/deny mean nothing for an either/or question
        ("dereg_scope", "yes", "affirm", None),
        ("dereg_owner", "identity verification", "inform", None),
    ],
)
def test_extract_answer(slot, text, intent, expected):
    answer_intent = intent in {"inform", "affirm", "deny", "nlu_fallback"}
    assert extract_answer(slot, text, intent, answer_intent) == expected


@pytest.mark.parametrize(
    "a, b, distance",
    [("webiste", "website", 1), ("entiy", "entity", 1), ("identity", "entity", 2), ("online", "online", 0), ("ab", "abcdef", 4)],
)
def test_edit_distance(a, b, distance):
    assert edit_distance(a, b) == distance


def test_answer_values_are_the_decision_inputs():
    raw = yaml.safe_load(ANSWERS_FILE.read_text(encoding="utf-8"))
    for slot, values in raw.items():
        assert slot in INPUTS
        assert set(values) == set(INPUTS[slot]), slot
        assert all(isinstance(word, str) and word for words in values.values() for word in words), slot
    assert set(answer_keywords()) == set(raw)


@pytest.mark.parametrize(
    "slot, value, expected",
    [
        ("dereg_scope", "entity", "entity"),
        ("dereg_scope", "ENTITY", "entity"),
        ("dereg_scope", "everything", None),
        ("server_reachable", True, "yes"),  # YAML's unquoted yes
        ("province", "jiangsu", "jiangsu"),
        ("province", "atlantis", None),
        ("province", ["jiangsu"], None),
        ("domain_suffix", "org", ".org"),
        ("domain_suffix", "not a suffix", None),
        ("dereg_owner", None, None),
    ],
)
def test_clean_value(kb, slot, value, expected):
    assert clean_value(slot, value, kb) == expected


def test_dialog_slots_keep_province():
    assert "province" not in DIALOG_SLOTS
    assert {"dereg_scope", "server_location", "new_websites", "domain_suffix"} <= set(DIALOG_SLOTS)


@pytest.mark.parametrize("active_loop", [None, "deregistration_form"])
async def test_stop_acknowledges_and_forgets_the_case(dispatcher, active_loop):
    tracker = make_tracker(slots={"dereg_owner": "own", "province": "jiangsu"}, active_loop=active_loop, intent="stop")
    events = await ActionStopDialog().run(dispatcher, tracker, {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_dialog_stopped"]
    assert SlotSet("dereg_owner", None) in events
    assert all(event["name"] != "province" for event in events)


@pytest.mark.parametrize(
    "slots, kept",
    [
        ({"language": "zh", "language_preference": "en", "province": "jiangsu"}, [("language", "zh"), ("language_preference", "en")]),
        ({"language": "en"}, [("language", "en")]),
        ({}, []),
    ],
)
async def test_restart_keeps_only_the_language(dispatcher, slots, kept):
    events = await ActionRestart().run(dispatcher, make_tracker(slots=slots, intent="restart"), {})
    assert events == [Restarted()] + [SlotSet(name, value) for name, value in kept]
    assert dispatcher.messages[0]["response"] == "utter_restart"


def _responses_used_by_actions():
    names = set()
    for path in ACTIONS_DIR.glob("*.py"):
        names |= set(re.findall(r'response="(utter_[a-z_]+)"', path.read_text(encoding="utf-8")))
        names |= set(re.findall(r'"(utter_[a-z_]+)" if', path.read_text(encoding="utf-8")))
        names |= set(re.findall(r'else "(utter_[a-z_]+)"', path.read_text(encoding="utf-8")))
    return sorted(names)


@pytest.mark.parametrize("response", _responses_used_by_actions())
def test_every_response_the_actions_send_exists_in_both_languages(domain, response):
    variations = domain["responses"].get(response)
    assert variations, f"{response} is not in domain/"
    conditioned = [v for v in variations if v.get("condition")]
    assert [c["value"] for v in conditioned for c in v["condition"]] == ["zh"], response
    assert any(not v.get("condition") for v in variations), f"{response} has no English default"


@pytest.mark.parametrize("form", ["deregistration_form", "transfer_form", "accessibility_form", "filing_form", "bureau_form"])
def test_every_question_has_buttons_in_both_languages(domain, form):
    """utter_ask_<slot>: quick replies whose payloads are valid answers, English and Chinese, and a
    "skip, just tell me the general answer" button."""
    for slot in domain["forms"][form]["required_slots"]:
        variations = domain["responses"][f"utter_ask_{slot}"]
        assert len(variations) == 2, slot
        for variation in variations:
            payloads = [b["payload"] for b in variation["buttons"] if b["payload"] != SKIP]
            # Every question can be skipped for the general answer.
            assert [b["payload"] for b in variation["buttons"]].count(SKIP) == 1, slot
            values = [json.loads(p[len("/inform"):])[slot] for p in payloads]
            assert all(p.startswith("/inform{") for p in payloads), slot
            if INPUTS[slot]:
                assert sorted(values) == sorted(INPUTS[slot]), slot


# --------------------------------------------------------------------------- the test stories
# `rasa test` replays the stories' slot_was_set steps instead of running the actions, so these
# checks keep tests/stories honest: what each story says the form asks next is what the decision
# function asks, and together the stories reach every advice in both languages.

STORIES_DIR = ACTIONS_DIR.parent / "tests" / "stories"
FORM_DECISIONS = {"deregistration_form": "dereg", "transfer_form": "transfer", "accessibility_form": "access", "filing_form": "filing"}


def _decide(decision, slots, kb):
    values = {k: ("yes" if v is True else "no" if v is False else v) for k, v in slots.items() if k in DECISION_INPUTS[decision]}
    function = DECISIONS[decision]
    return function(kb=kb, **values) if decision == "dereg" else function(**values)


def _story_walks():
    """(file, story title, [(form, requested_slot or None, slots so far)]) for every story."""
    for path in sorted(STORIES_DIR.glob("*.yml")):
        for story in yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]:
            slots, form, checks = {}, None, []
            for step in story["steps"]:
                if "active_loop" in step:
                    # null: the form ended (its last requested_slot came before) or was stopped
                    form = step["active_loop"]
                for change in step.get("slot_was_set", []):
                    for name, value in change.items():
                        if name == "requested_slot":
                            checks.append((form, value, dict(slots)))
                        else:
                            slots[name] = value
                overview = re.fullmatch(r"action_(\w+)_overview", str(step.get("action", "")))
                if overview:
                    # Answer first: the overview advises at once when the message says enough
                    # (the story then goes on without the form), else the form may follow.
                    checks.append((f"{overview.group(1)}_form", OVERVIEW, dict(slots)))
                if step.get("action") in ("action_stop_dialog", "action_handoff", "action_restart") or str(step.get("action", "")).endswith("_advice"):
                    slots = {k: v for k, v in slots.items() if k in ("province", "language")}
            yield path.name, story["story"], checks


@pytest.mark.parametrize("file, title, checks", list(_story_walks()), ids=lambda x: x if isinstance(x, str) else "")
def test_stories_ask_what_the_decision_functions_ask(real_kb, file, title, checks):
    for form, requested, slots in checks:
        if form not in FORM_DECISIONS or requested == OVERVIEW:
            continue
        outcome = _decide(FORM_DECISIONS[form], slots, real_kb)
        expected = outcome.slot if isinstance(outcome, Ask) else None
        assert requested == expected, f"{title}: with {slots} the form asks {expected}, the story says {requested}"


def test_stories_reach_every_advice_in_both_languages(real_kb):
    reached = {(decision, lang): set() for decision in ADVICE_CODES for lang in ("en", "zh")}
    for _, title, checks in _story_walks():
        for form, requested, slots in checks:
            if form in FORM_DECISIONS and requested is OVERVIEW:
                outcome = _decide(FORM_DECISIONS[form], slots, real_kb)
                if isinstance(outcome, Advice):
                    reached[(FORM_DECISIONS[form], title[:2])].add(outcome.code)
            elif form in FORM_DECISIONS and requested is None:
                outcome = _decide(FORM_DECISIONS[form], slots, real_kb)
                assert isinstance(outcome, Advice), title
                reached[(FORM_DECISIONS[form], title[:2])].add(outcome.code)
    for (decision, lang), codes in reached.items():
        assert codes == set(ADVICE_CODES[decision]), (decision, lang, sorted(set(ADVICE_CODES[decision]) - codes))


def test_the_filings_provider_compared_with_the_servers():
    from actions.dialog import provider_answer
    from tests.factories import make_tracker

    earlier = [{"event": "user", "text": "服务器在国内，腾讯云广州",
                "parse_data": {"entities": [{"entity": "provider", "value": "tencent"}]}},
               {"event": "user", "text": "now"}]
    same = make_tracker(events=earlier, text="备案是在腾讯云做的", entities=[{"entity": "provider", "value": "tencent"}])
    other = make_tracker(events=earlier, text="备案在阿里云", entities=[{"entity": "provider", "value": "aliyun"}])
    nothing = make_tracker(events=earlier, text="备案过了")
    assert provider_answer(same) == "this_provider"
    assert provider_answer(other) == "other_provider"
    assert provider_answer(nothing) is None


@pytest.mark.parametrize("text, count", [("there are about fifteen domains for that one client", True),
                                         ("我们有三十个网站", True), ("只注销一个网站", False),
                                         ("it's my own site", False), ("approved 2 years ago", False)])
def test_a_number_of_websites_is_recognised(text, count):
    from actions.dialog import mentions_a_count

    assert mentions_a_count(text) is count
