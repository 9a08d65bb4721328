"""When the NLU is unsure: offer its best guesses as buttons, then a human agent."""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Dict, List, Text, Tuple

import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import KnowledgeAction, user_language
from actions.faq import RETRIEVAL_INTENT, faq_payload
from knowledge import Bilingual

LABELS_FILE = Path(__file__).with_name("intent_labels.yml")
FALLBACK_INTENT = "nlu_fallback"
MAX_GUESSES = 3
# Below this a guess is noise: with ~20 intents the softmax spreads what is left over all of them.
MIN_GUESS_CONFIDENCE = 0.08
# FAQ entries offered when the ResponseSelector is the guess (out of the three).
MAX_FAQ_GUESSES = 2


@functools.lru_cache(maxsize=None)
def intent_labels(path: Path = LABELS_FILE) -> Dict[Text, Bilingual]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {intent: Bilingual(label["en"], label["zh"]) for intent, label in raw.items()}


def _user_events(tracker: Tracker) -> List[Dict[Text, Any]]:
    return [event for event in tracker.events if event.get("event") == "user"]


def is_repeated_failure(tracker: Tracker) -> bool:
    """True when the user's previous message was not understood either."""
    users = _user_events(tracker)
    if len(users) < 2:
        return False
    previous = ((users[-2].get("parse_data") or {}).get("intent") or {}).get("name")
    return previous == FALLBACK_INTENT


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
        if is_repeated_failure(tracker):
            dispatcher.utter_message(response="utter_fallback_offer_human")
            return []
        lang = user_language(tracker)
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
        guesses = []
        for ranked in (selector.get("ranking") or [])[:MAX_FAQ_GUESSES]:
            entry = self.knowledge.faq_by_intent(ranked.get("intent_response_key") or "")
            if entry is not None:
                score = confidence * float(ranked.get("confidence") or 0.0)
                guesses.append((score, entry.question.get(lang), faq_payload(entry.id)))
        return guesses

