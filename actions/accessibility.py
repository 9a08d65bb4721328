"""Why can't the website be accessed? Filing status first, then the server."""
from __future__ import annotations

from typing import Text

from actions.dialog import DecisionAdviceAction, DecisionFormValidation, Dialog
from actions.overview import DialogOverviewAction

ACCESSIBILITY = Dialog(topic="accessibility", decision="access", opener="check_accessibility")


class ValidateAccessibilityForm(DecisionFormValidation):
    dialog = ACCESSIBILITY

    def name(self) -> Text:
        return "validate_accessibility_form"


class ActionAccessibilityAdvice(DecisionAdviceAction):
    dialog = ACCESSIBILITY

    def name(self) -> Text:
        return "action_accessibility_advice"


class ActionAccessibilityOverview(DialogOverviewAction):
    """The general answer (or the advice, when the message says enough), then the offer."""

    dialog = ACCESSIBILITY

    def name(self) -> Text:
        return "action_accessibility_overview"
