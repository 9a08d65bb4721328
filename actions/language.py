"""Which language the bot answers in."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import LANGUAGES, entity_values

# What users write when they ask for a language; checked in this order so that
# "不要中文，用英文" is not read as a request for Chinese.
_REQUEST_PATTERNS = (
    ("en", re.compile(r"(英文|英语|english|英語)", re.I)),
    ("zh", re.compile(r"(中文|汉语|漢語|普通话|普通話|chinese|mandarin)", re.I)),
)


def requested_language(text: Text) -> Optional[Text]:
    hits = [(m.start(), lang) for lang, rx in _REQUEST_PATTERNS for m in [rx.search(text)] if m]
    if not hits:
        return None
    # "不要中文，用英文": the language named last is the one wanted.
    return max(hits)[1]


class ActionDetectLanguage(Action):
    """Custom slot mapping for `language`, run by Rasa after every user message."""

    def name(self) -> Text:
        return "action_detect_language"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        message = tracker.latest_message or {}
        preference = tracker.get_slot("language_preference")
        events: List[EventType] = []
        # A payload such as /greet{"language":"zh"} (sent by the web page, whose
        # language toggle is an explicit choice) names the language outright.
        named = next((v for v in entity_values(tracker, "language") if v in LANGUAGES), None)
        if named is not None:
            language = named
            if preference in LANGUAGES and preference != named:
                events.append(SlotSet("language_preference", named))
        elif preference in LANGUAGES:
            language = preference  # the user asked for this language earlier
        else:
            language = message.get("language")  # what the NLU detected
        if language in LANGUAGES and language != tracker.get_slot("language"):
            events.append(SlotSet("language", language))
        return events


class ActionChangeLanguage(Action):
    """"请用英文" / "can you speak Chinese": switch and keep that language."""

    def name(self) -> Text:
        return "action_change_language"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        text = (tracker.latest_message or {}).get("text") or ""
        # The web page's toggle sends /change_language{"language":"zh"}: the entity
        # names the language; typed requests ("请用英文") name it in the text.
        wanted = next(
            (v for v in entity_values(tracker, "language") if v in LANGUAGES), None
        ) or requested_language(text)
        if wanted is None:
            # "switch language" without naming one: the other one.
            current = tracker.get_slot("language_preference") or tracker.get_slot("language")
            wanted = "zh" if current == "en" else "en"
        # The confirmation is uttered by the rule after this action: a response sent
        # from here would be rendered before these slot events apply.
        return [SlotSet("language", wanted), SlotSet("language_preference", wanted)]
