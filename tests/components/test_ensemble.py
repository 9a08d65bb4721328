import numpy as np
import pytest
import scipy.sparse
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.ensemble import LinearEnsembleClassifier, neural_estimate, tfidf

# A toy vocabulary: each word is one column of the "words" featurizer.
VOCAB = ["hello", "hi", "cancel", "filing", "how", "long", "transfer", "provider", "bye"]
TRAINING = {
    "greet": ["hello", "hi", "hello hi"],
    "faq/dereg_how": ["cancel filing", "how cancel filing", "cancel"],
    "faq/dereg_duration": ["how long cancel", "long filing", "how long"],
    "ask_transfer_needed": ["transfer provider", "transfer", "provider transfer how"],
}
RESPONSES = {
    "utter_faq/dereg_how": [{"text": "how-answer"}],
    "utter_faq/dereg_duration": [{"text": "duration-answer"}],
}


def features(text, origin="words"):
    row = np.zeros((1, len(VOCAB)))
    for word in text.split():
        row[0, VOCAB.index(word)] += 1
    return Features(scipy.sparse.coo_matrix(row), "sentence", "text", origin)


def message(text, **data):
    m = Message(data={"text": text, **data})
    if text:
        m.add_features(features(text))
    return m


def training_data():
    examples = []
    for label, texts in TRAINING.items():
        intent, _, key = label.partition("/")
        for text in texts:
            m = message(text, intent=intent)
            if key:
                m.set("intent_response_key", label)
            examples.append(m)
    return TrainingData(training_examples=examples, responses=RESPONSES)


@pytest.fixture
def storage(tmp_path):
    return LocalModelStorage(tmp_path)


def trained(storage, **config):
    config = {**LinearEnsembleClassifier.get_default_config(), **config}
    resource, ctx = Resource("linear"), ExecutionContext(None)
    LinearEnsembleClassifier.create(config, storage, resource, ctx).train(training_data())
    # Served models are loaded from storage: predict with the loaded one.
    return LinearEnsembleClassifier.load(config, storage, resource, ctx)


def neural(intent, confidence, answers=()):
    """What DIET and the ResponseSelector leave in the message."""
    ranking = [{"name": intent, "confidence": confidence}]
    data = {"intent": ranking[0], "intent_ranking": ranking}
    if answers:
        data["response_selector"] = {"all_retrieval_intents": ["faq"], "faq": {
            "response": {"intent_response_key": answers[0][0], "confidence": answers[0][1],
                         "responses": [{"text": "rs"}], "utter_action": "utter_" + answers[0][0]},
            "ranking": [{"intent_response_key": k, "confidence": c} for k, c in answers],
        }}
    return data


@pytest.mark.parametrize(
    "text, intent, answer",
    [("hello", "greet", None), ("how cancel", "faq", "faq/dereg_how"),
     ("how long", "faq", "faq/dereg_duration"), ("provider transfer", "ask_transfer_needed", None)],
)
def test_linear_model_alone_classifies_full_intents(storage, text, intent, answer):
    classifier = trained(storage, linear_weight=1.0)
    m = message(text, **neural("greet", 1.0, [("faq/dereg_how", 1.0)]))
    classifier.process([m])
    assert m.get("intent")["name"] == intent
    if answer:
        response = m.get("response_selector")["faq"]["response"]
        assert response["intent_response_key"] == answer
        assert response["utter_action"] == "utter_" + answer


def test_the_average_follows_a_confident_neural_model(storage):
    classifier = trained(storage, linear_weight=0.5)
    m = message("how cancel", **neural("faq", 0.99, [("faq/dereg_duration", 0.98), ("faq/dereg_how", 0.02)]))
    linear = classifier.linear_probabilities(m)
    classifier.process([m])
    response = m.get("response_selector")["faq"]["response"]
    expected = {
        key: 0.5 * linear[key] + 0.5 * 0.99 * rs
        for key, rs in (("faq/dereg_duration", 0.98), ("faq/dereg_how", 0.02))
    }
    best = max(expected, key=expected.get)
    assert response["intent_response_key"] == best
    assert m.get("intent")["confidence"] == pytest.approx(expected[best], abs=1e-5)
    # The answer text comes with a changed selection, so utter_faq can still say it.
    if best != "faq/dereg_duration":
        assert response["responses"] == RESPONSES["utter_" + best]


def test_rankings_are_consistent(storage):
    classifier = trained(storage)
    m = message("how long cancel filing", **neural("faq", 0.7, [("faq/dereg_duration", 0.6), ("faq/dereg_how", 0.4)]))
    classifier.process([m])
    ranking = m.get("intent_ranking")
    names = [r["name"] for r in ranking]
    assert len(names) == len(set(names)) == 3  # greet, faq, ask_transfer_needed: one entry each
    assert ranking == sorted(ranking, key=lambda r: -r["confidence"])
    assert m.get("intent") == ranking[0]
    answers = m.get("response_selector")["faq"]["ranking"]
    assert [a["intent_response_key"] for a in answers] == sorted(
        [a["intent_response_key"] for a in answers], key=lambda k: -next(a["confidence"] for a in answers if a["intent_response_key"] == k))
    assert sum(a["confidence"] for a in answers) == pytest.approx(1.0, abs=1e-4)


def test_confidence_is_low_for_text_it_has_never_seen(storage):
    classifier = trained(storage, linear_weight=1.0)
    m = message("", **neural("greet", 0.4))
    m.add_features(features("bye"))  # a known word that no intent uses
    classifier.process([m])
    assert m.get("intent")["confidence"] < 0.5


def test_messages_without_features_are_left_alone(storage):
    classifier = trained(storage)
    m = message("", **neural("greet", 0.9))
    classifier.process([m])
    assert m.get("intent") == {"name": "greet", "confidence": 0.9}


def test_a_featurizer_missing_at_prediction_counts_as_empty(storage):
    classifier = trained(storage, linear_weight=1.0)
    m = Message(data={"text": "hello", **neural("faq", 0.9)})
    m.add_features(features("hello", origin="another"))
    classifier.process([m])  # no crash; the unknown block is ignored
    assert m.get("intent")["confidence"] < 0.9


def test_training_needs_two_intents(storage):
    config = LinearEnsembleClassifier.get_default_config()
    classifier = LinearEnsembleClassifier.create(config, storage, Resource("x"), ExecutionContext(None))
    with pytest.raises(ValueError):
        classifier.train(TrainingData(training_examples=[message("hello", intent="greet")]))


def test_neural_estimate_multiplies_intent_and_answer_confidence():
    m = Message(data=neural("faq", 0.8, [("faq/a", 0.5), ("faq/b", 0.25)]))
    m.get("intent_ranking").append({"name": "greet", "confidence": 0.2})
    assert neural_estimate(m, "faq") == {"faq/a": 0.4, "faq/b": 0.2, "greet": 0.2}


def test_tfidf_matches_scikit_learn():
    from sklearn.feature_extraction.text import TfidfTransformer

    counts = scipy.sparse.csr_matrix(np.array([[2, 0, 1], [0, 0, 0], [1, 3, 0]]))
    reference = TfidfTransformer(sublinear_tf=True).fit(counts)
    ours = tfidf(counts, reference.idf_)
    assert np.allclose(ours.toarray(), reference.transform(counts).toarray())


def test_without_a_response_selector_it_selects_the_answer_itself(storage):
    """The pipeline has no ResponseSelector: DIET only says `faq`; the answer is the linear
    model's choice and the message carries the structure Rasa's retrieval action reads."""
    classifier = trained(storage, linear_weight=0.5)
    m = message("how long", **neural("faq", 0.9))
    linear = classifier.linear_probabilities(m)
    classifier.process([m])
    selector = m.get("response_selector")
    assert selector["all_retrieval_intents"] == ["faq"]
    response = selector["faq"]["response"]
    faq_linear = {k: v for k, v in linear.items() if k.startswith("faq/")}
    best = max(faq_linear, key=faq_linear.get)
    assert best == "faq/dereg_duration"
    assert response["intent_response_key"] == best and response["utter_action"] == "utter_" + best
    assert response["responses"] == RESPONSES["utter_" + best]
    # DIET's `faq` confidence shared out by the linear model's conditional distribution
    share = linear[best] / sum(faq_linear.values())
    assert m.get("intent") == {"name": "faq", "confidence": pytest.approx(0.5 * linear[best] + 0.5 * 0.9 * share, abs=1e-5)}
    assert sum(a["confidence"] for a in selector["faq"]["ranking"]) == pytest.approx(1.0, abs=1e-4)


def test_without_a_response_selector_other_intents_keep_their_ranking(storage):
    classifier = trained(storage, linear_weight=0.5)
    m = message("hello", **neural("greet", 0.95))
    classifier.process([m])
    assert m.get("intent")["name"] == "greet"
    # the FAQ part of the ranking still gets an answer selection for the buttons of guesses
    assert "faq" in m.get("response_selector")
