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


def classify_ranked(classifier, matcher, text, ranking):
    """Like classify, with a whole ranking [(intent, confidence), …], best first."""
    entities = [{"entity": ent, "value": val, "start": s, "end": e} for s, e, ent, val in matcher.find(text)]
    ranked = [{"name": name, "confidence": conf} for name, conf in ranking]
    message = Message(data={"text": text, "entities": entities, "intent": dict(ranked[0]), "intent_ranking": ranked})
    classifier.process([message])
    return message.get("intent"), message.get("intent_ranking")


@pytest.mark.parametrize(
    "text, guess",
    [("有效期呢", "deny"), ("反过来呢", "deny"), ("上海的呢 also offline?", "deny"), ("那个人呢", "restart"),
     ("what about a company?", "affirm"), ("有效期呢", "faq")],
)
def test_an_unsure_elliptical_follow_up_is_an_answer_in_context(classifier, matcher, text, guess):
    """Classifiers see one message: "有效期呢" looks like "no" to them. The actions read it in
    the last topic."""
    confidence = 0.15 if guess == "faq" else 0.3
    intent, _ = classify_ranked(classifier, matcher, text, [(guess, confidence), ("faq", 0.1)])
    assert intent["name"] == "inform"


@pytest.mark.parametrize(
    "text, guess, confidence",
    [("好的呢", "affirm", 0.9), ("不用了呢", "deny", 0.8), ("那注销要多久", "faq", 0.7), ("那先这样，bye bye", "goodbye", 0.4),
     ("这个备案号是谁的，我买域名前查过了呢，可是现在又说已存在", "deny", 0.3)],
)
def test_a_sure_or_long_message_with_ellipsis_words_keeps_its_intent(classifier, matcher, text, guess, confidence):
    intent, _ = classify_ranked(classifier, matcher, text, [(guess, confidence), ("faq", 0.1)])
    assert intent["name"] == guess


@pytest.mark.parametrize("text", ["ok the query says 浙ICP备15023456号-3", "查到了 京ICP证030173号"])
def test_an_icp_number_the_classifiers_are_unsure_of_is_the_users_case(classifier, matcher, text):
    intent, _ = classify_ranked(classifier, matcher, text, [("faq", 0.3), ("inform", 0.2)])
    assert intent["name"] == "inform"
    intent, _ = classify_ranked(classifier, matcher, text, [("faq", 0.8), ("inform", 0.1)])
    assert intent["name"] == "faq"


def test_a_long_question_with_an_icp_number_keeps_its_intent(classifier, matcher):
    text = "你好，我之前开了个小网店，现在店不开了，我想把备案注销掉，备案号是粤ICP备18098765号，应该怎么做？"
    intent, _ = classify_ranked(classifier, matcher, text, [("request_deregistration", 0.4), ("inform", 0.2)])
    assert intent["name"] == "request_deregistration"


@pytest.mark.parametrize(
    "text", ["另外问下，换服务商需要重新备案吗", "thanks! and how long does deregistration take?", "你好，备案号怎么查"]
)
def test_a_question_with_icp_words_is_not_small_talk(classifier, matcher, text):
    intent, ranking = classify_ranked(
        classifier, matcher, text, [("restart", 0.38), ("ask_transfer_needed", 0.16), ("faq", 0.14), ("greet", 0.02)]
    )
    assert intent["name"] == "ask_transfer_needed"
    assert intent["confidence"] == pytest.approx(0.16 / 0.6, abs=1e-5)  # renormalised without the small talk
    assert [r["name"] for r in ranking] == ["ask_transfer_needed", "faq"]


@pytest.mark.parametrize("text", ["谢谢，备案的事解决了", "重新开始", "thanks, the filing went through", "hello"])
def test_small_talk_without_a_question_about_icp_stays(classifier, matcher, text):
    intent, _ = classify_ranked(classifier, matcher, text, [("thank", 0.5), ("faq", 0.3)])
    assert intent["name"] == "thank"
