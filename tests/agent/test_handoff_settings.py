"""Handoff settings (env) and the two handoff actions, without servers."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import (
    ActionHandoff,
    ActionValidateSlotMappings,
    HandoffSettings,
    HandoffSettingsError,
    ServiceHours,
)
from tests.factories import make_tracker

# Tuesday 2026-11-24 10:00 in Shanghai
TUESDAY_10 = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)


def test_defaults_always_open_ten_minutes_no_contact():
    settings = HandoffSettings.from_env({})
    assert (settings.wait_minutes, settings.hours, settings.contact) == (10.0, None, "")
    assert settings.is_open(TUESDAY_10 + timedelta(hours=14))
    assert settings.contact_response("utter_handoff_timeout") == "utter_handoff_timeout_no_contact"


def test_the_contact_route_falls_back_to_the_support_pages_address():
    assert HandoffSettings.from_env({"WEB_CONTACT_EMAIL": "help@example.org"}).contact == "help@example.org"
    assert HandoffSettings.from_env({"WEB_CONTACT_EMAIL": "help@example.org",
                                     "HANDOFF_CONTACT": "https://example.org/ticket"}).contact == "https://example.org/ticket"


@pytest.mark.parametrize(
    "spec, moment, is_open",
    [
        ("09:00-18:00", TUESDAY_10, True),
        ("Mon-Fri 09:00-18:00", TUESDAY_10, True),
        ("Mon-Fri 09:00-18:00", TUESDAY_10 + timedelta(hours=8, minutes=1), False),  # 18:01
        ("Mon-Fri 09:00-18:00", TUESDAY_10 - timedelta(hours=1, minutes=1), False),  # 08:59
        ("Sat,Sun 09:00-18:00", TUESDAY_10, False),
        ("Fri-Tue 00:00-24:00", TUESDAY_10, True),  # wraps over the weekend
        ("Wed-Thu 00:00-24:00", TUESDAY_10, False),
    ],
)
def test_service_hours_in_the_configured_zone(spec, moment, is_open):
    assert ServiceHours.parse(spec, "Asia/Shanghai").is_open(moment) is is_open


@pytest.mark.parametrize(
    "env",
    [
        {"HANDOFF_WAIT_MINUTES": "0"},
        {"HANDOFF_WAIT_MINUTES": "ten"},
        {"HANDOFF_SERVICE_HOURS": "9-18"},
        {"HANDOFF_SERVICE_HOURS": "Mon-Xyz 09:00-18:00"},
        {"HANDOFF_SERVICE_HOURS": "18:00-09:00"},
        {"HANDOFF_SERVICE_HOURS": "09:00-25:00"},
        {"HANDOFF_SERVICE_HOURS": "09:00-18:00", "HANDOFF_TIMEZONE": "Mars/Olympus"},
    ],
)
def test_unusable_settings_fail_naming_the_variable(env):
    with pytest.raises(HandoffSettingsError) as raised:
        HandoffSettings.from_env(env)
    assert next(iter(env)) in str(raised.value) or "HANDOFF_TIMEZONE" in str(raised.value)


def test_expiry_counts_from_the_request():
    settings = HandoffSettings(wait_minutes=5)
    asked = TUESDAY_10.isoformat()
    assert not settings.has_expired(asked, TUESDAY_10 + timedelta(minutes=4, seconds=59))
    assert settings.has_expired(asked, TUESDAY_10 + timedelta(minutes=5, seconds=1))
    assert settings.has_expired("not a time", TUESDAY_10)


async def test_outside_service_hours_nobody_is_queued_and_the_contact_route_is_given():
    settings = HandoffSettings(hours=ServiceHours.parse("Mon-Fri 09:00-18:00"), contact="help@example.org")
    dispatcher = CollectingDispatcher()
    saturday = TUESDAY_10 + timedelta(days=4)
    events = await ActionHandoff(clock=lambda: saturday, settings=settings).run(
        dispatcher, make_tracker(intent="request_human", text="人工"), {})
    assert dispatcher.messages[0]["response"] == "utter_handoff_closed"
    assert dispatcher.messages[0]["contact"] == "help@example.org"
    assert "Mon-Fri 09:00-18:00" in dispatcher.messages[0]["hours"]
    assert events[0] == SlotSet("handoff_status", "closed")


async def test_in_service_hours_the_user_is_queued_and_told_the_wait():
    settings = HandoffSettings(wait_minutes=15, hours=ServiceHours.parse("Mon-Fri 09:00-18:00"))
    dispatcher = CollectingDispatcher()
    events = await ActionHandoff(clock=lambda: TUESDAY_10, settings=settings).run(
        dispatcher, make_tracker(intent="request_human"), {})
    assert dispatcher.messages[0]["response"] == "utter_handoff" and dispatcher.messages[0]["wait"] == "15"
    assert events[0] == SlotSet("handoff_status", "waiting")


@pytest.mark.parametrize(
    "status, intent, reminded",
    [
        ("waiting", "faq", True),
        ("waiting", "request_deregistration", True),
        ("waiting", "request_human", False),
        ("waiting", "greet", False),
        ("active", "faq", False),
        ("expired", "faq", False),
        (None, "faq", False),
    ],
)
async def test_the_reminder_only_for_questions_while_waiting(status, intent, reminded):
    dispatcher = CollectingDispatcher()
    events = await ActionValidateSlotMappings().run(
        dispatcher, make_tracker(slots={"handoff_status": status}, intent=intent), {})
    assert events == []
    assert [m["response"] for m in dispatcher.messages] == (["utter_handoff_still_open"] if reminded else [])
