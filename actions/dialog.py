"""Guided dialogs: Rasa forms whose next question comes from a knowledge decision function.

A dialog asks only what its decision function still needs (``Ask(slot)``) and ends as soon as the
function returns ``Advice``. Answers arrive three ways: a button (``/inform{"dereg_scope":"entity"}``,
filled by the slot's ``from_entity`` mapping), the NLU's entity extractor (server_location, province,
domain_suffix, in any message) or typed words, which :class:`DialogFormValidation` reads here for
the question just asked.
"""
from __future__ import annotations

import abc
import inspect
import logging
import re
from dataclasses import dataclass
from typing import Any, ClassVar, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, Restarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import (
    ANSWER_INTENTS,
    CONTROL_CONFIDENCE,
    CONTROL_INTENTS,
    MIN_KEYWORD_SHARE,
    SPACE_AND_PUNCT,
    extract_answer,
    fold,
    keyword_hits,
    looks_like_question,
)
from actions.base import KnowledgeAction, UsesKnowledge, user_language
from actions.reply import advice_answer, phrase, send_answer
from actions.render import source_titles
from knowledge import DECISION_INPUTS, DECISIONS, Advice, Ask, Knowledge, Outcome, check_input, find_province
from knowledge.text import has_cjk

logger = logging.getLogger(__name__)

REQUESTED_SLOT = "requested_slot"
PROVINCE = "province"
PROVINCE_CANDIDATES = "province_candidates"

# Every slot a guided dialog fills, except the province: the user's province stays useful for
# later questions ("and the form for my province?"), the rest describes one case only.
DIALOG_SLOTS: Tuple[Text, ...] = tuple(
    sorted({slot for inputs in DECISION_INPUTS.values() for slot in inputs} - {PROVINCE})
)


# --------------------------------------------------------------------------- dialogs


def clean_value(slot: Text, value: Any, knowledge: Knowledge) -> Optional[Text]:
    """``value`` in the form the decision functions take, None when it isn't a valid answer.

    Buttons can be replayed from old messages and payloads typed by hand, so slot values are
    checked here instead of trusting the categorical slot type.
    """
    if slot == PROVINCE:
        return value if isinstance(value, str) and knowledge.bureau(value) else None
    try:
        return check_input(slot, value)
    except ValueError:
        return None


@dataclass(frozen=True)
class Dialog:
    """One guided dialog: its topic, decision function and the intent that opens it."""

    topic: Text  # deregistration → deregistration_form, action_deregistration_advice
    decision: Text  # key of knowledge.decisions.DECISIONS
    opener: Text

    @property
    def form(self) -> Text:
        return f"{self.topic}_form"

    @property
    def inputs(self) -> Tuple[Text, ...]:
        return tuple(DECISION_INPUTS[self.decision])

    def values(self, tracker: Tracker, knowledge: Knowledge) -> Dict[Text, Optional[Text]]:
        return {slot: clean_value(slot, tracker.get_slot(slot), knowledge) for slot in self.inputs}

    def decide(self, tracker: Tracker, knowledge: Knowledge) -> Outcome:
        return self.decide_values(self.values(tracker, knowledge), knowledge)

    def decide_values(self, values: Dict[Text, Optional[Text]], knowledge: Knowledge) -> Outcome:
        function = DECISIONS[self.decision]
        if "kb" in inspect.signature(function).parameters:
            return function(kb=knowledge, **values)
        return function(**values)

    def reset(self) -> List[EventType]:
        return [SlotSet(slot, None) for slot in self.inputs if slot != PROVINCE]


def _latest_intent(tracker: Tracker) -> Optional[Text]:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def active_loop_at_latest_message(tracker: Tracker) -> Optional[Text]:
    """The form that was running when the user wrote the latest message (None: none was)."""
    active: Optional[Text] = None
    at_message: Optional[Text] = None
    for event in tracker.events:
        kind = event.get("event")
        if kind == "active_loop":
            active = event.get("name")
        elif kind == "restart":
            active = None
        elif kind == "user":
            at_message = active
    return at_message


# A number of websites or domains typed into a dialog ("about fifteen domains", "三十个网站"): the
# FAQ entry on how many one application may hold answers it (the dialog then asks again).
COUNT_ENTRIES = {"transfer": "transfer_max_websites", "filing": "filing_websites_per_application"}
_COUNT = re.compile(
    r"(?:\b\d+\b|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|dozens?|hundreds?|several|many)\b)"
    r"[\w\s-]{0,12}?\b(?:domains?|sites?|websites?)\b"
    r"|(?:\d+|[两二三四五六七八九十几百多]+)\s*[个個]?\s*(?:域名|网站|網站|站点|站)",
    re.I,
)


def mentions_a_count(text: Text) -> bool:
    return _COUNT.search(text) is not None


def provider_answer(tracker: Tracker) -> Optional[Text]:
    """"备案是在腾讯云做的" after "the server is on Tencent Cloud": the filing is with the server's
    provider (this_provider), or with another one when the two names differ."""
    def providers(message: Dict[Text, Any]) -> List[Text]:
        return [e.get("value") for e in message.get("entities") or [] if e.get("entity") == "provider"]

    now = [p for p in providers(tracker.latest_message or {}) if p != "other"]
    if len(set(now)) != 1:
        return None
    users = [e for e in tracker.events if e.get("event") == "user"]
    for event in reversed(users[:-1]):
        before = [p for p in providers(event.get("parse_data") or {}) if p != "other"]
        if before:
            return "this_provider" if before[-1] == now[0] else "other_provider"
    return None


_OVERVIEW_ACTION = re.compile(r"action_([a-z_]+)_overview")
BUREAU_ACTION = "action_bureau_link"


def last_action(tracker: Tracker) -> Optional[Text]:
    """The bot's last action before the latest message (action_listen aside)."""
    events = list(tracker.events)
    users = [i for i, event in enumerate(events) if event.get("event") == "user"]
    for event in reversed(events[: users[-1]] if users else events):
        if event.get("event") == "action" and event.get("name") not in ("action_listen", None):
            return event.get("name")
    return None


def offered_topic(tracker: Tracker) -> Optional[Text]:
    """The dialog topic whose overview was the bot's reply just before the latest message (its
    general answer ends with the offer to go through the case), when no form was running."""
    if active_loop_at_latest_message(tracker):
        return None
    if not any(event.get("event") == "user" for event in tracker.events):
        return None
    name = last_action(tracker)
    if name is None:
        return None
    if name == BUREAU_ACTION:
        return "deregistration"  # a province's deregistration form: "and if it's another company's?"
    found = _OVERVIEW_ACTION.fullmatch(name)
    topic = found.group(1) if found else None
    return topic if f"{topic}_form" in FORM_OPENERS else None


class DialogFormValidation(UsesKnowledge, FormValidationAction, metaclass=abc.ABCMeta):
    """Reads typed answers to the question the form has just asked.

    Buttons and entities fill slots through their mappings before this runs; here the user's
    words are matched against answers.yml (and provinces against knowledge/). If the message was
    meant as an answer but matches nothing, the user is told so and the form asks again, instead
    of the form being rejected and the message treated as a new question.
    """

    opener: ClassVar[Text] = ""
    inputs: ClassVar[Tuple[Text, ...]] = ()

    @abc.abstractmethod
    def name(self) -> Text:  # pragma: no cover - abstract
        ...

    async def get_extraction_events(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        asked = tracker.get_slot(REQUESTED_SLOT)
        if asked not in self.inputs or tracker.get_slot(asked) is not None:
            return []  # just opened, or the mappings already filled the answer
        if active_loop_at_latest_message(tracker) != self.form_name():
            # Opened by this message, possibly in place of another form whose question
            # requested_slot still names: the message is the request, not an answer.
            return []
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        intent = _latest_intent(tracker)
        confidence = float((message.get("intent") or {}).get("confidence") or 0.0)
        if intent in CONTROL_INTENTS and confidence >= CONTROL_CONFIDENCE:
            return []  # the rules stop, restart or hand over
        answer_intent = intent in ANSWER_INTENTS or intent == self.opener
        if asked == PROVINCE:
            return self._province_answer(text, answer_intent)
        value = extract_answer(asked, text, intent, answer_intent)
        if value is None and asked == "domain_filing":
            value = provider_answer(tracker)
        if value is not None:
            return [SlotSet(asked, value)] + self._more_answers(tracker, asked, text)
        other_answers = [slot for slot in tracker.slots_to_validate() if slot in self.inputs]
        count_entry = COUNT_ENTRIES.get(self.form_name().replace("_form", ""))
        if not other_answers and count_entry and mentions_a_count(text):
            # "there are about fifteen domains": the limit on how many, then the question again.
            entry = self.knowledge.faq_by_id(count_entry)
            if entry is not None:
                lang = user_language(tracker)
                dispatcher.utter_message(
                    response="utter_faq_answer", answer=entry.answer.get(lang).strip(), extra="",
                    source=source_titles(self.knowledge, entry.sources, lang),
                )
                return [SlotSet(asked, None)]
        if answer_intent and not other_answers:
            dispatcher.utter_message(response="utter_answer_not_understood")
            # A SlotSet keeps the form from being rejected: it asks the same question again.
            return [SlotSet(asked, None)]
        if answer_intent:
            # "its on a server in mainland china" while the form asks about the filing: the value
            # is kept, and saying so shows the user why the same question comes again.
            dispatcher.utter_message(response="utter_noted_in_dialog")
            return [SlotSet(asked, None)]
        return []

    def _more_answers(self, tracker: Tracker, asked: Text, text: Text) -> List[EventType]:
        """Values the same answer gives for the dialog's other questions, by their longer keywords
        only ("servers in Hangzhou, filed with the same cloud, approved months ago"): the form then
        does not ask them."""
        events: List[EventType] = []
        for slot in self.inputs:
            if slot in (asked, PROVINCE) or tracker.get_slot(slot) is not None:
                continue
            hits = [hit for hit in keyword_hits(slot, text) if hit.length >= (3 if has_cjk(hit.keyword) else 5)]
            values = {hit.value for hit in hits}
            if len(values) == 1:
                events.append(SlotSet(slot, values.pop()))
        return events

    def _province_answer(self, text: Text, answer_intent: bool) -> List[EventType]:
        match = find_province(self.knowledge, text)
        if match.bureau is not None:
            share = len(match.matched or "") / max(1, len(SPACE_AND_PUNCT.sub("", fold(text))))
            if answer_intent or not looks_like_question(text) or share >= MIN_KEYWORD_SHARE:
                return [SlotSet(PROVINCE, match.bureau.id)]
            return []
        if not answer_intent:
            return []
        # action_ask_province offers these as "did you mean" buttons (or, if empty, says it
        # doesn't know the place) when the form asks again.
        return [SlotSet(PROVINCE_CANDIDATES, [bureau.id for bureau in match.candidates])]

    async def get_validation_events(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        """Every new value of this dialog's slots, cleaned (not only the one asked for)."""
        events: List[EventType] = []
        for slot, value in tracker.slots_to_validate().items():
            if slot in self.inputs:
                events.append(SlotSet(slot, clean_value(slot, value, self.knowledge)))
            elif slot == PROVINCE_CANDIDATES:
                events.append(SlotSet(slot, value))
        return events


class DecisionFormValidation(DialogFormValidation, metaclass=abc.ABCMeta):
    """Validation for a dialog driven by a knowledge decision function."""

    dialog: ClassVar[Dialog]

    @property
    def inputs(self) -> Tuple[Text, ...]:  # type: ignore[override]
        return self.dialog.inputs

    @property
    def opener(self) -> Text:  # type: ignore[override]
        return self.dialog.opener

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        """What the decision function still needs: ``[Ask.slot]``, or ``[]`` once it can advise."""
        outcome = self.dialog.decide(tracker, self.knowledge)
        return [outcome.slot] if isinstance(outcome, Ask) else []


class DecisionAdviceAction(KnowledgeAction, metaclass=abc.ABCMeta):
    """Sends a finished dialog's advice and forgets the case (the province and language stay)."""

    dialog: ClassVar[Dialog]

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        outcome = self.dialog.decide(tracker, self.knowledge)
        events: List[EventType] = []
        if isinstance(outcome, Advice):
            # Only a dialog that asks for the province names it ("For Jiangsu, as you said before").
            province = clean_value(PROVINCE, tracker.get_slot(PROVINCE), self.knowledge) if PROVINCE in self.dialog.inputs else None
            bureau = self.knowledge.bureau(province) if province else None
            events = advice_answer(dispatcher, tracker, domain, self.knowledge, outcome, bureau)
        else:
            # Only reachable if a story runs this action before the form has finished.
            logger.warning("%s ran before %s could advise (still needs %s)", self.name(), self.dialog.form, outcome.slot)
            dispatcher.utter_message(response="utter_ask_rephrase")
        return events + self.dialog.reset()


# --------------------------------------------------------------------------- leaving a dialog


# The intent that opens each guided dialog's form: its FAQ entry is the dialog's general answer.
FORM_OPENERS = {
    "deregistration_form": "request_deregistration",
    "transfer_form": "ask_transfer_needed",
    "accessibility_form": "check_accessibility",
    "filing_form": "ask_filing_needed",
}


class ActionStopDialog(UsesKnowledge, Action):
    """"Never mind" / "skip, just tell me the general answer": leave the dialog with its general
    answer (the rules deactivate the form first) and forget the case."""

    def name(self) -> Text:
        return "action_stop_dialog"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        events: List[EventType] = [SlotSet(slot, None) for slot in DIALOG_SLOTS] + [SlotSet(PROVINCE_CANDIDATES, None)]
        form = active_loop_at_latest_message(tracker)
        offered = offered_topic(tracker) if form is None else None
        if offered:
            # "skip, just tell me the general answer" right after the offer to go step by step
            form = f"{offered}_form"
        opener = FORM_OPENERS.get(form or "")
        entry = self.knowledge.faq_by_intent(opener) if opener else None
        if entry is None:
            dispatcher.utter_message(response="utter_dialog_stopped")
            return events
        lang = user_language(tracker)
        events += send_answer(
            dispatcher,
            required=[entry.answer.get(lang).strip()],
            optional=[],
            source=source_titles(self.knowledge, entry.sources, lang),
            intro=phrase(domain, "utter_intro_skip", lang),
        )
        return events


class ActionRestart(Action):
    """Overrides Rasa's action_restart ("start over" / "重新开始"): forgets everything but the language.

    Rasa's own restart also wipes the language slots, so a user who had asked for English would
    get the next answer in whatever language the next message happens to be written in.
    """

    def name(self) -> Text:
        return "action_restart"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_restart")
        events: List[EventType] = [Restarted()]
        for slot in ("language", "language_preference"):
            value = tracker.get_slot(slot)
            if value is not None:
                events.append(SlotSet(slot, value))
        return events
