"""Handing the conversation to a human agent.

The agent API (channels/agent.py) finds waiting conversations by their slots: ``handoff_status``
= waiting, ``handoff_requested_at`` (ISO 8601, UTC) and ``handoff_reason`` (requested: the user
asked; fallback: the user accepted the offer made after the bot failed to understand twice).
While a conversation waits the bot keeps answering and reminds the user that the request stays
open (``action_validate_slot_mappings``, which Rasa runs after every user message). Outside the
configured service hours nobody is queued: the user is given the contact route instead. The
Rasa server (channels/agent.py) tells a user nobody took in time (``expired``), pauses the bot
while an agent holds the conversation (``active``) and hands it back on release.

The settings are shared by both processes (the action server and the Rasa server read the same
environment): :class:`HandoffSettings`.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, time, timezone, tzinfo
from typing import Callable, FrozenSet, List, Mapping, Optional, Text
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import entity_values
from actions.dialog import DIALOG_SLOTS

WAITING = "waiting"
ACTIVE = "active"  # an agent holds the conversation: the bot is paused
EXPIRED = "expired"  # nobody took it in time; the user was given the contact route
CLOSED = "closed"  # asked outside service hours; the user was given the contact route
STATUSES = (WAITING, ACTIVE, EXPIRED, CLOSED)
REASONS = ("requested", "fallback")
# Messages that are no question to remind about: asking again (action_handoff answers),
# starting over, and what the web page sends by itself (session start, language toggle).
_NO_REMINDER_INTENTS = frozenset({"request_human", "restart", "greet", "change_language"})

WAIT_MINUTES_ENV = "HANDOFF_WAIT_MINUTES"
SERVICE_HOURS_ENV = "HANDOFF_SERVICE_HOURS"
TIMEZONE_ENV = "HANDOFF_TIMEZONE"
CONTACT_ENV = "HANDOFF_CONTACT"
# The support page's contact address (web/README.md): the route when none is set for handoffs.
WEB_CONTACT_ENV = "WEB_CONTACT_EMAIL"
DEFAULT_WAIT_MINUTES = 10.0
DEFAULT_TIMEZONE = "Asia/Shanghai"

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(
    r"^\s*(?:(?P<days>[A-Za-z]{3}(?:\s*[-,]\s*[A-Za-z]{3})*)\s+)?"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$"
)


class HandoffSettingsError(ValueError):
    """A handoff environment variable cannot be used; the message names it and the format."""


def _days(spec: Optional[Text]) -> FrozenSet[int]:
    if not spec:
        return frozenset(range(7))
    days: set = set()
    for part in spec.lower().replace(" ", "").split(","):
        ends = part.split("-")
        if len(ends) > 2 or any(day not in _DAYS for day in ends):
            raise HandoffSettingsError(
                f"{SERVICE_HOURS_ENV}: '{spec}' is not a list of days such as Mon-Fri or Mon,Wed,Sat"
            )
        first, last = _DAYS.index(ends[0]), _DAYS.index(ends[-1])
        day = first
        while True:  # Fri-Mon wraps over the weekend
            days.add(day)
            if day == last:
                break
            day = (day + 1) % 7
    return frozenset(days)


def _time(value: Text) -> time:
    hours, minutes = (int(part) for part in value.split(":"))
    if hours == 24 and minutes == 0:
        return time.max
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise HandoffSettingsError(f"{SERVICE_HOURS_ENV}: '{value}' is not a time of day")
    return time(hours, minutes)


@dataclass(frozen=True)
class ServiceHours:
    """When agents work, e.g. ``Mon-Fri 09:00-18:00`` in ``Asia/Shanghai``."""

    days: FrozenSet[int]
    start: time
    end: time
    zone: tzinfo
    label: Text  # shown to users as configured: "Mon-Fri 09:00-18:00 (Asia/Shanghai)"

    @classmethod
    def parse(cls, spec: Text, zone_name: Text = DEFAULT_TIMEZONE) -> "ServiceHours":
        match = _HOURS.match(spec or "")
        if not match:
            raise HandoffSettingsError(
                f"{SERVICE_HOURS_ENV}: '{spec}' is not of the form [Mon-Fri ]09:00-18:00"
            )
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise HandoffSettingsError(
                f"{TIMEZONE_ENV}: '{zone_name}' is not a time zone such as Asia/Shanghai"
            ) from None
        start, end = _time(match.group("start")), _time(match.group("end"))
        if start >= end:
            raise HandoffSettingsError(f"{SERVICE_HOURS_ENV}: '{spec}' ends before it starts")
        return cls(_days(match.group("days")), start, end, zone, f"{spec.strip()} ({zone_name})")

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        return local.weekday() in self.days and self.start <= local.time() < self.end


@dataclass(frozen=True)
class HandoffSettings:
    """How long a user waits at most, when agents work, and where else users can turn.

    ``hours`` None means agents are always available; ``contact`` empty means no other route
    is configured (the replies then say to ask again later).
    """

    wait_minutes: float = DEFAULT_WAIT_MINUTES
    hours: Optional[ServiceHours] = None
    contact: Text = ""

    @classmethod
    def from_env(cls, environ: Optional[Mapping[Text, Text]] = None) -> "HandoffSettings":
        environ = os.environ if environ is None else environ
        raw_wait = (environ.get(WAIT_MINUTES_ENV) or "").strip()
        try:
            wait = float(raw_wait) if raw_wait else DEFAULT_WAIT_MINUTES
        except ValueError:
            wait = -1.0
        if not wait > 0:
            raise HandoffSettingsError(
                f"{WAIT_MINUTES_ENV}: '{raw_wait}' is not a positive number of minutes"
            )
        spec = (environ.get(SERVICE_HOURS_ENV) or "").strip()
        zone = (environ.get(TIMEZONE_ENV) or "").strip() or DEFAULT_TIMEZONE
        hours = ServiceHours.parse(spec, zone) if spec else None
        contact = (environ.get(CONTACT_ENV) or "").strip() or (environ.get(WEB_CONTACT_ENV) or "").strip()
        return cls(wait, hours, contact)

    @property
    def wait_label(self) -> Text:
        return f"{self.wait_minutes:g}"

    def is_open(self, moment: datetime) -> bool:
        return self.hours is None or self.hours.is_open(moment)

    def has_expired(self, requested_at: Optional[Text], now: datetime) -> bool:
        """Has a request made at ``requested_at`` (ISO 8601) waited longer than allowed?
        An unreadable time counts as expired: a request nobody can date would wait forever."""
        try:
            since = datetime.fromisoformat(str(requested_at))
        except ValueError:
            return True
        if since.tzinfo is None:
            since = since.replace(tzinfo=timezone.utc)
        return (now - since).total_seconds() > self.wait_minutes * 60

    def contact_response(self, base: Text) -> Text:
        """``utter_handoff_timeout`` or ``utter_handoff_timeout_no_contact`` (same for closed)."""
        return base if self.contact else f"{base}_no_contact"


def _now() -> datetime:
    return datetime.now(timezone.utc)


class ActionHandoff(Action):
    def __init__(
        self,
        clock: Optional[Callable[[], datetime]] = None,
        settings: Optional[HandoffSettings] = None,
    ) -> None:
        super().__init__()
        self._clock = clock or _now
        self._settings = settings

    @property
    def settings(self) -> HandoffSettings:
        # Read on first use, not when rasa-sdk instantiates every action at start-up.
        if self._settings is None:
            self._settings = HandoffSettings.from_env()
        return self._settings

    def name(self) -> Text:
        return "action_handoff"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        if tracker.get_slot("handoff_status") == WAITING:
            # Keep the first request's time: the queue is ordered by it.
            dispatcher.utter_message(response="utter_handoff_already_waiting")
            return []
        # The fallback's "talk to a human" button says why; anything typed is a plain request.
        reason = next((r for r in entity_values(tracker, "handoff_reason") if r in REASONS), REASONS[0])
        now = self._clock()
        settings = self.settings
        if settings.is_open(now):
            status = WAITING
            dispatcher.utter_message(response="utter_handoff", wait=settings.wait_label)
        else:
            # Nobody would answer: say so now and give the other route rather than queue.
            status = CLOSED
            dispatcher.utter_message(
                response=settings.contact_response("utter_handoff_closed"),
                hours=settings.hours.label if settings.hours else "",
                contact=settings.contact,
            )
        # The dialog the user was in (if any) has been deactivated by the rules; its answers stay
        # visible to the agent in the conversation history.
        return [
            SlotSet("handoff_status", status),
            SlotSet("handoff_requested_at", now.isoformat(timespec="seconds")),
            SlotSet("handoff_reason", reason),
        ] + [SlotSet(slot, None) for slot in DIALOG_SLOTS]


class ActionValidateSlotMappings(Action):
    """Rasa's global slot-mapping validation hook, used as the per-message handoff reminder.

    Rasa 3.6 runs ``action_validate_slot_mappings`` (when the domain lists it) at the end of
    ``action_extract_slots`` after every user message, and sends the messages it returns before
    the policies pick the answer; it is the one per-message hook whose messages reach the user
    (those of custom slot-mapping actions are dropped). A user who asks a question while waiting
    gets the answer after a line saying that the human request stays open.

    It validates nothing: returning no ``SlotSet`` keeps every extracted slot as it is. A future
    global slot validation belongs here too (rasa-sdk allows one action of this name).
    """

    def name(self) -> Text:
        return "action_validate_slot_mappings"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        if tracker.get_slot("handoff_status") != WAITING:
            return []
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        if intent in _NO_REMINDER_INTENTS:
            return []
        dispatcher.utter_message(response="utter_handoff_still_open")
        return []
