"""Shared pieces of the custom actions: the user's language and the knowledge base."""
from __future__ import annotations

import abc
import functools
import os
from pathlib import Path
from typing import Any, Optional, Text

from rasa_sdk import Action, Tracker

from knowledge import Knowledge, load_knowledge

DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "zh")
KNOWLEDGE_PATH_ENV = "KNOWLEDGE_PATH"


@functools.lru_cache(maxsize=None)
def default_knowledge(path: Optional[str] = None) -> Knowledge:
    """The knowledge base the action server answers from, loaded once.

    The path comes from $KNOWLEDGE_PATH (default: knowledge/data in the project).
    Loading validates the data and raises on any error: the action server is
    started only after `python -m knowledge validate`, so a broken file stops the
    deployment instead of producing wrong answers.
    """
    root = Path(__file__).resolve().parent.parent
    chosen = path or os.environ.get(KNOWLEDGE_PATH_ENV) or str(root / "knowledge" / "data")
    return load_knowledge(Path(chosen))


def user_language(tracker: Tracker) -> Text:
    """The language to answer in: an explicit preference, else the detected one."""
    for slot in ("language_preference", "language"):
        value = tracker.get_slot(slot)
        if value in LANGUAGES:
            return value
    return DEFAULT_LANGUAGE


class UsesKnowledge:
    """Gives an action the knowledge base: the one passed in (tests pass a small one),
    else the action server's default, loaded on first use."""

    def __init__(self, knowledge: Optional[Knowledge] = None) -> None:
        super().__init__()
        self._knowledge = knowledge

    @property
    def knowledge(self) -> Knowledge:
        if self._knowledge is None:
            self._knowledge = default_knowledge()
        return self._knowledge


class KnowledgeAction(UsesKnowledge, Action, metaclass=abc.ABCMeta):
    """Base for actions that answer from the knowledge base."""

    @abc.abstractmethod
    def name(self) -> Text:  # pragma: no cover - abstract
        ...


def entity_values(tracker: Tracker, entity: Text) -> list[Any]:
    return [
        e.get("value")
        for e in (tracker.latest_message or {}).get("entities", [])
        if e.get("entity") == entity
    ]
