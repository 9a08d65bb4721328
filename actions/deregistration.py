"""How to deregister a filing: own or another entity's, online through the provider or offline at the bureau."""
from __future__ import annotations

from typing import Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialog import DecisionAdviceAction, DecisionFormValidation, Dialog
from actions.overview import DialogOverviewAction
from actions.reply import bureau_answer
from knowledge import Bureau

DEREGISTRATION = Dialog(topic="deregistration", decision="dereg", opener="request_deregistration")


class ValidateDeregistrationForm(DecisionFormValidation):
    dialog = DEREGISTRATION

    def name(self) -> Text:
        return "validate_deregistration_form"


class ActionDeregistrationAdvice(DecisionAdviceAction):
    dialog = DEREGISTRATION

    def name(self) -> Text:
        return "action_deregistration_advice"


class ActionDeregistrationOverview(DialogOverviewAction):
    """"<province> deregistration form" → that province's form, how to submit it and its notes;
    "how do I deregister" → the general route (online through the provider, else offline with the
    bureau's form), which ends by asking for the province; another entity's filing at once when
    the province is known."""

    dialog = DEREGISTRATION

    def name(self) -> Text:
        return "action_deregistration_overview"

    def general(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        values: Dict[Text, Optional[Text]],
        bureau: Optional[Bureau],
    ) -> List[EventType]:
        if bureau is not None:
            return bureau_answer(dispatcher, tracker, domain, self.knowledge, bureau, deregistration=True)
        return super().general(dispatcher, tracker, domain, values, bureau)
