import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.tokenizer import BilingualTokenizer

USER_DICT = "components/jieba_userdict.txt"


@pytest.fixture
def tokenizer(tmp_path):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("tokenizer")
    config = {**BilingualTokenizer.get_default_config(), "user_dictionary": USER_DICT}
    tok = BilingualTokenizer.create(config, storage, resource, ExecutionContext(None))
    tok.train(TrainingData())
    # Load back from model storage: what a served model does.
    return BilingualTokenizer.load(config, storage, resource, ExecutionContext(None))


def words(tokenizer, text):
    return [t.text for t in tokenizer.tokenize(Message(data={"text": text}), "text")]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("how do I deregister my filing", ["how", "do", "I", "deregister", "my", "filing"]),
        ("我的备案号被注销了", ["我", "的", "备案号", "被", "注销", "了"]),
        ("管局通信管理局工信部", ["管局", "通信管理局", "工信部"]),
        ("备案transfer怎么弄", ["备案", "transfer", "怎么弄"]),
        ("example.com.cn 要备案吗", ["example.com.cn", "要", "备案", "吗"]),
        ("is example.com.cn filed?", ["is", "example.com.cn", "filed", "?"]),
        ("粤ICP备12345678号", ["粤", "ICP", "备", "12345678", "号"]),
        ("wait 45 days", ["wait", "45", "days"]),
        ("", []),
        ("   ", []),
    ],
)
def test_segmentation(tokenizer, text, expected):
    assert words(tokenizer, text) == expected


def test_traditional_is_segmented_as_simplified(tokenizer):
    assert words(tokenizer, "備案號被註銷了") == ["备案号", "被", "注销", "了"]


def test_offsets_point_into_the_original_text(tokenizer):
    text = "備案 transfer 到 example.com 👍"
    for token in tokenizer.tokenize(Message(data={"text": text}), "text"):
        original = text[token.start : token.end]
        assert original.strip() == original and original
        assert len(original) == len(token.text)


def test_no_whitespace_tokens_in_mixed_text(tokenizer):
    assert all(t.strip() for t in words(tokenizer, "我要 注销  备案 ICP  please"))


def test_emoji_and_urls(tokenizer):
    toks = words(tokenizer, "看这个 https://beian.miit.gov.cn 😀")
    assert "https://beian.miit.gov.cn" in toks
    assert "😀" in toks
