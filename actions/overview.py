"""Answer first: what a dialog's opening question gets before any question is asked back.

A message that opens a guided dialog ("how do I deregister", "my site can't be opened") is answered
at once: with the advice, when the message (and what the user said before that persists) is
enough for the decision function; otherwise with the general answer (the FAQ entry behind the
dialog's intent) and an offer to go through the case step by step. The same logic answers
elliptical follow-ups in the last topic ("那福建呢", "and if it's another company's filing?").

Facts that describe one case (server location, filing status …) are taken only from the message
itself: they are not carried silently from an earlier dialog. The province (and the domain) persist
and are reused visibly ("For Jiangsu, as you said before …").
"""
from __future__ import annotations

import abc
import importlib
from typing import Any, ClassVar, Dict, List, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import SPACE_AND_PUNCT, fold, keyword_hits
from actions.base import KnowledgeAction, user_language
from actions.dialog import PROVINCE, Dialog, clean_value, offered_topic  # noqa: F401 (re-exported)
from actions.render import source_titles
from actions.reply import TOPIC, advice_answer, said_now, shanxi_unclear
from knowledge import Advice, Bureau, Knowledge
from knowledge.text import content_terms, has_cjk

# Slots whose answer words are read from an opening question too ("how do I deregister another
# company's filing?"), not only as answers to the question asked. Only keywords this long count:
# short ones ("own", "us", "site") mean too many other things in a question.
OPENER_KEYWORD_SLOTS = ("dereg_owner", "dereg_scope", "service_type", "provider_change")
MIN_OPENER_KEYWORD = 5
MIN_OPENER_KEYWORD_CJK = 3
# Topics whose answers depend on the province: a follow-up naming another province gets the
# answer for it, and their FAQ answers carry the province's own notes.
PROVINCE_TOPICS = ("deregistration", "bureau", "provincial_rules")
DIALOG_TOPICS = ("deregistration", "transfer", "accessibility", "filing")
# Answer words read from the reply to an offer ("Shall I check your case?"): the reply is an
# answer, so shorter keywords count than in a question; still none of 2-3 letters ("us", "can").
MIN_OFFER_KEYWORD = 4
MIN_OFFER_KEYWORD_CJK = 2
# Words that name the thing asked about rather than answer: "the old hosting company went bust"
# says nothing about deregistering the whole entity.
NOT_OFFER_ANSWERS = frozenset({"company", "公司", "website", "site", "网站"})


def opener_value(
    slot: Text, text: Text, min_latin: int = MIN_OPENER_KEYWORD, min_cjk: int = MIN_OPENER_KEYWORD_CJK
) -> Optional[Text]:
    """The value a question's own words give for ``slot`` (longest keyword), or None."""
    hits = [
        hit for hit in keyword_hits(slot, text)
        if hit.length >= (min_cjk if has_cjk(hit.keyword) else min_latin)
    ]
    if not hits:
        return None
    values = {hit.value for hit in hits}
    if values == {"yes", "no"}:
        return "no"  # as in the dialogs: "we can't do it online anymore" is a no
    if len(values) > 1:
        best = max(hits, key=lambda hit: hit.length)
        if sum(1 for hit in hits if hit.length == best.length and hit.value != best.value):
            return None
        return best.value
    return hits[0].value


def offer_value(slot: Text, text: Text) -> Optional[Text]:
    """The value a reply to the offer gives for ``slot``: its keywords of 4+ letters (2+ Han
    characters), generic nouns aside."""
    hits = [
        hit for hit in keyword_hits(slot, text)
        if hit.keyword not in NOT_OFFER_ANSWERS
        and hit.length >= (MIN_OFFER_KEYWORD_CJK if has_cjk(hit.keyword) else MIN_OFFER_KEYWORD)
    ]
    values = {hit.value for hit in hits}
    if not values:
        return None
    if values == {"yes", "no"}:
        return "no"
    best = max(hits, key=lambda hit: hit.length)
    if any(hit.length == best.length and hit.value != best.value for hit in hits):
        return None
    return best.value


class DialogOverviewAction(KnowledgeAction, metaclass=abc.ABCMeta):
    """``action_<topic>_overview``: the answer to a dialog's opening question, before any question."""

    dialog: ClassVar[Dialog]

    @abc.abstractmethod
    def name(self) -> Text:  # pragma: no cover - abstract
        ...

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        return self.answer(dispatcher, tracker, domain)

    # -- the case as this message describes it

    def words_in(self, tracker: Tracker) -> Dict[Text, Text]:
        """Values this dialog's answer words give in the latest message ("another company's filing")."""
        text = (tracker.latest_message or {}).get("text") or ""
        found = {slot: opener_value(slot, text) for slot in self.dialog.inputs if slot in OPENER_KEYWORD_SLOTS}
        return {slot: value for slot, value in found.items() if value is not None}

    def case_values(self, tracker: Tracker, follow_up: bool = False) -> Dict[Text, Optional[Text]]:
        """The dialog's inputs: the province from the slot (it persists); the case facts only
        from this message (its entities, or its words for the slots of OPENER_KEYWORD_SLOTS),
        except in a follow-up ("what about Yunnan?"), which changes one value of the last case."""
        text = (tracker.latest_message or {}).get("text") or ""
        values: Dict[Text, Optional[Text]] = {}
        for slot in self.dialog.inputs:
            words = opener_value(slot, text) if slot in OPENER_KEYWORD_SLOTS else None
            if said_now(tracker, slot) or slot == PROVINCE:
                value = tracker.get_slot(slot)
            elif words is not None:
                value = words
            elif follow_up:
                value = tracker.get_slot(slot)
            else:
                value = None
            values[slot] = clean_value(slot, value, self.knowledge)
        return values

    def open_case(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, values: Dict[Text, Optional[Text]]
    ) -> Tuple[List[EventType], List[EventType], bool]:
        """The case's slot events (the province is set elsewhere), the topic, and whether the user
        had to be asked "山西 or 陕西?" first (then nothing else is answered this turn)."""
        case_events: List[EventType] = [SlotSet(s, v) for s, v in values.items() if s != PROVINCE]
        topic: List[EventType] = [SlotSet(TOPIC, self.dialog.topic)]
        if shanxi_unclear(tracker):
            dispatcher.utter_message(response="utter_ask_shanxi_or_shaanxi")
            return case_events, topic, True
        return case_events, topic, False

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, follow_up: bool = False
    ) -> List[EventType]:
        values = self.case_values(tracker, follow_up)
        case_events, topic, asked = self.open_case(dispatcher, tracker, values)
        if asked:
            return case_events + topic + [SlotSet(PROVINCE, None)]
        outcome = self.dialog.decide_values(values, self.knowledge)
        bureau = self.knowledge.bureau(values[PROVINCE]) if values.get(PROVINCE) else None
        if isinstance(outcome, Advice):
            # The case stays for a follow-up in this topic; the next opening question starts afresh.
            # In a follow-up the province was in the answer just before: no need to repeat it.
            events = advice_answer(dispatcher, tracker, domain, self.knowledge, outcome, bureau, remind=not follow_up)
            return events + case_events + topic
        events = case_events + self.general(dispatcher, tracker, domain, values, bureau)
        return events + [e for e in topic if e not in events]

    def continue_case(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Optional[List[EventType]]:
        """The reply to the offer answers the dialog's questions in words or entities ("the new
        servers are in Hangzhou", "it was filed with our previous host"): the case goes on from the
        overview's values with these. The advice when that is enough, otherwise the dialog starts
        there and asks only what is still missing. None when the message holds no answer."""
        text = (tracker.latest_message or {}).get("text") or ""
        found: Dict[Text, Text] = {}
        for slot in self.dialog.inputs:
            if said_now(tracker, slot):
                value = tracker.get_slot(slot)
            elif slot == PROVINCE:
                continue
            else:
                value = offer_value(slot, text)
            value = clean_value(slot, value, self.knowledge)
            if value is not None:
                found[slot] = value
        if not set(found) - {PROVINCE}:
            return None  # a province alone: the topic's follow-up ("那福建呢") answers it
        values = {slot: clean_value(slot, tracker.get_slot(slot), self.knowledge) for slot in self.dialog.inputs}
        values.update(found)
        case_events, topic, asked = self.open_case(dispatcher, tracker, values)
        if asked:
            return case_events + topic + [SlotSet(PROVINCE, None)]
        outcome = self.dialog.decide_values(values, self.knowledge)
        if isinstance(outcome, Advice):
            bureau = self.knowledge.bureau(values[PROVINCE]) if values.get(PROVINCE) else None
            events = advice_answer(dispatcher, tracker, domain, self.knowledge, outcome, bureau, remind=False)
            return events + case_events + topic
        return case_events + topic + [FollowupAction(self.dialog.form)]

    def general(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        values: Dict[Text, Optional[Text]],
        bureau: Optional[Bureau],
    ) -> List[EventType]:
        """The general answer (the FAQ entry behind the dialog's intent) and the offer."""
        lang = user_language(tracker)
        entry = self.knowledge.faq_by_intent(self.dialog.opener)
        if entry is None:  # a knowledge base without the entry (small test data)
            dispatcher.utter_message(response=f"utter_ask_{self.dialog.inputs[0]}")
            return []
        dispatcher.utter_message(
            response=f"utter_{self.dialog.topic}_overview",
            intro="",
            body=entry.answer.get(lang).strip(),
            source=source_titles(self.knowledge, entry.sources, lang),
        )
        return [SlotSet("last_faq_id", entry.id)]


def overview_for(topic: Optional[Text], knowledge: Optional[Knowledge] = None) -> Optional[DialogOverviewAction]:
    """The overview action of a dialog topic (for follow-ups read in that topic)."""
    if topic not in DIALOG_TOPICS:
        return None
    # The topic's module defines it (same topic name everywhere); rasa-sdk has imported it
    # already, tests may not have.
    importlib.import_module(f"actions.{topic}")
    for cls in DialogOverviewAction.__subclasses__():
        if cls.dialog.topic == topic:
            return cls(knowledge)
    return None


def dialog_entities(tracker: Tracker, dialog: Dialog) -> List[Text]:
    """The dialog inputs the latest message names as entities."""
    return [
        e.get("entity")
        for e in (tracker.latest_message or {}).get("entities") or []
        if e.get("entity") in dialog.inputs
    ]


def compact_length(text: Text) -> int:
    return len(SPACE_AND_PUNCT.sub("", fold(text)))


def continue_offered_case(
    dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, knowledge: Optional[Knowledge]
) -> Optional[List[EventType]]:
    """The reply to "Shall I check your case?" that answers the dialog's questions in words: the
    case goes on (``DialogOverviewAction.continue_case``); None when no offer was made just before
    or the reply answers nothing."""
    overview = overview_for(offered_topic(tracker), knowledge)
    return overview.continue_case(dispatcher, tracker, domain) if overview is not None else None


# A "no" this rich says more than "no, thanks": "不是我的，是这个域名上一任主人的".
MIN_NO_TERMS = 4


class ActionReplyNo(KnowledgeAction):
    """"No" after an answer. A "no" that goes on to answer the offered case's questions ("不是我的，
    是这个域名上一任主人的" after the deregistration overview) takes the case on; a plain "no"
    ("不用了", "no thanks") gets "anything else?"."""

    def name(self) -> Text:
        return "action_reply_no"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        text = (tracker.latest_message or {}).get("text") or ""
        if len(content_terms(text)) >= MIN_NO_TERMS:
            continued = continue_offered_case(dispatcher, tracker, domain, self.knowledge)
            if continued is not None:
                return continued
        dispatcher.utter_message(response="utter_anything_else")
        return []
