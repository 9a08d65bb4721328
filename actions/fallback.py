"""When the NLU is unsure: offer its best guesses as buttons, then a human agent."""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple

import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import KnowledgeAction, user_language
from actions.dialog import BUREAU_ACTION, DIALOG_SLOTS, PROVINCE, clean_value, last_action
from actions.faq import PROVINCE_TOPICS as FAQ_PROVINCE_TOPICS
from actions.faq import ANSWER_ACTION, RETRIEVAL_INTENT, ActionAnswerFaq, faq_payload, related_follow_up
from actions.overview import continue_offered_case, overview_for
from actions.reply import TOPIC, bureau_answer, phrase, shanxi_unclear
from knowledge import Bilingual

LABELS_FILE = Path(__file__).with_name("intent_labels.yml")
FALLBACK_INTENT = "nlu_fallback"
STRAY_ANSWER_ACTION = "action_stray_answer"
# Slots whose values the dialogs check (clean_value): every dialog input, the province included.
CHECKED_SLOTS = frozenset(DIALOG_SLOTS) | {PROVINCE}
MAX_GUESSES = 3
# Below this a guess is noise: with ~20 intents the softmax spreads what is left over all of them.
MIN_GUESS_CONFIDENCE = 0.08
# FAQ entries offered when the ResponseSelector is the guess (out of the three).
MAX_FAQ_GUESSES = 2
# Dialog intents whose topic a value with words around it ("注消湖南的备案") is read in.
TOPIC_OPENERS = {
    "request_deregistration": "deregistration",
    "ask_bureau_link": "bureau",
    "ask_transfer_needed": "transfer",
    "check_accessibility": "accessibility",
    "ask_filing_needed": "filing",
}
MIN_TOPIC_GUESS = 0.15


@functools.lru_cache(maxsize=None)
def intent_labels(path: Path = LABELS_FILE) -> Dict[Text, Bilingual]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {intent: Bilingual(label["en"], label["zh"]) for intent, label in raw.items()}


def case_entities(message: Dict[Text, Any]) -> List[Dict[Text, Any]]:
    """The entities that describe the user's case (and fill the dialogs' slots); `language` and
    `faq_id` come from buttons and steer the reply instead."""
    return [e for e in message.get("entities") or [] if e.get("entity") not in ("language", "faq_id")]


def is_repeated_failure(tracker: Tracker) -> bool:
    """True when the user's previous message was not understood either: the NLU was unsure, or
    it was an answer with nothing in it that no question had asked for ("asdfghjkl" → inform)."""
    users = [i for i, event in enumerate(tracker.events) if event.get("event") == "user"]
    if len(users) < 2:
        return False
    previous = tracker.events[users[-2]]
    parse_data = previous.get("parse_data") or {}
    intent = (parse_data.get("intent") or {}).get("name")
    if intent == FALLBACK_INTENT:
        return True
    next_action = next(
        (e.get("name") for e in tracker.events[users[-2] + 1 : users[-1]] if e.get("event") == "action"), None
    )
    return next_action == STRAY_ANSWER_ACTION and not case_entities(parse_data)


class ActionSuggestAlternatives(KnowledgeAction):
    """nlu_fallback: "did you mean …?" with the NLU's two or three best guesses."""

    def name(self) -> Text:
        return "action_suggest_alternatives"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        # A reply to "Shall I check your case?" that answers its questions in words.
        continued = continue_offered_case(dispatcher, tracker, domain, self.knowledge)
        if continued is not None:
            return continued
        lang = user_language(tracker)
        # "how long is it valid?" right after an answer: one of the questions offered under it.
        follow_up = related_follow_up(self.knowledge, tracker, lang)
        if follow_up is not None:
            return ActionAnswerFaq(self.knowledge).send(dispatcher, tracker, follow_up, lang)
        if is_repeated_failure(tracker):
            dispatcher.utter_message(response="utter_fallback_offer_human")
            return []
        guesses = self.guesses(tracker.latest_message or {}, lang)
        if not guesses:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        none_of_these = intent_labels()[FALLBACK_INTENT].get(lang)
        buttons = [{"title": title, "payload": payload} for title, payload in guesses]
        buttons.append({"title": none_of_these, "payload": "/" + FALLBACK_INTENT})
        dispatcher.utter_message(response="utter_fallback_guesses", buttons=buttons)
        return []

    def guesses(self, message: Dict[Text, Any], lang: Text) -> List[Tuple[Text, Text]]:
        """(button title, payload) for the best guesses, best first, without repeats."""
        labels = intent_labels()
        scored: List[Tuple[float, Text, Text]] = []
        for ranked in message.get("intent_ranking") or []:
            intent, confidence = ranked.get("name"), float(ranked.get("confidence") or 0.0)
            if intent == RETRIEVAL_INTENT:
                scored.extend(self._faq_guesses(message, confidence, lang))
            elif intent in labels and intent != FALLBACK_INTENT:
                scored.append((confidence, labels[intent].get(lang), "/" + intent))
        seen = set()
        guesses = []
        for score, title, payload in sorted(scored, key=lambda guess: -guess[0]):
            if score < MIN_GUESS_CONFIDENCE or payload in seen:
                continue
            seen.add(payload)
            guesses.append((title, payload))
        return guesses[:MAX_GUESSES]

    def _faq_guesses(self, message: Dict[Text, Any], confidence: float, lang: Text) -> List[Tuple[float, Text, Text]]:
        selector = (message.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}
        ranking = selector.get("ranking") or []
        # The `faq` intent is as sure as its best answer, and the selector ranks the answers
        # relative to each other: an answer's own confidence is the intent's scaled by its share
        # of the best answer's (multiplying the two would count the best answer's doubt twice).
        best = float(ranking[0].get("confidence") or 0.0) if ranking else 0.0
        guesses = []
        for ranked in ranking[:MAX_FAQ_GUESSES] if best > 0 else []:
            entry = self.knowledge.faq_by_intent(ranked.get("intent_response_key") or "")
            if entry is not None:
                score = confidence * float(ranked.get("confidence") or 0.0) / best
                guesses.append((score, entry.question.get(lang), faq_payload(entry.id)))
        return guesses


class ActionStrayAnswer(KnowledgeAction):
    """An answer (``inform``) when no dialog asked a question: "江苏", "example.com", "overseas".

    Its slots are already set and stay for the dialog the user picks next, so the bot says what it
    noted and shows the menu of topics. A message with nothing to note was not understood.
    """

    def name(self) -> Text:
        return STRAY_ANSWER_ACTION

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        entities, unusable = [], set()
        for found in case_entities(tracker.latest_message or {}):
            value = self.usable_value(found)
            if value is not None:
                entities.append((found["entity"], value))
            else:
                unusable.add(found.get("entity"))
        # A value no dialog can use leaves its slot empty rather than filled with nonsense.
        named = {name for name, _ in entities}
        unusable -= named
        events: List[EventType] = [SlotSet(slot, None) for slot in sorted(unusable & CHECKED_SLOTS)]
        # Another province right after a province's form ("上海的呢 also offline?"): that
        # province's form, which is the offline route already, not the dereg case's next question.
        if PROVINCE in named and last_action(tracker) == BUREAU_ACTION:
            follow_up = self.follow_up(dispatcher, tracker, domain, named)
            if follow_up is not None:
                return events + follow_up
        # A reply to "Shall I check your case?" that answers its questions ("the new servers are
        # in Hangzhou", "it was filed with our previous host"): the case goes on.
        continued = continue_offered_case(dispatcher, tracker, domain, self.knowledge)
        if continued is not None:
            return events + continued
        if not entities:
            # "and if it's another company's filing?": answer words of the last topic's dialog
            overview = overview_for(tracker.get_slot(TOPIC), self.knowledge)
            if overview is not None and overview.words_in(tracker):
                return events + overview.answer(dispatcher, tracker, domain, follow_up=True)
            # "有效期呢" after an answer: one of the questions offered under it.
            lang = user_language(tracker)
            related = related_follow_up(self.knowledge, tracker, lang)
            if related is not None:
                return events + ActionAnswerFaq(self.knowledge).send(dispatcher, tracker, related, lang)
            response = "utter_fallback_offer_human" if is_repeated_failure(tracker) else "utter_ask_rephrase"
            dispatcher.utter_message(response=response)
            return events
        follow_up = self.follow_up(dispatcher, tracker, domain, named)
        if follow_up is not None:
            return events + follow_up
        noted = self.noted(entities, user_language(tracker))
        if noted:
            dispatcher.utter_message(response="utter_noted", noted=", ".join(noted))
        else:
            dispatcher.utter_message(response="utter_noted_plain")
        dispatcher.utter_message(response="utter_capabilities")
        return events

    def follow_up(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, named: set
    ) -> Optional[List[EventType]]:
        """"那福建呢" / "what about a Hong Kong server?": the last topic's answer for the new value;
        None when the value means nothing in that topic (the bot notes it instead)."""
        topic = tracker.get_slot(TOPIC) or self.guessed_topic(tracker)
        if PROVINCE in named and shanxi_unclear(tracker):
            dispatcher.utter_message(response="utter_ask_shanxi_or_shaanxi")
            return [SlotSet(PROVINCE, None)]
        overview = overview_for(topic, self.knowledge)
        if overview is not None and named & set(overview.dialog.inputs):
            return overview.answer(dispatcher, tracker, domain, follow_up=True)
        province = tracker.get_slot(PROVINCE)
        bureau = self.knowledge.bureau(province) if PROVINCE in named and isinstance(province, str) else None
        if bureau is not None and topic in ("bureau", "provincial_rules"):
            return bureau_answer(dispatcher, tracker, domain, self.knowledge, bureau)
        entry = self.knowledge.faq_by_id(tracker.get_slot("last_faq_id") or "")
        if bureau is not None and entry is not None and last_action(tracker) == ANSWER_ACTION:
            # "我是广东的" after a national procedure (the filing password): the sources give no rule
            # of that province's own, the answer holds there too (a province's notes are added).
            lang = user_language(tracker)
            intro = "" if entry.topic in FAQ_PROVINCE_TOPICS else phrase(
                domain, "utter_intro_same_in_province", lang, province=bureau.name.get(lang)
            )
            return ActionAnswerFaq(self.knowledge).send(dispatcher, tracker, entry, lang, intro=intro)
        return None

    @staticmethod
    def guessed_topic(tracker: Tracker) -> Optional[Text]:
        """No topic yet, and the message is more than a value ("注消湖南的备案" read as inform): the
        dialog the NLU ranked next, if any. A value alone ("江苏") is forced to inform with full
        confidence and has no topic: it is noted instead."""
        message = tracker.latest_message or {}
        if float((message.get("intent") or {}).get("confidence") or 0.0) >= 1.0:
            return None
        for ranked in (message.get("intent_ranking") or [])[1:3]:
            if ranked.get("name") in TOPIC_OPENERS and float(ranked.get("confidence") or 0.0) >= MIN_TOPIC_GUESS:
                return TOPIC_OPENERS[ranked["name"]]
        return None

    def usable_value(self, found: Dict[Text, Any]) -> Optional[Text]:
        """The entity's value, None when no dialog can use it: a hand-typed
        ``/inform{"province":"atlantis"}``. Dialog inputs are checked as the dialogs check them."""
        name, value = found.get("entity"), found.get("value")
        if not isinstance(value, str) or not value.strip():
            return None
        if name in CHECKED_SLOTS:
            return clean_value(name, value, self.knowledge)
        return value  # domain, provider: whatever the extractor found

    def noted(self, entities: List[Tuple[Text, Text]], lang: Text) -> List[Text]:
        """What can be said back in the user's words: the province's name and the domain."""
        noted: List[Text] = []
        for name, value in entities:
            if name == PROVINCE:
                text = self.knowledge.bureau(value).name.get(lang)  # usable: the bureau exists
            elif name == "domain":
                text = value
            else:
                continue
            if text not in noted:
                noted.append(text)
        return noted
