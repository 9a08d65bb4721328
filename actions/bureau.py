"""Links to a province's Communications Administration Bureau (deregistration forms)."""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import KnowledgeAction, user_language
from actions.dialog import PROVINCE, PROVINCE_CANDIDATES, DialogFormValidation
from actions.reply import TOPIC, bureau_answer, shanxi_unclear


def inform_payload(**entities: Any) -> Text:
    """Button payload that answers a question without going through the NLU."""
    return "/inform" + json.dumps(entities, separators=(",", ":"), ensure_ascii=False)


class ActionBureauLink(KnowledgeAction):
    """Answers with the province's links; the province comes from the slot (bureau_form asks)."""

    def name(self) -> Text:
        return "action_bureau_link"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        if shanxi_unclear(tracker):
            dispatcher.utter_message(response="utter_ask_shanxi_or_shaanxi")
            return [SlotSet(PROVINCE, None), SlotSet(TOPIC, "bureau")]
        province: Optional[Text] = tracker.get_slot(PROVINCE)
        bureau = self.knowledge.bureau(province) if isinstance(province, str) else None
        if bureau is None:
            # Asked in the middle of another dialog, where bureau_form can't run: the user is
            # told to ask again with the province, and the other dialog goes on.
            dispatcher.utter_message(response="utter_bureau_which_province")
            return []
        in_deregistration = tracker.get_slot(TOPIC) == "deregistration"
        return bureau_answer(dispatcher, tracker, domain, self.knowledge, bureau, deregistration=in_deregistration)


class ValidateBureauForm(DialogFormValidation):
    """bureau_form asks only for the province; typed places are resolved with find_province."""

    opener = "ask_bureau_link"
    inputs = (PROVINCE,)

    def name(self) -> Text:
        return "validate_bureau_form"


class ActionAskProvince(KnowledgeAction):
    """Asks for the province (any form), with "did you mean" buttons after an unknown place.

    Rasa uses action_ask_<slot> before utter_ask_<slot>. A separate "did you mean" message before
    the question would lose its buttons: the web widget shows only the last message's quick replies.
    """

    def name(self) -> Text:
        return "action_ask_province"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        candidates = tracker.get_slot(PROVINCE_CANDIDATES)
        if candidates is None:
            dispatcher.utter_message(response="utter_ask_province")
            return []
        lang = user_language(tracker)
        bureaus = [b for b in map(self.knowledge.bureau, candidates) if b is not None]
        if bureaus:
            buttons = [
                {"title": bureau.name.get(lang), "payload": inform_payload(province=bureau.id)}
                for bureau in bureaus
            ]
            dispatcher.utter_message(response="utter_ask_province_candidates", buttons=buttons)
        else:
            dispatcher.utter_message(response="utter_ask_province_unknown")
        return [SlotSet(PROVINCE_CANDIDATES, None)]
