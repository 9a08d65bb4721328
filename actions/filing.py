"""Does the domain need ICP filing at all?"""
from __future__ import annotations

from typing import Text

from actions.dialog import DecisionAdviceAction, DecisionFormValidation, Dialog
from actions.overview import DialogOverviewAction

FILING = Dialog(topic="filing", decision="filing", opener="ask_filing_needed")


class ValidateFilingForm(DecisionFormValidation):
    dialog = FILING

    def name(self) -> Text:
        return "validate_filing_form"


class ActionFilingAdvice(DecisionAdviceAction):
    dialog = FILING

    def name(self) -> Text:
        return "action_filing_advice"


class ActionFilingOverview(DialogOverviewAction):
    """The general answer (or the advice, when the message says enough), then the offer."""

    dialog = FILING

    def name(self) -> Text:
        return "action_filing_overview"
