"""The deregistration dialog: what the form asks next, typed answers, and the advice it ends with."""
import pytest
from rasa_sdk.events import SlotSet

from actions.deregistration import ActionDeregistrationAdvice, ValidateDeregistrationForm
from knowledge import deregistration_route
from tests.actions.advice_checks import assert_advice_messages
from tests.factories import make_form_tracker, make_tracker

FORM = "deregistration_form"


async def validate(kb, dispatcher, domain, **tracker):
    return await ValidateDeregistrationForm(kb).run(dispatcher, make_form_tracker(FORM, **tracker), domain)


@pytest.mark.parametrize(
    "slots, candidates, expected",
    [
        # activation: nothing known, ask whose filing it is
        ({}, {}, [SlotSet("requested_slot", "dereg_owner")]),
        # a button answer (filled by the slot mapping) moves on to the next question
        ({}, {"dereg_owner": "own"}, [SlotSet("dereg_owner", "own"), SlotSet("requested_slot", "dereg_online")]),
        (
            {"dereg_owner": "own"},
            {"dereg_online": "yes"},
            [SlotSet("dereg_online", "yes"), SlotSet("requested_slot", "dereg_scope")],
        ),
        # offline: the bureau's province is needed, unless the conversation already named it
        (
            {"dereg_owner": "own"},
            {"dereg_online": "no"},
            [SlotSet("dereg_online", "no"), SlotSet("requested_slot", "province")],
        ),
        (
            {"dereg_owner": "own", "province": "hunan"},
            {"dereg_online": "no"},
            [SlotSet("dereg_online", "no"), SlotSet("requested_slot", None)],
        ),
        # another entity's filing: always at that bureau, never online
        (
            {},
            {"dereg_owner": "other_entity"},
            [SlotSet("dereg_owner", "other_entity"), SlotSet("requested_slot", "province")],
        ),
        # a replayed or hand-typed payload with an unknown value is dropped and asked again
        (
            {"dereg_owner": "own", "dereg_online": "yes"},
            {"dereg_scope": "everything"},
            [SlotSet("dereg_scope", None), SlotSet("requested_slot", "dereg_scope")],
        ),
    ],
)
async def test_asks_only_what_the_decision_needs(kb, dispatcher, domain, slots, candidates, expected):
    asked = "dereg_owner" if slots or candidates else None
    events = await validate(kb, dispatcher, domain, requested=asked, slots=slots, candidates=candidates)
    assert events == expected
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    "slots, asked, text, intent, value, next_slot",
    [
        ({"dereg_owner": "own", "dereg_online": "yes"}, "dereg_scope", "只注销网站", "inform", "website", None),
        ({"dereg_owner": "own", "dereg_online": "yes"}, "dereg_scope", "the whole entiy", "inform", "entity", None),
        ({"dereg_owner": "own"}, "dereg_online", "yes", "affirm", "yes", "dereg_scope"),
        ({"dereg_owner": "own"}, "dereg_online", "线上注销不了", "inform", "no", "province"),
        # an unsure "stop" that answers the question is an answer
        ({"dereg_owner": "own"}, "dereg_online", "no i cant do it onlin anymore", "stop", "no", "province"),
        # an FAQ-looking statement that answers it too
        ({}, "dereg_owner", "its my onw filing", "faq", "own", "dereg_online"),
        ({}, "dereg_owner", "别人的备案", "inform", "other_entity", "province"),
        # a province the entity extractor missed ("jiang su") is resolved by find_province
        ({"dereg_owner": "other_entity"}, "province", "jiang su", "inform", "jiangsu", None),
        ({"dereg_owner": "other_entity"}, "province", "苏ICP备12345678号", "inform", "jiangsu", None),
    ],
)
async def test_reads_typed_answers(kb, dispatcher, domain, slots, asked, text, intent, value, next_slot):
    confidence = 0.52 if intent == "stop" else 1.0
    events = await validate(kb, dispatcher, domain, requested=asked, slots=slots, text=text, intent=intent, confidence=confidence)
    assert events == [SlotSet(asked, value), SlotSet("requested_slot", next_slot)]


@pytest.mark.parametrize(
    "text, intent, confidence",
    [
        ("how long does deregistration take", "faq", 1.0),
        ("what's the difference between entity and website deregistration?", "faq", 1.0),
        ("where do I download the form for jiangsu", "ask_bureau_link", 1.0),
        ("转人工", "request_human", 1.0),
        ("never mind", "stop", 0.9),
        ("never mind the website", "stop", 0.9),  # sure it's a stop: not read as an answer
    ],
)
async def test_leaves_other_requests_to_the_rules(kb, dispatcher, domain, text, intent, confidence):
    """Nothing extracted: Rasa rejects the form and the digression rules answer."""
    events = await validate(
        kb,
        dispatcher,
        domain,
        requested="dereg_scope",
        slots={"dereg_owner": "own", "dereg_online": "yes"},
        text=text,
        intent=intent,
        confidence=confidence,
    )
    assert events == [SlotSet("requested_slot", "dereg_scope")]
    assert dispatcher.messages == []


@pytest.mark.parametrize("text, intent", [("hmm dunno", "inform"), ("asdfgh", "nlu_fallback"), ("是的", "affirm")])
async def test_says_so_when_an_answer_is_not_understood(kb, dispatcher, domain, text, intent):
    events = await validate(
        kb, dispatcher, domain, requested="dereg_scope", slots={"dereg_owner": "own", "dereg_online": "yes"}, text=text, intent=intent
    )
    assert [m["response"] for m in dispatcher.messages] == ["utter_answer_not_understood"]
    # the SlotSet keeps the form from being rejected; it asks the same question again
    assert events == [SlotSet("dereg_scope", None), SlotSet("requested_slot", "dereg_scope")]


@pytest.mark.parametrize(
    "text, candidates",
    [("jiangsy", ["jiangsu"]), ("atlantis", [])],
)
async def test_unknown_place_gives_did_you_mean_candidates(kb, dispatcher, domain, text, candidates):
    events = await validate(
        kb, dispatcher, domain, requested="province", slots={"dereg_owner": "other_entity"}, text=text, intent="inform"
    )
    assert events == [SlotSet("province_candidates", candidates), SlotSet("requested_slot", "province")]


BRANCHES = [
    ("dereg_other_entity_offline", {"dereg_owner": "other_entity", "province": "jiangsu"}),
    ("dereg_online_entity", {"dereg_owner": "own", "dereg_online": "yes", "dereg_scope": "entity"}),
    ("dereg_online_website", {"dereg_owner": "own", "dereg_online": "yes", "dereg_scope": "website", "domain_suffix": ".org"}),
    ("dereg_own_offline", {"dereg_owner": "own", "dereg_online": "no", "province": "hunan"}),
]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("code, slots", BRANCHES, ids=[code for code, _ in BRANCHES])
async def test_advice_for_every_branch(kb, dispatcher, lang, code, slots):
    advice = deregistration_route(kb=kb, **slots)
    assert advice.code == code
    tracker = make_tracker(slots={**slots, "language": lang}, latest_action=FORM)

    events = await ActionDeregistrationAdvice(kb).run(dispatcher, tracker, {})

    assert_advice_messages(dispatcher.messages, advice, lang, events)
    # the case is forgotten, the province and language stay
    assert SlotSet("dereg_owner", None) in events and SlotSet("dereg_scope", None) in events
    assert all(event["name"] not in ("province", "language") for event in events)



async def test_an_answer_with_another_value_is_noted_and_the_question_asked_again(kb, dispatcher, domain):
    """Asked whether it can be done online, the user says whose filing it is: kept, and said so."""
    events = await validate(
        kb, dispatcher, domain, requested="dereg_online", slots={"dereg_owner": "other_entity"},
        candidates={"dereg_owner": "own"}, text="it's my own filing", intent="inform",
    )
    assert [m["response"] for m in dispatcher.messages] == ["utter_noted_in_dialog"]
    assert SlotSet("dereg_owner", "own") in events
    assert SlotSet("dereg_online", None) in events
