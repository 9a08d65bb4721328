import pytest
from rasa_sdk.events import SlotSet

from actions.faq import ActionAnswerFaq, faq_payload
from tests.factories import entity, make_tracker

S0 = "000_5eec36d1171024e1"


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_answer_from_the_response_selector(kb, dispatcher, lang):
    tracker = make_tracker(slots={"language": lang}, text="?", intent="faq",
                           response_key="faq/dereg_duration")
    events = await ActionAnswerFaq(kb).run(dispatcher, tracker, {})
    entry = kb.faq_by_id("dereg_duration")
    [message] = dispatcher.messages
    assert message["response"] == "utter_faq_answer"
    assert message["answer"] == entry.answer.get(lang).strip()
    assert message["source"] == {"en": "JD Cloud Offline deregistration", "zh": "京东云 线下注销"}[lang]
    assert S0 not in message["source"]
    assert message["extra"] == ""
    assert message["buttons"] == []  # no related entries
    assert events == [SlotSet("last_faq_id", "dereg_duration"), SlotSet("topic", "deregistration")]


async def test_a_known_province_adds_its_own_rules(kb, dispatcher):
    """"How long does that take there?" after Hunan: Hunan's own rule follows the answer."""
    tracker = make_tracker(slots={"language": "en", "province": "hunan"}, text="how long does that take there",
                           intent="faq", response_key="faq/dereg_duration")
    await ActionAnswerFaq(kb).run(dispatcher, tracker, {})
    [message] = dispatcher.messages
    assert message["extra"] == "\n- Hunan: Handled on Fridays."
    assert "Alibaba Cloud" in message["source"]


async def test_related_questions_become_buttons_in_the_users_language(kb, dispatcher):
    # dereg_how (a dialog opener) relates to dereg_duration
    tracker = make_tracker(slots={"language": "zh"}, text='/faq{"faq_id":"dereg_how"}',
                           intent="faq", entities=[entity("faq_id", "dereg_how")])
    await ActionAnswerFaq(kb).run(dispatcher, tracker, {})
    [message] = dispatcher.messages
    related = kb.faq_by_id("dereg_duration")
    assert message["buttons"] == [{"title": related.question.zh, "payload": faq_payload("dereg_duration")}]


def test_payload_names_the_entry():
    assert faq_payload("dereg_duration") == '/faq{"faq_id":"dereg_duration"}'


@pytest.mark.parametrize(
    "message",
    [
        {"text": "?", "intent": "faq", "response_key": "faq/no_such_entry"},
        {"text": "?", "intent": "faq"},
        {"text": "x", "intent": "faq", "entities": [entity("faq_id", "nope")]},
    ],
)
async def test_unknown_entry_asks_to_rephrase(kb, dispatcher, message):
    events = await ActionAnswerFaq(kb).run(dispatcher, make_tracker(**message), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_rephrase"]
    assert events == []


def after_answer(entry_id, lang, text, **message):
    """The tracker of a message sent right after the bot answered FAQ entry ``entry_id``."""
    events = [
        {"event": "user", "text": "earlier question"},
        {"event": "action", "name": "action_answer_faq"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text},
    ]
    return make_tracker(slots={"language": lang, "last_faq_id": entry_id}, events=events, text=text, **message)


@pytest.mark.parametrize("lang, text", [("en", "and how long does it take?"), ("zh", "那要多久")])
async def test_a_short_follow_up_means_a_question_offered_under_the_last_answer(kb, dispatcher, lang, text):
    """dereg_how offers dereg_duration: "how long does it take?" asks that, whatever the
    classifier read into it alone."""
    tracker = after_answer("dereg_how", lang, text, intent="faq", response_key="faq/password_reset")
    events = await ActionAnswerFaq(kb).run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["answer"] == kb.faq_by_id("dereg_duration").answer.get(lang).strip()
    assert SlotSet("last_faq_id", "dereg_duration") in events


@pytest.mark.parametrize(
    "last_action, text, chosen",
    [
        ("utter_greet", "how long does it take?", "password_reset"),  # no answer just before
        ("action_answer_faq", "I forgot my filing password, how long does a reset take?", "password_reset"),
        ("action_answer_faq", "filing password forgot", "password_reset"),  # the choice fits the words
    ],
)
async def test_the_classifiers_choice_stands_otherwise(kb, dispatcher, last_action, text, chosen):
    events = [{"event": "user", "text": "q"}, {"event": "action", "name": last_action}, {"event": "user", "text": text}]
    tracker = make_tracker(slots={"language": "en", "last_faq_id": "dereg_how"}, events=events, text=text,
                           intent="faq", response_key="faq/" + chosen)
    await ActionAnswerFaq(kb).run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["answer"] == kb.faq_by_id(chosen).answer.en.strip()
