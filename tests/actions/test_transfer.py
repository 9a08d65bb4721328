"""The ICP filing transfer dialog: questions in the decision's order, every advice branch."""
import pytest
from rasa_sdk.events import SlotSet

from actions.transfer import ActionTransferAdvice, ValidateTransferForm
from knowledge import transfer_advice
from tests.actions.advice_checks import assert_advice_messages
from tests.factories import make_form_tracker, make_tracker

FORM = "transfer_form"

BRANCHES = [
    ("transfer_not_needed_outside_mainland", {"server_location": "overseas"}),
    ("transfer_new_filing_needed", {"server_location": "mainland", "domain_filing": "none"}),
    ("transfer_not_needed", {"server_location": "mainland", "domain_filing": "this_provider"}),
    ("transfer_deregistered", {"server_location": "mainland", "domain_filing": "deregistered"}),
    ("transfer_multiple_providers", {"server_location": "mainland", "domain_filing": "other_provider", "provider_change": "add"}),
    (
        "transfer_then_new_websites",
        {"server_location": "mainland", "domain_filing": "other_provider", "provider_change": "switch", "new_websites": "yes"},
    ),
    (
        "transfer_required",
        {"server_location": "mainland", "domain_filing": "other_provider", "provider_change": "switch", "new_websites": "no"},
    ),
]


@pytest.mark.parametrize(
    "known, next_slot",
    [
        ({}, "server_location"),
        ({"server_location": "mainland"}, "domain_filing"),
        ({"server_location": "mainland", "domain_filing": "other_provider"}, "provider_change"),
        ({"server_location": "mainland", "domain_filing": "other_provider", "provider_change": "switch"}, "new_websites"),
        ({"server_location": "hong_kong"}, None),
    ],
)
async def test_asks_the_next_question(dispatcher, domain, known, next_slot):
    """Values known when the form starts (e.g. "Hong Kong" in the first message) are not asked again."""
    events = await ValidateTransferForm().run(dispatcher, make_form_tracker(FORM, candidates=known), domain)
    assert events == [SlotSet(slot, value) for slot, value in known.items()] + [SlotSet("requested_slot", next_slot)]


MAINLAND_OTHER = {"server_location": "mainland", "domain_filing": "other_provider"}


@pytest.mark.parametrize(
    "known, asked, text, intent, value",
    [
        (MAINLAND_OTHER, "provider_change", "几家一起用", "inform", "add"),
        (MAINLAND_OTHER, "provider_change", "switching over completely", "inform", "switch"),
        ({**MAINLAND_OTHER, "provider_change": "switch"}, "new_websites", "no", "deny", "no"),
        ({**MAINLAND_OTHER, "provider_change": "switch"}, "new_websites", "yes, some new sites too", "affirm", "yes"),
        ({"server_location": "mainland"}, "domain_filing", "filed with a diffrent provider", "inform", "other_provider"),
    ],
)
async def test_reads_typed_answers(dispatcher, domain, known, asked, text, intent, value):
    tracker = make_form_tracker(FORM, requested=asked, slots=known, text=text, intent=intent)
    events = await ValidateTransferForm().run(dispatcher, tracker, domain)
    assert events[0] == SlotSet(asked, value)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("code, slots", BRANCHES, ids=[code for code, _ in BRANCHES])
async def test_advice_for_every_branch(kb, dispatcher, lang, code, slots):
    advice = transfer_advice(**slots)
    assert advice.code == code
    events = await ActionTransferAdvice(kb).run(dispatcher, make_tracker(slots={**slots, "language": lang}), {})
    assert_advice_messages(dispatcher.messages, advice, lang, events)
    assert events[1:] == [SlotSet(slot, None) for slot in ("server_location", "domain_filing", "provider_change", "new_websites")]
