"""Model records and the package surface."""

from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path
from typing import Callable

import pytest

import knowledge
from knowledge.model import Bilingual, FormLink
from knowledge.text import fold, has_cjk, is_cjk_char, normalize


@pytest.mark.parametrize(
    "lang,expected",
    [("en", "hello"), ("zh", "你好"), ("zh-CN", "你好"), ("ZH_Hans", "你好"), ("fr", "hello"), (None, "hello"), ("", "hello")],
)
def test_bilingual_get(lang: str, expected: str) -> None:
    assert Bilingual("hello", "你好").get(lang) == expected


def test_records_are_frozen() -> None:
    link = FormLink("http://a.cn/", ("000_5eec36d1171024e1", "002_2977cad4243cd2f8"))
    assert link.source == "000_5eec36d1171024e1" and link.note is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        link.url = "http://b.cn/"  # type: ignore[misc]


def test_knowledge_helpers(make_data: Callable[..., Path]) -> None:
    kb = knowledge.load_knowledge(make_data())
    assert kb.bureau("nowhere") is None and kb.faq_by_id("nope") is None and kb.faq_by_intent("greet") is None
    assert [e.id for e in kb.faq_by_topic("deregistration")] == ["dereg_how", "dereg_duration"]
    assert kb.faq_by_topic("transfer") == ()
    source = kb.source("000_5eec36d1171024e1")
    assert source is not None and source.provider_name.zh == "京东云" and kb.source("x") is None
    jiangsu = kb.bureau("jiangsu")
    assert jiangsu is not None and jiangsu.names == ("Jiangsu", "江苏", "江苏省", "Jiangsu Province")
    assert kb == knowledge.load_knowledge(make_data())


def test_text_helpers() -> None:
    assert normalize(" Jiang-Su  Province ") == "jiangsuprovince"
    assert normalize("Heâ€™nan") == "henan" and fold("ＡＢＣ") == "abc"
    assert has_cjk("a江") and not has_cjk("abc")
    assert is_cjk_char("江") and not is_cjk_char("江苏") and not is_cjk_char("a")


def test_package_reexports_and_import_is_side_effect_free() -> None:
    module = importlib.reload(knowledge)
    for name in module.__all__:
        assert hasattr(module, name), name
    assert not any(isinstance(value, knowledge.Knowledge) for value in vars(module).values())
