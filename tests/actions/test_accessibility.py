"""The "website can't be accessed" dialog: questions in the decision's order, every advice branch."""
import pytest
from rasa_sdk.events import SlotSet

from actions.accessibility import ActionAccessibilityAdvice, ValidateAccessibilityForm
from knowledge import diagnose_access
from tests.actions.advice_checks import assert_advice_messages
from tests.factories import make_form_tracker, make_tracker

FORM = "accessibility_form"
MAINLAND = {"server_location": "mainland"}

BRANCHES = [
    ("access_outside_mainland", {"server_location": "hong_kong"}),
    ("access_deregistered", {**MAINLAND, "domain_filing": "deregistered"}),
    ("access_wait_sync", {**MAINLAND, "domain_filing": "none", "application_stage": "approved_today"}),
    ("access_server_issue", {**MAINLAND, "domain_filing": "this_provider", "application_stage": "approved_earlier", "server_reachable": "yes"}),
    (
        "access_resolution_paused",
        {**MAINLAND, "domain_filing": "this_provider", "application_stage": "approved_earlier", "server_reachable": "no", "domain_suffix": ".com"},
    ),
    ("access_not_filed", {**MAINLAND, "domain_filing": "none", "application_stage": "not_applied"}),
    ("access_filing_in_review", {**MAINLAND, "domain_filing": "none", "application_stage": "in_review"}),
    ("access_transfer_needed", {**MAINLAND, "domain_filing": "other_provider", "application_stage": "not_applied"}),
    ("access_transfer_in_review", {**MAINLAND, "domain_filing": "other_provider", "application_stage": "in_review"}),
    (
        "access_transfer_check_server",
        {**MAINLAND, "domain_filing": "other_provider", "application_stage": "preliminarily_approved", "server_reachable": "yes"},
    ),
    (
        "access_transfer_contact_support",
        {**MAINLAND, "domain_filing": "other_provider", "application_stage": "preliminarily_approved", "server_reachable": "no"},
    ),
]


@pytest.mark.parametrize(
    "known, next_slot",
    [
        ({}, "server_location"),
        (MAINLAND, "domain_filing"),
        ({**MAINLAND, "domain_filing": "none"}, "application_stage"),
        ({**MAINLAND, "domain_filing": "this_provider", "application_stage": "in_review"}, "server_reachable"),
        # only where the ping decides
        ({**MAINLAND, "domain_filing": "none", "application_stage": "in_review"}, None),
        ({**MAINLAND, "domain_filing": "deregistered"}, None),
    ],
)
async def test_asks_the_next_question(dispatcher, domain, known, next_slot):
    events = await ValidateAccessibilityForm().run(dispatcher, make_form_tracker(FORM, candidates=known), domain)
    assert events[-1] == SlotSet("requested_slot", next_slot)


@pytest.mark.parametrize(
    "known, asked, text, intent, value",
    [
        ({**MAINLAND, "domain_filing": "none"}, "application_stage", "今天刚通过", "inform", "approved_today"),
        ({**MAINLAND, "domain_filing": "none"}, "application_stage", "still under reveiw", "inform", "in_review"),
        ({**MAINLAND, "domain_filing": "this_provider", "application_stage": "approved_earlier"}, "server_reachable", "ping不通", "inform", "no"),
        ({**MAINLAND, "domain_filing": "this_provider", "application_stage": "approved_earlier"}, "server_reachable", "yes", "affirm", "yes"),
        (MAINLAND, "domain_filing", "還沒備案", "inform", "none"),
    ],
)
async def test_reads_typed_answers(dispatcher, domain, known, asked, text, intent, value):
    tracker = make_form_tracker(FORM, requested=asked, slots=known, text=text, intent=intent)
    events = await ValidateAccessibilityForm().run(dispatcher, tracker, domain)
    assert events[0] == SlotSet(asked, value)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("code, slots", BRANCHES, ids=[code for code, _ in BRANCHES])
async def test_advice_for_every_branch(kb, dispatcher, lang, code, slots):
    advice = diagnose_access(**slots)
    assert advice.code == code
    events = await ActionAccessibilityAdvice(kb).run(dispatcher, make_tracker(slots={**slots, "language": lang}), {})
    assert_advice_messages(dispatcher.messages, advice, lang, events)
    assert SlotSet("server_location", None) in events and SlotSet("domain_suffix", None) in events


async def test_switching_from_another_dialog_is_not_an_answer(dispatcher, domain):
    """"My website can't be accessed" in the middle of the filing dialog opens this one;
    requested_slot still names the filing dialog's question, which this message doesn't answer."""
    events = [
        {"event": "active_loop", "name": "filing_form"},
        {"event": "user", "text": "my website can't be accessed"},
        {"event": "active_loop", "name": FORM},
        {"event": "action", "name": FORM},
    ]
    tracker = make_tracker(
        slots={"requested_slot": "server_location"},
        events=events,
        active_loop=FORM,
        text="my website can't be accessed",
        intent="check_accessibility",
    )
    assert await ValidateAccessibilityForm().run(dispatcher, tracker, domain) == [SlotSet("requested_slot", "server_location")]
    assert dispatcher.messages == []
