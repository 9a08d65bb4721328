import pytest
from rasa.shared.nlu.training_data.message import Message

from components.language import LanguageDetector
from components.text import detect_language, is_traditional, to_simplified


@pytest.mark.parametrize(
    "text, expected",
    [
        ("how do I deregister my filing", "en"),
        ("我要注销备案", "zh"),
        ("备案transfer怎么弄", "zh"),  # mixed counts as Chinese
        ("網站打不開怎麼辦", "zh"),  # Traditional
        ("example.com.cn 备案", "zh"),
        ("is example.com.cn filed?", "en"),
        ("https://beian.miit.gov.cn", "en"),
        ("👍", None),
        ("12345", None),
        ("", None),
        ("   \n\t", None),
        ("ok 👍", "en"),
        ("粤ICP备12345678号", "zh"),
        # an ICP number is a code copied into the text, not the language written in
        ("our number is 沪ICP备20001234号, where do we deregister it?", "en"),
        ("湘ICP备 filing - how do we deregister?", "en"),
        ("the query says 浙ICP备15023456号-3", "en"),
        ("粤ICP备12345678号怎么注销", "zh"),
        ("ICP备案 how", "zh"),
    ],
)
def test_detect_language(text, expected):
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    "text, simplified, traditional",
    [
        ("備案號被註銷了", "备案号被注销了", True),
        ("网站打不开", "网站打不开", False),
        ("hello", "hello", False),
        ("廣東管局", "广东管局", True),
    ],
)
def test_traditional_is_normalised(text, simplified, traditional):
    assert to_simplified(text) == simplified
    assert len(to_simplified(text)) == len(text)
    assert is_traditional(text) is traditional


def test_detector_puts_language_into_parse_output():
    messages = [Message(data={"text": t}) for t in ("hi", "你好", "備案", "🙂")]
    LanguageDetector().process(messages)
    out = [m.as_dict(only_output_properties=True) for m in messages]
    assert [o.get("language") for o in out] == ["en", "zh", "zh", None]
    assert [o["traditional"] for o in out] == [False, False, True, False]
