"""Assertions shared by the guided-dialog tests (test_<topic>.py)."""
import re
from typing import Any, Dict, List

from rasa_sdk.events import SlotSet

from actions.render import clean_url
from actions.reply import BODY_BUDGET
from knowledge import Advice

STEM = re.compile(r"\d{3}_[0-9a-f]{16}")


def overflow(events: List[Any]) -> str:
    """What the answer kept for "More details" (the more_details slot)."""
    values = [e["value"] for e in events if isinstance(e, dict) and e.get("event") == "slot" and e.get("name") == "more_details"]
    return values[-1] or "" if values else ""


def assert_advice_messages(messages: List[Dict[str, Any]], advice: Advice, lang: str, events: List[SlotSet]) -> None:
    """One message: the advice text first, then its steps and links (each shown or kept for
    "More details", in order), readable sources (never a file stem), closing buttons."""
    assert len(messages) == 1
    first = messages[0]
    rest = overflow(events)
    assert first["response"] == ("utter_answer_more" if rest else "utter_answer")
    body = first["body"]
    assert body.startswith(advice.text.get(lang))
    assert "\n\n" not in body
    everything = body + "\n" + rest
    for step in advice.next_steps:
        assert f"- {step.get(lang)}" in everything
    for link in advice.links:
        assert f"]({clean_url(link.url)})" in everything
        assert ";jsessionid=" not in everything
    assert not STEM.search(first["source"])
    if rest:
        assert len(body) <= BODY_BUDGET or body.count("\n") <= 2
