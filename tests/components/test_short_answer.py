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


@pytest.mark.parametrize(
    "text",
    ["注消湖南的备案", "sichaun deregistration?", "黑龙江 注销 申请表", "广东 注销 form pls",
     "how do I deregister a filing in Hunan?", "四川的备案怎么注销"],
)
def test_a_province_with_only_deregistration_words_opens_deregistration(classifier, matcher, text):
    """Between `inform` (a province) and the topic's opener the classifiers split their
    confidence; a keyword-only query is the topic's question."""
    assert classify(classifier, matcher, text, intent="inform")[0] == "request_deregistration"
    unsure = Message(data={"text": text, "entities": [
        {"entity": ent, "value": val, "start": s, "end": e} for s, e, ent, val in matcher.find(text)],
        "intent": {"name": "faq", "confidence": 0.2}, "intent_ranking": [{"name": "faq", "confidence": 0.2}]})
    classifier.process([unsure])
    assert unsure.get("intent")["name"] == "request_deregistration"


@pytest.mark.parametrize(
    "text", ["江苏注销备案要多久", "湖南的注销有什么特别要求", "deregistration form for Jiangxi, not Jiangsu?"],
)
def test_a_sure_classifier_or_other_words_keep_the_intent(classifier, matcher, text):
    assert classify(classifier, matcher, text, intent="faq")[0] == "faq"
