"""Is an ICP filing transfer needed when the server moves to another provider, and how?"""
from __future__ import annotations

from typing import Text

from actions.dialog import DecisionAdviceAction, DecisionFormValidation, Dialog
from actions.overview import DialogOverviewAction

TRANSFER = Dialog(topic="transfer", decision="transfer", opener="ask_transfer_needed")


class ValidateTransferForm(DecisionFormValidation):
    dialog = TRANSFER

    def name(self) -> Text:
        return "validate_transfer_form"


class ActionTransferAdvice(DecisionAdviceAction):
    dialog = TRANSFER

    def name(self) -> Text:
        return "action_transfer_advice"


class ActionTransferOverview(DialogOverviewAction):
    """The general answer (or the advice, when the message says enough), then the offer."""

    dialog = TRANSFER

    def name(self) -> Text:
        return "action_transfer_overview"
