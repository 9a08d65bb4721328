"""Assertions shared by the guided-dialog tests (test_<topic>.py)."""
from typing import Any, Dict, List

from knowledge import Advice


def assert_advice_messages(messages: List[Dict[str, Any]], advice: Advice, lang: str) -> None:
    """The advice text, its next steps and sources, then its links (numbered, preferred first)."""
    first = messages[0]
    assert first["response"] == "utter_advice"
    assert first["advice"] == advice.text.get(lang)
    assert first["steps"].splitlines() == [f"- {step.get(lang)}" for step in advice.next_steps]
    for stem in advice.sources:
        assert stem in first["sources"]
    if not advice.links:
        assert len(messages) == 1
        return
    assert messages[1]["response"] == "utter_advice_links"
    lines = messages[1]["links"].splitlines()
    assert len(lines) == len(advice.links)
    for number, (line, link) in enumerate(zip(lines, advice.links), 1):
        assert line.startswith(f"{number}. [") and f"]({link.url})" in line
