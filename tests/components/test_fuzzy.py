"""Typo-tolerant matching: Chinese domain-word typos and misspelt or split province names."""
from pathlib import Path

import pytest

from components.entities import EntityMatcher, build_table
from components.fuzzy import fix_typos, pinyin_names
from components.short_answer import _YES_EMOJI

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def matcher():
    return EntityMatcher(build_table(ROOT / "knowledge" / "data", ROOT / "components" / "lexicon.yml"))


def provinces(matcher, text):
    return [(text[s:e], value) for s, e, entity, value in matcher.find(text) if entity == "province"]


@pytest.mark.parametrize(
    "text, expected",
    [("注消备案", "注销备案"), ("备安号", "备案号"), ("官局的表", "管局的表"), ("被案注销", "备案注销"), ("管局备案", "管局备案")],
)
def test_chinese_typos_are_fixed_in_place(text, expected):
    assert fix_typos(text) == expected
    assert len(fix_typos(text)) == len(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("guangdng deregistration form", [("guangdng", "guangdong")]),
        ("hei longjiang 注销 申请表", [("hei longjiang", "heilongjiang")]),
        ("Guang Dong", [("Guang Dong", "guangdong")]),
        ("what about yunan", [("yunan", "yunnan")]),
        ("zhejaing", [("zhejaing", "zhejiang")]),
        ("sichaun form", [("sichaun", "sichuan")]),
        ("江酥", [("江酥", "jiangsu")]),
        ("那浙疆呢", [("浙疆", "zhejiang")]),
        # exact names still win, and both Shanxi spellings stay apart
        ("Shaanxi form", [("Shaanxi", "shaanxi")]),
        ("shanxi", [("shanxi", "shanxi")]),
    ],
)
def test_misspelt_and_split_province_names(matcher, text, expected):
    assert provinces(matcher, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "talk to a human",  # one letter from Hunan
        "in an hour",  # joins to "inan"
        "还难吗，备案问题",  # sounds like Hainan, in a sentence
        "hebie",  # five letters: Hebei, Hubei, Henan are too close to guess
        "can I file a website",
    ],
)
def test_no_province_guessed_from_ordinary_words(matcher, text):
    assert provinces(matcher, text) == []


def test_pinyin_shared_by_two_provinces_is_not_used():
    # 山西 and 陕西 are both "shanxi": only the characters tell them apart
    assert "shanxi" not in pinyin_names([("山西", "shanxi"), ("陕西", "shaanxi"), ("江苏", "jiangsu")])


@pytest.mark.parametrize("text, yes", [("👍", True), ("👌👌", True), ("👍🏻", True), ("🙏", True), ("ok", False), ("👍 why", False)])
def test_yes_emoji(text, yes):
    assert (bool(_YES_EMOJI.match(text)) and not text.isalpha()) is yes
