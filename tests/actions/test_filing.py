"""The "do I need ICP filing?" dialog: questions in the decision's order, every advice branch."""
import pytest
from rasa_sdk.events import SlotSet

from actions.filing import ActionFilingAdvice, ValidateFilingForm
from knowledge import filing_needed
from tests.actions.advice_checks import assert_advice_messages
from tests.factories import entity, make_form_tracker, make_tracker

FORM = "filing_form"
WEBSITE = {"server_location": "mainland", "service_type": "website"}

BRANCHES = [
    ("filing_not_required_outside_mainland", {"server_location": "overseas"}),
    ("filing_not_required_unused", {"server_location": "mainland", "service_type": "none"}),
    ("filing_already_filed", {**WEBSITE, "domain_filing": "this_provider"}),
    ("filing_transfer_required", {**WEBSITE, "domain_filing": "other_provider"}),
    ("filing_deregistered", {**WEBSITE, "domain_filing": "deregistered"}),
    ("filing_required", {**WEBSITE, "domain_filing": "none"}),
    ("filing_required", {"server_location": "mainland", "service_type": "email", "domain_filing": "none"}),
]


@pytest.mark.parametrize(
    "known, next_slot",
    [
        ({}, "server_location"),
        ({"server_location": "mainland"}, "service_type"),
        (WEBSITE, "domain_filing"),
        ({"server_location": "overseas"}, None),
    ],
)
async def test_asks_the_next_question(dispatcher, domain, known, next_slot):
    events = await ValidateFilingForm().run(dispatcher, make_form_tracker(FORM, candidates=known), domain)
    assert events[-1] == SlotSet("requested_slot", next_slot)


async def test_server_location_from_the_entity_extractor_is_not_asked_again(dispatcher, domain):
    """"Is filing needed for a Hong Kong server?": the slot mapping fills server_location."""
    tracker = make_form_tracker(
        FORM,
        candidates={"server_location": "hong_kong"},
        text="do i need filing for a hong kong server",
        intent="ask_filing_needed",
        entities=[entity("server_location", "hong_kong")],
    )
    assert await ValidateFilingForm().run(dispatcher, tracker, domain) == [
        SlotSet("server_location", "hong_kong"),
        SlotSet("requested_slot", None),
    ]


@pytest.mark.parametrize(
    "asked, text, value",
    [("service_type", "只用来做邮箱", "email"), ("service_type", "a webiste", "website"), ("server_location", "海外", "overseas")],
)
async def test_reads_typed_answers(dispatcher, domain, asked, text, value):
    known = {} if asked == "server_location" else {"server_location": "mainland"}
    tracker = make_form_tracker(FORM, requested=asked, slots=known, text=text, intent="inform")
    events = await ValidateFilingForm().run(dispatcher, tracker, domain)
    assert events[0] == SlotSet(asked, value)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("code, slots", BRANCHES, ids=[f"{code}-{slots.get('service_type')}" for code, slots in BRANCHES])
async def test_advice_for_every_branch(kb, dispatcher, lang, code, slots):
    advice = filing_needed(**slots)
    assert advice.code == code
    events = await ActionFilingAdvice(kb).run(dispatcher, make_tracker(slots={**slots, "language": lang}), {})
    assert_advice_messages(dispatcher.messages, advice, lang, events)
    assert events[1:] == [SlotSet(slot, None) for slot in ("server_location", "service_type", "domain_filing")]
