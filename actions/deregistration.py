"""How to deregister a filing: own or another entity's, online through the provider or offline at the bureau."""
from __future__ import annotations

from typing import Text

from actions.dialog import DecisionAdviceAction, DecisionFormValidation, Dialog

DEREGISTRATION = Dialog(topic="deregistration", decision="dereg", opener="request_deregistration")


class ValidateDeregistrationForm(DecisionFormValidation):
    dialog = DEREGISTRATION

    def name(self) -> Text:
        return "validate_deregistration_form"


class ActionDeregistrationAdvice(DecisionAdviceAction):
    dialog = DEREGISTRATION

    def name(self) -> Text:
        return "action_deregistration_advice"
