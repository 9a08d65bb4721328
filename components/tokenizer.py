"""One tokenizer for English, Chinese and the mix of both.

Rasa's JiebaTokenizer only accepts ``language: zh`` and keeps whitespace tokens in
mixed text; WhitespaceTokenizer refuses Chinese. One model for both languages needs
a tokenizer that picks the segmenter per script run: jieba for Han characters,
spaCy's rule-based English tokenizer (a blank pipeline, nothing downloaded) for the
rest, which keeps ``example.com.cn`` and ``ICP`` numbers whole.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.fuzzy import fix_typos
from components.text import script_runs, to_simplified

USER_DICTIONARY_FILE = "jieba_userdict.txt"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True
)
class BilingualTokenizer(Tokenizer):
    """Segments Han runs with jieba and everything else with spaCy's English rules."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            # Domain terms (备案号, 管局, 通信管理局 …) that jieba's stock
            # dictionary would split; copied into the model so it is self-contained.
            "user_dictionary": None,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        return ["jieba", "spacy"]

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        return None  # any: the script of each run decides the segmenter

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        user_dictionary: Optional[Path] = None,
    ) -> None:
        super().__init__(config)
        self._model_storage = model_storage
        self._resource = resource
        self._user_dictionary = user_dictionary
        self._jieba = None
        self._spacy = None

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "BilingualTokenizer":
        path = config.get("user_dictionary")
        return cls(config, model_storage, resource, Path(path) if path else None)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "BilingualTokenizer":
        user_dictionary = None
        try:
            with model_storage.read_from(resource) as directory:
                candidate = directory / USER_DICTIONARY_FILE
                if candidate.exists():
                    # The storage directory may be temporary: keep the text.
                    user_dictionary = candidate.read_text(encoding="utf-8")
        except ValueError:
            pass  # trained without a user dictionary
        tokenizer = cls(config, model_storage, resource)
        tokenizer._user_dictionary_text = user_dictionary
        return tokenizer

    def train(self, training_data: TrainingData) -> Resource:
        if self._user_dictionary is not None:
            with self._model_storage.write_to(self._resource) as directory:
                shutil.copy(self._user_dictionary, directory / USER_DICTIONARY_FILE)
        return self._resource

    # -- segmenters, built on first use so that loading a model stays cheap ----

    def _jieba_tokenizer(self):
        if self._jieba is None:
            import io
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)
            # A private jieba.Tokenizer: jieba.load_userdict would change the
            # process-wide default tokenizer for every other user of jieba.
            segmenter = jieba.Tokenizer()
            text = getattr(self, "_user_dictionary_text", None)
            if text is None and self._user_dictionary is not None:
                text = self._user_dictionary.read_text(encoding="utf-8")
            if text:
                segmenter.load_userdict(io.StringIO(text))
            self._jieba = segmenter
        return self._jieba

    def _spacy_tokenizer(self):
        if self._spacy is None:
            import spacy

            self._spacy = spacy.blank("en").tokenizer
        return self._spacy

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute) or ""
        tokens: List[Token] = []
        for run, offset, is_han in script_runs(text):
            if is_han:
                # Traditional characters are segmented (and featurized) as their
                # Simplified forms; the conversion keeps offsets in the user's text.
                # Known typos of domain words (注消 → 注销) are featurized as the word
                # meant; the replacements keep the length.
                for word, start, _ in self._jieba_tokenizer().tokenize(
                    fix_typos(to_simplified(run))
                ):
                    if word.strip():
                        tokens.append(Token(word, offset + start))
            else:
                for tok in self._spacy_tokenizer()(run):
                    if tok.text.strip():
                        tokens.append(Token(tok.text, offset + tok.idx))
        return self._apply_token_pattern(tokens)
