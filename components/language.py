"""Detects the language of each user message for the `language` slot.

The result goes into the parse data (``language``: "en" | "zh" | None and
``traditional``: bool) rather than into the entities: an entity without a span
could not be annotated in test stories, and `rasa test` would count it as a wrong
prediction on every turn. The slot is filled from the parse data by the custom slot
mapping action ``action_detect_language``.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from components.text import detect_language, is_traditional

LANGUAGE = "language"
TRADITIONAL = "traditional"


# Registered as a (non-trainable) entity extractor only so that the default recipe
# runs it at prediction time; it adds no entities.
@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class LanguageDetector(GraphComponent):
    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LanguageDetector":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            message.set(LANGUAGE, detect_language(text), add_to_output=True)
            message.set(TRADITIONAL, is_traditional(text), add_to_output=True)
        return messages
