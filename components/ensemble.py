"""A linear model over the pipeline's sparse features, averaged with DIET; also the FAQ answer selector.

Why: with ~20 examples per label and 150 labels (136 of them FAQ answers), a
regularised logistic regression over TF-IDF-weighted word and character n-grams is a
strong, fast and stable classifier; DIET sees the same features through a small neural
network whose results move with every retrain. The
two kinds of model make different mistakes, so their average is better than either
(measured on the held-out set: see bench/nlu.py and the README).

What: the component trains on the full retrieval intents (``faq/dereg_duration``,
``greet`` …), so FAQ questions and conversation intents compete in one model. At
prediction time it averages, per full intent, its own probability with the neural
estimate (DIET's confidence for the intent; for an answer of ``faq``, DIET's ``faq``
confidence times the ResponseSelector's for the answer when the pipeline has one, else
times this model's own conditional probability of the answer), then rewrites ``intent``,
``intent_ranking`` and the ``faq`` response selection (creating it when there is no
ResponseSelector, which config.yml leaves out to halve the training time) so that
everything downstream (FallbackClassifier, policies, actions) sees one consistent decision.

The model is stored as plain numpy arrays (no pickle): IDF weights per featurizer,
coefficients and intercepts.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    RESPONSE_IDENTIFIER_DELIMITER,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.storage import load_json, save_json

ARRAYS_FILE = "linear.npz"
META_FILE = "linear.json"
SELECTOR_KEY = "response_selector"


def _sentence_blocks(message: Message) -> Dict[str, scipy.sparse.spmatrix]:
    """The sparse sentence features of the text, one block per featurizer."""
    blocks = {}
    for feature in message.features:
        if feature.attribute == TEXT and feature.type == FEATURE_TYPE_SENTENCE and feature.is_sparse():
            origin = feature.origin if isinstance(feature.origin, str) else "+".join(feature.origin)
            blocks[origin] = scipy.sparse.csr_matrix(feature.features)
    return blocks


def tfidf(counts: scipy.sparse.csr_matrix, idf: np.ndarray) -> scipy.sparse.csr_matrix:
    """Sublinear TF times IDF, each row L2-normalised (what TfidfTransformer does)."""
    weighted = counts.astype(np.float64).tocsr(copy=True)
    weighted.data = 1.0 + np.log(np.maximum(weighted.data, 1e-12))
    weighted = scipy.sparse.csr_matrix(weighted.multiply(idf.reshape(1, -1)))
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1))).ravel()
    norms[norms == 0] = 1.0
    return scipy.sparse.csr_matrix(scipy.sparse.diags(1.0 / norms) @ weighted)


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def neural_estimate(
    message: Message, retrieval_intent: str, linear: Optional[Dict[str, float]] = None
) -> Dict[str, float]:
    """Confidence per full intent from DIET's ranking and the ResponseSelector's.

    Without a ResponseSelector in the pipeline, DIET's confidence in the retrieval intent is
    shared out among its answers as the linear model ranks them (its conditional distribution)."""
    estimate: Dict[str, float] = {}
    selector = ((message.get(SELECTOR_KEY) or {}).get(retrieval_intent) or {}).get("ranking") or []
    prefix = retrieval_intent + RESPONSE_IDENTIFIER_DELIMITER
    answers = {k: v for k, v in (linear or {}).items() if k.startswith(prefix)}
    answers_total = sum(answers.values())
    for ranked in message.get(INTENT_RANKING_KEY) or []:
        name, confidence = ranked.get("name"), float(ranked.get("confidence") or 0.0)
        if name == retrieval_intent and selector:
            for answer in selector:
                key = answer.get(INTENT_RESPONSE_KEY)
                if key:
                    estimate[key] = confidence * float(answer.get("confidence") or 0.0)
        elif name == retrieval_intent and answers_total > 0:
            for key, share in answers.items():
                estimate[key] = confidence * share / answers_total
        elif name:
            estimate[name] = confidence
    return estimate


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class LinearEnsembleClassifier(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # Share of the linear model in the average; the rest is DIET/ResponseSelector.
            "linear_weight": 0.5,
            # Inverse regularisation strength of the logistic regression.
            "C": 20.0,
            # Weigh every intent equally: otherwise `inform` (the most frequent intent,
            # answers such as "香港服务器") pulls in questions that merely mention a
            # province, a domain or a server location.
            "class_weight": "balanced",
            "max_iter": 2000,
            "retrieval_intent": "faq",
            # How many intents and answers the rankings list (as DIET/RS do by default).
            "ranking_length": 10,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[Tuple[List[str], List[str], Dict[str, np.ndarray], np.ndarray, np.ndarray]] = None,
        responses: Optional[Dict[str, Any]] = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._labels, self._origins, self._idf, self._coef, self._intercept = model or ([], [], {}, None, None)
        self._responses = responses or {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LinearEnsembleClassifier":
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LinearEnsembleClassifier":
        meta = load_json(model_storage, resource, META_FILE)
        with model_storage.read_from(resource) as directory:
            with np.load(directory / ARRAYS_FILE) as arrays:
                idf = {origin: arrays[f"idf_{i}"] for i, origin in enumerate(meta["origins"])}
                model = (meta["labels"], meta["origins"], idf, arrays["coef"], arrays["intercept"])
        return cls(config, model_storage, resource, model, meta["responses"])

    # -- training ---------------------------------------------------------------

    def _matrix(self, messages: List[Message]) -> scipy.sparse.csr_matrix:
        """TF-IDF rows for ``messages``: one block per featurizer, each L2-normalised."""
        columns = []
        for origin in self._origins:
            width = self._idf[origin].shape[0]
            rows = []
            for message in messages:
                block = _sentence_blocks(message).get(origin)
                if block is None or block.shape[1] != width:
                    block = scipy.sparse.csr_matrix((1, width))
                rows.append(block)
            columns.append(tfidf(scipy.sparse.vstack(rows).tocsr(), self._idf[origin]))
        return scipy.sparse.hstack(columns).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.linear_model import LogisticRegression

        examples = [m for m in training_data.intent_examples if _sentence_blocks(m)]
        labels = [m.get(INTENT_RESPONSE_KEY) or m.get(INTENT) for m in examples]
        if len(set(labels)) < 2:
            raise ValueError("LinearEnsembleClassifier needs featurized examples of at least two intents")
        self._origins = sorted({o for m in examples for o in _sentence_blocks(m)})
        self._idf = {}
        for origin in self._origins:
            counts = scipy.sparse.vstack([_sentence_blocks(m)[origin] for m in examples]).tocsr()
            document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
            # Smoothed IDF, as scikit-learn's TfidfTransformer computes it.
            self._idf[origin] = np.log((1 + len(examples)) / (1 + document_frequency)) + 1.0
        features = self._matrix(examples)
        classifier = LogisticRegression(
            C=self._config["C"], max_iter=self._config["max_iter"],
            class_weight=self._config["class_weight"],
        )
        classifier.fit(features, labels)
        self._labels = [str(label) for label in classifier.classes_]
        self._coef, self._intercept = classifier.coef_, classifier.intercept_
        self._responses = {
            key: value for key, value in training_data.responses.items()
            if RESPONSE_IDENTIFIER_DELIMITER in key
        }
        save_json(self._model_storage, self._resource, META_FILE, {
            "labels": self._labels, "origins": self._origins, "responses": self._responses,
        })
        with self._model_storage.write_to(self._resource) as directory:
            np.savez(
                directory / ARRAYS_FILE, coef=self._coef, intercept=self._intercept,
                **{f"idf_{i}": self._idf[o] for i, o in enumerate(self._origins)},
            )
        return self._resource

    # -- prediction -------------------------------------------------------------

    def linear_probabilities(self, message: Message) -> Dict[str, float]:
        if self._coef is None:
            return {}
        scores = self._matrix([message]) @ self._coef.T + self._intercept
        return dict(zip(self._labels, softmax(np.asarray(scores)).ravel().tolist()))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if not _sentence_blocks(message):
                continue
            self._decide(message, self.combined(message))
        return messages

    def combined(self, message: Message) -> Dict[str, float]:
        weight = float(self._config["linear_weight"])
        linear = self.linear_probabilities(message)
        neural = neural_estimate(message, self._config["retrieval_intent"], linear)
        return {
            label: weight * linear.get(label, 0.0) + (1.0 - weight) * neural.get(label, 0.0)
            for label in set(linear) | set(neural)
        }

    def _decide(self, message: Message, scores: Dict[str, float]) -> None:
        if not scores:
            return
        retrieval = self._config["retrieval_intent"]
        length = int(self._config["ranking_length"])
        ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        # One entry per intent in the ranking: an FAQ intent is as sure as its best answer.
        ranking: Dict[str, float] = {}
        for label, score in ordered:
            ranking.setdefault(label.split(RESPONSE_IDENTIFIER_DELIMITER)[0], score)
        intent_ranking = [
            {"name": name, "confidence": round(confidence, 6)}
            for name, confidence in list(ranking.items())[:length]
        ]
        message.set(INTENT, dict(intent_ranking[0]), add_to_output=True)
        message.set(INTENT_RANKING_KEY, intent_ranking, add_to_output=True)
        self._select_answer(message, [(k, s) for k, s in ordered if k.startswith(retrieval + RESPONSE_IDENTIFIER_DELIMITER)], length)

    def _select_answer(self, message: Message, answers: List[Tuple[str, float]], length: int) -> None:
        """Rank the FAQ answers by the averaged scores, as conditional probabilities."""
        retrieval = self._config["retrieval_intent"]
        selectors = dict(message.get(SELECTOR_KEY) or {})
        if not answers:
            return
        if retrieval not in selectors:
            # No ResponseSelector in the pipeline: this component is the selector (Rasa's
            # ActionRetrieveResponse and the FAQ actions read the same structure).
            selectors["all_retrieval_intents"] = [retrieval]
            selectors[retrieval] = {"response": {}, "ranking": []}
        total = sum(score for _, score in answers) or 1.0
        ranking = [{"intent_response_key": key, "confidence": round(score / total, 6)} for key, score in answers[:length]]
        best = ranking[0]["intent_response_key"]
        template = "utter_" + best
        selection = dict(selectors[retrieval])
        response = dict(selection.get("response") or {})
        if response.get("intent_response_key") != best:
            response["responses"] = self._responses.get(template) or [{"text": best}]
        response.update({
            "confidence": ranking[0]["confidence"],
            "intent_response_key": best,
            "utter_action": template,
        })
        selection.update({"response": response, "ranking": ranking})
        selectors[retrieval] = selection
        message.set(SELECTOR_KEY, selectors, add_to_output=True)
