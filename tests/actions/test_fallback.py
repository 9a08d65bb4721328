"""nlu_fallback: the NLU's best guesses as buttons in the user's language, then a human; answers
nobody asked for: noted, then the topic menu."""
import pytest
from rasa_sdk.events import SlotSet

from actions.fallback import ActionStrayAnswer, ActionSuggestAlternatives, intent_labels, is_repeated_failure
from tests.factories import entity, make_message, make_tracker


def user_event(intent):
    return {"event": "user", "text": "…", "parse_data": {"intent": {"name": intent, "confidence": 1.0}}}


def unsure(intent_ranking, response_ranking=None):
    """What the FallbackClassifier leaves: nlu_fallback first, then the classifier's ranking."""
    return {
        "text": "blah",
        "intent": "nlu_fallback",
        "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.45}] + intent_ranking,
        "response_ranking": response_ranking,
    }


RANKING = [
    {"name": "faq", "confidence": 0.40},
    {"name": "request_deregistration", "confidence": 0.30},
    {"name": "greet", "confidence": 0.12},  # never offered: "did you mean hello?" helps nobody
    {"name": "ask_bureau_link", "confidence": 0.10},
]
RESPONSES = [
    {"intent_response_key": "faq/dereg_duration", "confidence": 0.7},
    {"intent_response_key": "faq/password_reset", "confidence": 0.2},
    {"intent_response_key": "faq/unknown_entry", "confidence": 0.1},
]


@pytest.mark.parametrize(
    "lang, expected",
    [
        (
            "en",
            [
                ("How long does deregistration take?", '/faq{"faq_id":"dereg_duration"}'),
                ("Deregister an ICP filing", "/request_deregistration"),
                ("I forgot my filing password", '/faq{"faq_id":"password_reset"}'),
                ("None of these", "/nlu_fallback"),
            ],
        ),
        (
            "zh",
            [
                ("注销要多久？", '/faq{"faq_id":"dereg_duration"}'),
                ("注销备案", "/request_deregistration"),
                ("忘记备案密码怎么办？", '/faq{"faq_id":"password_reset"}'),
                ("都不是", "/nlu_fallback"),
            ],
        ),
    ],
)
async def test_offers_the_best_guesses(kb, dispatcher, lang, expected):
    """`faq` is as sure as its best answer (0.40); the second answer gets its share of that
    (0.40 × 0.2 / 0.7 ≈ 0.11), which beats the bureau links (0.10)."""
    message = unsure(RANKING, RESPONSES)
    tracker = make_tracker(slots={"language": lang}, events=[user_event("nlu_fallback")], **message)
    assert await ActionSuggestAlternatives(kb).run(dispatcher, tracker, {}) == []
    assert dispatcher.messages[0]["response"] == "utter_fallback_guesses"
    assert [(b["title"], b["payload"]) for b in dispatcher.messages[0]["buttons"]] == expected


async def test_weak_guesses_are_left_out(kb, dispatcher):
    message = unsure([{"name": "ask_capabilities", "confidence": 0.05}, {"name": "request_human", "confidence": 0.02}])
    tracker = make_tracker(events=[user_event("nlu_fallback")], **message)
    await ActionSuggestAlternatives(kb).run(dispatcher, tracker, {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_rephrase"]


async def test_a_payload_without_ranking_asks_to_rephrase(kb, dispatcher):
    tracker = make_tracker(events=[user_event("nlu_fallback")], text="/nlu_fallback", intent="nlu_fallback")
    await ActionSuggestAlternatives(kb).run(dispatcher, tracker, {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_rephrase"]


@pytest.mark.parametrize(
    "previous, repeated",
    [
        (["greet", "nlu_fallback"], True),
        (["nlu_fallback", "faq"], False),  # a guess was chosen in between
        (["greet"], False),
        ([], False),
    ],
)
def test_repeated_failure(previous, repeated):
    tracker = make_tracker(events=[user_event(intent) for intent in previous] + [user_event("nlu_fallback")])
    assert is_repeated_failure(tracker) is repeated


async def test_second_failure_in_a_row_offers_a_human(kb, dispatcher):
    tracker = make_tracker(events=[user_event("nlu_fallback"), user_event("nlu_fallback")], **unsure(RANKING, RESPONSES))
    assert await ActionSuggestAlternatives(kb).run(dispatcher, tracker, {}) == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_fallback_offer_human"]


def test_labels_are_bilingual_for_known_intents(domain):
    for intent, label in intent_labels().items():
        assert intent == "nlu_fallback" or intent in domain["intents"], intent
        assert label.en and label.zh


def test_message_factory_keeps_the_ranking():
    # guards the factory the tests above rely on
    assert make_message(**unsure(RANKING))["intent_ranking"][0]["name"] == "nlu_fallback"


@pytest.mark.parametrize(
    "lang, entities, noted",
    [
        ("zh", [entity("province", "jiangsu")], "江苏"),
        ("en", [entity("province", "jiangsu")], "Jiangsu"),
        ("en", [entity("domain", "example.com"), entity("province", "hunan")], "example.com, Hunan"),
        ("zh", [entity("province", "hunan"), entity("province", "hunan")], "湖南"),
    ],
)
async def test_a_stray_answer_is_noted_and_the_menu_shown(kb, dispatcher, lang, entities, noted):
    tracker = make_tracker(slots={"language": lang}, text="…", intent="inform", entities=entities)
    assert await ActionStrayAnswer(kb).run(dispatcher, tracker, {}) == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_noted", "utter_capabilities"]
    assert dispatcher.messages[0]["noted"] == noted


@pytest.mark.parametrize(
    "entities",
    [
        [entity("server_location", "overseas")],
        [entity("provider", "tencent")],
        [entity("province", "atlantis"), entity("domain_suffix", ".org")],
    ],
)
async def test_a_stray_answer_without_a_name_to_repeat(kb, dispatcher, entities):
    tracker = make_tracker(text="overseas", intent="inform", entities=entities)
    await ActionStrayAnswer(kb).run(dispatcher, tracker, {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_noted_plain", "utter_capabilities"]


def action_event(name):
    return {"event": "action", "name": name}


@pytest.mark.parametrize(
    "entities, previous, expected",
    [
        ([], [user_event("greet"), action_event("utter_greet")], "utter_ask_rephrase"),
        ([], [user_event("nlu_fallback")], "utter_fallback_offer_human"),
        # nonsense twice in a row: a human is offered the second time
        ([], [user_event("inform"), action_event("action_stray_answer")], "utter_fallback_offer_human"),
        # a typed answer to a dialog's question was understood by the dialog
        ([], [user_event("inform"), action_event("deregistration_form")], "utter_ask_rephrase"),
        ([entity("language", "zh")], [user_event("greet")], "utter_ask_rephrase"),
        # values no dialog can use (a hand-typed payload) are nothing to note
        ([entity("province", "atlantis")], [user_event("greet")], "utter_ask_rephrase"),
        ([entity("server_location", "moon")], [user_event("greet")], "utter_ask_rephrase"),
        ([entity("domain", " ")], [user_event("greet")], "utter_ask_rephrase"),
    ],
)
async def test_a_stray_answer_with_nothing_to_note(kb, dispatcher, entities, previous, expected):
    events = previous + [user_event("inform")]
    tracker = make_tracker(events=events, text="asdfghjkl", intent="inform", entities=entities)
    await ActionStrayAnswer(kb).run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["response"] == expected


async def test_a_value_no_dialog_can_use_is_not_kept(kb, dispatcher):
    entities = [entity("province", "atlantis"), entity("server_location", "overseas")]
    tracker = make_tracker(text="…", intent="inform", entities=entities)
    assert await ActionStrayAnswer(kb).run(dispatcher, tracker, {}) == [SlotSet("province", None)]
    assert [m["response"] for m in dispatcher.messages] == ["utter_noted_plain", "utter_capabilities"]


@pytest.mark.parametrize("action_class, intent", [(ActionStrayAnswer, "inform"), (ActionSuggestAlternatives, "nlu_fallback")])
async def test_an_elliptical_follow_up_answers_the_question_offered_under_the_last_answer(kb, dispatcher, action_class, intent):
    """"要多久呢" after the deregistration procedure: the offered "注销要多久？"."""
    events = [
        {"event": "user", "text": "怎么注销"},
        {"event": "action", "name": "action_answer_faq"},
        {"event": "user", "text": "要多久呢", "parse_data": {"intent": {"name": intent}}},
    ]
    tracker = make_tracker(slots={"language": "zh", "last_faq_id": "dereg_how"}, events=events, text="要多久呢",
                           intent=intent, confidence=1.0)
    events = await action_class(kb).run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["answer"] == kb.faq_by_id("dereg_duration").answer.zh.strip()
    assert SlotSet("last_faq_id", "dereg_duration") in events
