"""FAQ answers: the knowledge entry the NLU picked, in the user's language, with its source."""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import KnowledgeAction, entity_values, user_language
from actions.dialog import last_action
from actions.reply import TOPIC
from actions.render import source_titles
from knowledge import FaqEntry, Knowledge
from knowledge.text import content_terms, coverage

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
# A follow-up this short ("how many per server?", "有效期呢") leans on the answer before it.
MAX_FOLLOW_UP_TERMS = 4
ANSWER_ACTION = "action_answer_faq"


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


def related_follow_up(knowledge: Knowledge, tracker: Tracker, lang: Text) -> Optional[FaqEntry]:
    """The question offered under the last answer that a short follow-up asks for, if exactly one.

    "how many per server?" after "what is an authorization code?" means the offered "How many
    authorization codes can one server generate?", although on its own it reads as well as
    "how many websites per application?": every topic word of the follow-up must be in the
    offered question.
    """
    if last_action(tracker) != ANSWER_ACTION:
        return None
    last = knowledge.faq_by_id(tracker.get_slot("last_faq_id") or "")
    text = (tracker.latest_message or {}).get("text") or ""
    if last is None or not 0 < len(content_terms(text)) <= MAX_FOLLOW_UP_TERMS:
        return None
    matches = [
        entry
        for entry in map(knowledge.faq_by_id, last.related)
        if entry is not None and coverage(text, entry.question.get(lang)) == 1.0
    ]
    return matches[0] if len(matches) == 1 else None


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
        if entry is not None and not entity_values(tracker, "faq_id"):
            follow_up = related_follow_up(self.knowledge, tracker, lang)
            text = (tracker.latest_message or {}).get("text") or ""
            if follow_up is not None and coverage(text, entry.question.get(lang)) < 1.0:
                entry = follow_up
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
        """The dialog's advice for an entry of CASE_ENTRIES when the message names the province, or
        follows up on that topic with the province known ("and if it's another company's filing?"
        after Zhejiang's form)."""
        if entry.id not in CASE_ENTRIES:
            return None
        follows_up = tracker.get_slot(TOPIC) == CASE_ENTRIES[entry.id][0] and tracker.get_slot("province")
        if not entity_values(tracker, "province") and not follows_up:
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
