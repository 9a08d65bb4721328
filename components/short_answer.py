"""Recognises short answers that consist only of entities ("江苏省", "hong kong").

A user answering "which province?" with one word gives a classifier almost nothing
to go on: the intent it predicts for "江苏" is a guess among 150 labels. When a
message is nothing but extracted entities and filler words, it is an answer
(`inform`), and saying so deterministically keeps forms from treating it as a new
question.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.storage import load_json, save_json
from components.text import to_simplified

FILLER_FILE = "filler.json"
# The rest of an ICP number whose province prefix is the entity: 苏[ICP备12345678号-1].
_ICP_NUMBER_TAIL = re.compile(r"icp\s*[备证]\s*\d+\s*号?(?:\s*-\s*\d+)?")
# A message of nothing but these (👍, 👌👌, 🙏) says yes / fine / thanks.
_YES_EMOJI = re.compile(r"^(?:[\s\U0001F44D\U0001F44C\U0001F64F\u2705\u2714\U0001F44F\U0001F3FB-\U0001F3FF\uFE0F]|ok)+$", re.I)
_SEPARATORS = re.compile(r"[\s,，。.!！?？、;；:：'\"“”‘’()（）\-]+")


def remainder(text: str, entities: List[Dict[str, Any]], filler: frozenset) -> List[str]:
    """The words of ``text`` that are neither inside an entity nor filler."""
    chars = list(to_simplified(text).lower())
    for e in entities:
        for i in range(e["start"], min(e["end"], len(chars))):
            chars[i] = " "
    left = _ICP_NUMBER_TAIL.sub(" ", "".join(chars))
    # Longest filler first so that "domain name" goes before "domain".
    for word in sorted(filler, key=len, reverse=True):
        if re.fullmatch(r"[a-z' ]+", word):
            left = re.sub(rf"(?<![a-z]){re.escape(word)}(?![a-z])", " ", left)
        else:
            left = left.replace(word, " ")
    return [w for w in _SEPARATORS.split(left) if w]


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class ShortAnswerClassifier(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"lexicon": "components/lexicon.yml", "intent": "inform", "emoji_intent": "affirm"}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        filler: Optional[List[str]] = None,
    ) -> None:
        self._config = config
        self._intent = config["intent"]
        self._model_storage = model_storage
        self._resource = resource
        self._filler = frozenset(filler or ())

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ShortAnswerClassifier":
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "ShortAnswerClassifier":
        # The word list is stored in the model, which thus does not depend on the
        # working directory it is served from.
        return cls(config, model_storage, resource, load_json(model_storage, resource, FILLER_FILE))

    def train(self, training_data: TrainingData) -> Resource:
        lexicon = yaml.safe_load(Path(self._config["lexicon"]).read_text(encoding="utf-8"))
        filler = sorted({w.lower() for words in lexicon["filler"].values() for w in words})
        save_json(self._model_storage, self._resource, FILLER_FILE, filler)
        self._filler = frozenset(filler)
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            entities = [e for e in message.get(ENTITIES) or [] if "start" in e]
            text = message.get(TEXT) or ""
            if text.strip() and _YES_EMOJI.match(text.strip()) and not text.strip().isalpha():
                intent = self._config.get("emoji_intent", "affirm")
            elif not entities or remainder(text, entities, self._filler):
                continue
            else:
                intent = self._intent
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != intent]
            top = {"name": intent, "confidence": 1.0}
            message.set(INTENT, top, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [top] + ranking, add_to_output=True)
        return messages
