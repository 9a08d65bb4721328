"""FAQ answers: the knowledge entry the NLU picked, in the user's language, with its source."""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import KnowledgeAction, entity_values, user_language
from actions.reply import TOPIC
from actions.render import source_titles
from knowledge import FaqEntry, Knowledge

RETRIEVAL_INTENT = "faq"
# Related questions offered as buttons under an answer.
MAX_RELATED = 3
# Characters of a reply (buttons included) that related-question buttons may fill up to.
MAX_REPLY = 620
# FAQ topics whose answers depend on the province.
PROVINCE_TOPICS = ("deregistration", "provincial_rules")
# FAQ entries that are one case of a guided dialog: with the province in the same message
# ("old filing on my bought domain, bureau is in sichuan, what's the link") the dialog's advice for
# that case answers, with the province's form.
CASE_ENTRIES = {"dereg_other_entity": ("deregistration", {"dereg_owner": "other_entity"})}


def faq_payload(entry_id: Text) -> Text:
    """Button payload that asks for one FAQ entry without going through the NLU."""
    return "/faq" + json.dumps({"faq_id": entry_id}, separators=(",", ":"))


def selected_entry(knowledge: Knowledge, tracker: Tracker) -> Optional[FaqEntry]:
    """The entry asked for: a button's faq_id, else the ResponseSelector's choice."""
    for entry_id in entity_values(tracker, "faq_id"):
        entry = knowledge.faq_by_id(str(entry_id))
        if entry:
            return entry
    message = tracker.latest_message or {}
    key = (
        message.get("response_selector", {})
        .get(RETRIEVAL_INTENT, {})
        .get("response", {})
        .get("intent_response_key")
    )
    return knowledge.faq_by_intent(key) if key else None


def fitting_buttons(buttons: List[Dict[Text, Text]], used: int) -> List[Dict[Text, Text]]:
    """The related questions that still fit in a chat-sized reply (their titles are whole questions)."""
    kept = []
    for button in buttons:
        used += len(button["title"])
        if used > MAX_REPLY:
            break
        kept.append(button)
    return kept


class ActionAnswerFaq(KnowledgeAction):
    def name(self) -> Text:
        return "action_answer_faq"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        lang = user_language(tracker)
        entry = selected_entry(self.knowledge, tracker)
        if entry is None:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        case = self.case_advice(dispatcher, tracker, domain, entry)
        if case is not None:
            return case
        return self.send(dispatcher, tracker, entry, lang)

    def case_advice(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any], entry: FaqEntry
    ) -> Optional[List[EventType]]:
        """The dialog's advice for an entry of CASE_ENTRIES when the message names the province."""
        if entry.id not in CASE_ENTRIES or not entity_values(tracker, "province"):
            return None
        from actions.overview import overview_for
        from actions.reply import advice_answer
        from knowledge import Advice

        topic, fixed = CASE_ENTRIES[entry.id]
        overview = overview_for(topic, self.knowledge)
        province = tracker.get_slot("province")
        bureau = self.knowledge.bureau(province) if isinstance(province, str) else None
        if overview is None or bureau is None:
            return None
        values = {slot: None for slot in overview.dialog.inputs}
        values.update(fixed, province=bureau.id)
        outcome = overview.dialog.decide_values(values, self.knowledge)
        if not isinstance(outcome, Advice):
            return None
        events = advice_answer(dispatcher, tracker, domain, self.knowledge, outcome, bureau, remind=False)
        return events + [SlotSet(slot, value) for slot, value in fixed.items()] + [
            SlotSet("last_faq_id", entry.id), SlotSet(TOPIC, topic)]

    def send(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, entry: FaqEntry, lang: Text, intro: Text = ""
    ) -> List[EventType]:
        """The entry's answer with its province notes, source and related questions."""
        buttons = [
            {"title": related.question.get(lang), "payload": faq_payload(related.id)}
            for related in map(self.knowledge.faq_by_id, entry.related)
            if related is not None
        ]
        notes, note_sources = self.province_notes(tracker, entry, lang)
        answer = intro + entry.answer.get(lang).strip()
        source = source_titles(self.knowledge, tuple(entry.sources) + note_sources, lang)
        dispatcher.utter_message(
            response="utter_faq_answer",
            answer=answer,
            extra=notes,
            source=source,
            buttons=fitting_buttons(buttons[:MAX_RELATED], len(answer) + len(notes) + len(source)),
        )
        return [SlotSet("last_faq_id", entry.id), SlotSet(TOPIC, entry.topic)]

    def province_notes(self, tracker: Tracker, entry: FaqEntry, lang: str) -> tuple:
        """A deregistration question with a province known ("how long does that take there?"):
        that bureau's own rules (Hunan's Fridays, Sichuan's account) follow the general answer."""
        province = tracker.get_slot("province")
        bureau = self.knowledge.bureau(province) if isinstance(province, str) and entry.topic in PROVINCE_TOPICS else None
        if bureau is None or not bureau.notes:
            return "", ()
        lines = "".join(f"\n- {bureau.name.get(lang)}: {note.text.get(lang)}" for note in bureau.notes)
        return lines, tuple(stem for note in bureau.notes for stem in note.sources)
