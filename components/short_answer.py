"""Recognises short answers that consist only of entities ("江苏省", "hong kong"), and
keyword-only queries made of a province and a topic's words ("黑龙江 注销 申请表").

A user answering "which province?" with one word gives a classifier almost nothing
to go on: the intent it predicts for "江苏" is a guess among 150 labels. When a
message is nothing but extracted entities and filler words, it is an answer
(`inform`), and saying so deterministically keeps forms from treating it as a new
question.

A province plus nothing but a topic's keywords ("注销湖南的备案", "sichaun deregistration?")
sits between that answer (`inform`) and the topic's opening intent, and the classifiers
split their confidence between the two. When the classifier chose `inform` or is unsure
(below ``keyword_query_confidence``), such a query opens the topic (lexicon.yml
`keyword_queries`): its answer-first reply gives the province's answer at once.

Three more readings that the classifiers, which see one message alone, get wrong:

- an elliptical follow-up ("有效期呢", "上海的呢 also offline?", "and for Fujian?") looks like
  "no" or "start over" to them; it is an answer to read in the last topic (`inform`);
- a message with a whole ICP filing number ("ok the query says 浙ICP备15023456号-3") gives the
  user's case (`inform`) unless a classifier is sure it asks something;
- a question with ICP words that they took for small talk ("另外问下，换服务商需要重新备案吗"
  → restart) asks that question: the best intent that is not small talk is taken.
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
from components.fuzzy import fix_typos
from components.text import to_simplified

FILLER_FILE = "filler.json"
QUERIES_FILE = "keyword_queries.json"
TERMS_FILE = "terms.json"
# The rest of an ICP number whose province prefix is the entity: 苏[ICP备12345678号-1].
_ICP_NUMBER_TAIL = re.compile(r"icp\s*[备证]\s*\d+\s*号?(?:\s*-\s*\d+)?")
# A message of nothing but these (👍, 👌👌, 🙏) says yes / fine / thanks.
_YES_EMOJI = re.compile(r"^(?:[\s\U0001F44D\U0001F44C\U0001F64F\u2705\u2714\U0001F44F\U0001F3FB-\U0001F3FF\uFE0F]|ok)+$", re.I)
# A whole ICP filing number, province prefix included: 浙ICP备15023456号-3, 京ICP证 030173号.
_FULL_ICP_NUMBER = re.compile(r"[\u4e00-\u9fff]\s*icp\s*[备証证備]\s*\d{5,}", re.I)
# A message this short around an ICP number gives the number; a longer one asks something with it
# ("…备案号是粤ICP备18098765号，应该怎么做？"), which the classifiers read.
MAX_CASE_NUMBER_CHARS = 48
# "…呢" anywhere in a short message, or one that opens with "那 / and / what about".
_ELLIPSIS = re.compile(r"呢|^\s*(?:那|那么|and\b|what about\b|how about\b)", re.I)
# Longer messages carry a question of their own, which the classifiers read well enough.
MAX_ELLIPSIS_CHARS = 24
# Intents a follow-up or a question is mistaken for; they need no topic words.
SMALL_TALK = frozenset({"deny", "affirm", "restart", "greet", "goodbye", "thank", "stop"})
# What an elliptical follow-up is mistaken for. Not a farewell or thanks: "那先这样，bye bye".
ELLIPSIS_MISREAD = frozenset({"deny", "affirm", "restart", "stop"})
# Small talk that a question with ICP words never is ("no" and "yes" can carry them: "no, it was
# filed in Beijing").
NEVER_WITH_QUESTIONS = frozenset({"restart", "greet", "goodbye", "thank"})
_SEPARATORS = re.compile(r"[\s,，。.!！?？、;；:：'\"“”‘’()（）\-]+")


def _strip(left: str, vocabulary: frozenset) -> List[str]:
    # Longest word first so that "domain name" goes before "domain" and 申请表 before 请.
    for word in sorted(vocabulary, key=len, reverse=True):
        if re.fullmatch(r"[a-z' ]+", word):
            left = re.sub(rf"(?<![a-z]){re.escape(word)}(?![a-z])", " ", left)
        else:
            left = left.replace(word, " ")
    return [w for w in _SEPARATORS.split(left) if w]


def _without_entities(text: str, entities: List[Dict[str, Any]]) -> str:
    chars = list(fix_typos(to_simplified(text)).lower())
    for e in entities:
        for i in range(e["start"], min(e["end"], len(chars))):
            chars[i] = " "
    return _ICP_NUMBER_TAIL.sub(" ", "".join(chars))


def remainder(text: str, entities: List[Dict[str, Any]], filler: frozenset) -> List[str]:
    """The words of ``text`` that are neither inside an entity nor filler."""
    return _strip(_without_entities(text, entities), filler)


def _has_term(text: str, terms: frozenset) -> bool:
    """Whether ``text`` (lower-cased, Simplified) holds one of ``terms``: Latin ones as word starts."""
    return any(
        re.search(rf"(?<![a-z]){re.escape(t)}", text) if t.isascii() and t[0].isalpha() else t in text
        for t in terms
    )


def keyword_query(
    text: str,
    entities: List[Dict[str, Any]],
    filler: frozenset,
    queries: Dict[str, Dict[str, List[str]]],
) -> Optional[str]:
    """The intent whose keyword query ``text`` is, if any.

    A keyword query names a province (entity) and holds at least one of the intent's
    ``triggers``; every other word is a trigger, one of its ``words`` or filler.
    """
    if not any(e.get("entity") == "province" for e in entities):
        return None
    left = _without_entities(text, entities)
    for intent, spec in queries.items():
        triggers = frozenset(spec.get("triggers") or ())
        if _strip(left, triggers | frozenset(spec.get("words") or ()) | filler):
            continue
        if _has_term(left, triggers):
            return intent
    return None


def is_ellipsis(text: str) -> bool:
    """"有效期呢", "那上海呢 also offline?", "what about a .cn domain?": short and elliptical."""
    return len(text.strip()) <= MAX_ELLIPSIS_CHARS and _ELLIPSIS.search(text) is not None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class ShortAnswerClassifier(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "lexicon": "components/lexicon.yml",
            "intent": "inform",
            "emoji_intent": "affirm",
            "keyword_query_confidence": 0.5,
            # Below this the FallbackClassifier would give up on the message anyway.
            "unsure_confidence": 0.2,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        filler: Optional[List[str]] = None,
        queries: Optional[Dict[str, Dict[str, List[str]]]] = None,
        terms: Optional[Dict[str, List[str]]] = None,
    ) -> None:
        self._config = config
        self._intent = config["intent"]
        self._model_storage = model_storage
        self._resource = resource
        self._filler = frozenset(filler or ())
        self._queries = queries or {}
        terms = terms or {}
        self._domain_terms = frozenset(terms.get("domain_terms") or ())
        self._question_markers = frozenset(terms.get("question_markers") or ())

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
        try:
            queries = load_json(model_storage, resource, QUERIES_FILE)
        except FileNotFoundError:  # a model trained before keyword queries existed
            queries = {}
        try:
            terms = load_json(model_storage, resource, TERMS_FILE)
        except FileNotFoundError:  # a model trained before the small-talk guard existed
            terms = {}
        return cls(
            config, model_storage, resource, load_json(model_storage, resource, FILLER_FILE), queries, terms
        )

    def train(self, training_data: TrainingData) -> Resource:
        lexicon = yaml.safe_load(Path(self._config["lexicon"]).read_text(encoding="utf-8"))
        filler = sorted({w.lower() for words in lexicon["filler"].values() for w in words})
        save_json(self._model_storage, self._resource, FILLER_FILE, filler)
        self._filler = frozenset(filler)
        queries = {
            intent: {key: sorted({w.lower() for lang in spec.get(key, {}).values() for w in lang})
                     for key in ("triggers", "words")}
            for intent, spec in (lexicon.get("keyword_queries") or {}).items()
        }
        save_json(self._model_storage, self._resource, QUERIES_FILE, queries)
        self._queries = queries
        terms = {
            key: sorted({w.lower() for words in (lexicon.get(key) or {}).values() for w in words})
            for key in ("domain_terms", "question_markers")
        }
        save_json(self._model_storage, self._resource, TERMS_FILE, terms)
        self._domain_terms = frozenset(terms["domain_terms"])
        self._question_markers = frozenset(terms["question_markers"])
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            current = message.get(INTENT) or {}
            if current.get("name") in NEVER_WITH_QUESTIONS and self._asks_about_icp(message.get(TEXT) or ""):
                self._skip_small_talk(message)
                continue
            intent = self._reading(message, current)
            if intent is None:
                continue
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != intent]
            top = {"name": intent, "confidence": 1.0}
            message.set(INTENT, top, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [top] + ranking, add_to_output=True)
        return messages

    def _reading(self, message: Message, current: Dict[str, Any]) -> Optional[str]:
        """The intent this message is sure to have, or None to leave the classifiers' choice."""
        entities = [e for e in message.get(ENTITIES) or [] if "start" in e]
        text = message.get(TEXT) or ""
        confidence = current.get("confidence") or 0.0
        doubtful = confidence < self._config.get("keyword_query_confidence", 0.5)
        if text.strip() and _YES_EMOJI.match(text.strip()) and not text.strip().isalpha():
            return self._config.get("emoji_intent", "affirm")
        if is_ellipsis(text) and (
            confidence < self._config.get("unsure_confidence", 0.2)
            or (current.get("name") in ELLIPSIS_MISREAD and doubtful)
        ):
            return self._intent
        if _FULL_ICP_NUMBER.search(text) and len(text) <= MAX_CASE_NUMBER_CHARS and doubtful:
            return self._intent
        if not entities:
            return None
        if not remainder(text, entities, self._filler):
            return self._intent
        intent = keyword_query(text, entities, self._filler, self._queries)
        # The bureau's links answer a form request just as well: left as they are.
        if intent is None or current.get("name") == "ask_bureau_link":
            return None
        return intent if current.get("name") in (self._intent, intent) or doubtful else None

    def _asks_about_icp(self, text: str) -> bool:
        folded = to_simplified(text).lower()
        return _has_term(folded, self._domain_terms) and _has_term(folded, self._question_markers)

    @staticmethod
    def _skip_small_talk(message: Message) -> None:
        """The best-ranked intent that is not small talk becomes the intent, the confidences
        renormalised over what is left (the small talk's share was the mistake)."""
        full = message.get(INTENT_RANKING_KEY) or []
        removed = sum(float(r.get("confidence") or 0.0) for r in full if r.get("name") in SMALL_TALK)
        scale = 1.0 / max(1.0 - removed, 1e-6)
        ranking = [
            {**r, "confidence": round(min(1.0, float(r.get("confidence") or 0.0) * scale), 6)}
            for r in full
            if r.get("name") not in SMALL_TALK
        ]
        if ranking:
            message.set(INTENT, dict(ranking[0]), add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
