from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.entities import EntityMatcher, build_table
from components.short_answer import ShortAnswerClassifier

ROOT = Path(__file__).resolve().parents[2]
LEXICON = ROOT / "components" / "lexicon.yml"


@pytest.fixture(scope="module")
def matcher():
    return EntityMatcher(build_table(ROOT / "knowledge" / "data", LEXICON))


@pytest.fixture
def classifier(tmp_path):
    storage, resource, ctx = LocalModelStorage(tmp_path), Resource("short"), ExecutionContext(None)
    config = {"lexicon": str(LEXICON), "intent": "inform"}
    ShortAnswerClassifier.create(config, storage, resource, ctx).train(TrainingData())
    return ShortAnswerClassifier.load({**config, "lexicon": "/nonexistent"}, storage, resource, ctx)


def classify(classifier, matcher, text, intent="faq"):
    entities = [
        {"entity": ent, "value": val, "start": s, "end": e}
        for s, e, ent, val in matcher.find(text)
    ]
    message = Message(data={"text": text, "entities": entities,
                            "intent": {"name": intent, "confidence": 0.6},
                            "intent_ranking": [{"name": intent, "confidence": 0.6}]})
    classifier.process([message])
    return message.get("intent")["name"], [r["name"] for r in message.get("intent_ranking")]


@pytest.mark.parametrize(
    "text",
    ["江苏", "江苏省的", "苏ICP备12345678号", "it's in Jiangsu", "my server is in hong kong",
     "example.com", "阿里云", "在香港", "Guangdong province", "嗯 浙江吧", "JD cloud"],
)
def test_entity_only_messages_are_answers(classifier, matcher, text):
    intent, ranking = classify(classifier, matcher, text)
    assert intent == "inform"
    assert ranking[:2] == ["inform", "faq"]  # the classifier's guess stays visible


@pytest.mark.parametrize(
    "text",
    ["江苏管局注销申请表在哪下载", "where is the form for zhejiang", "hong kong server need filing?",
     "我要注销备案", "hello", ""],
)
def test_questions_keep_their_intent(classifier, matcher, text):
    assert classify(classifier, matcher, text)[0] == "faq"


@pytest.mark.parametrize("text", ["👍", "👌", "👍👍", "🙏"])
def test_thumbs_up_is_a_yes(classifier, matcher, text):
    """People answer "did this help?" or "shall I check?" with an emoji: it means yes."""
    intent, ranking = classify(classifier, matcher, text)
    assert intent == "affirm"
    assert ranking[1:2] == ["faq"]  # the classifier's guess stays visible
