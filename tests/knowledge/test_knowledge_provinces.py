"""Province lookup over the real bureau data: aliases, ICP numbers, sentences, fuzzy candidates."""

from __future__ import annotations

from typing import List, Tuple

import pytest

from knowledge.model import Bilingual, Bureau, FormLink, Knowledge
from knowledge.provinces import (
    METHOD_ABBREVIATION,
    METHOD_ALIAS,
    METHOD_BUREAU_ABBREVIATION,
    METHOD_FUZZY,
    METHOD_ICP_NUMBER,
    METHOD_NONE,
    bureau_links,
    find_province,
    iter_alias_table,
)
from knowledge.text import has_cjk
from tests.knowledge.knowledge_fixtures import S0, real_bureau_documents

BUREAUS = real_bureau_documents()
ALIASES: List[Tuple[str, str]] = [
    (b["id"], alias) for b in BUREAUS for alias in [b["name"]["en"], b["name"]["zh"], *b["aliases"]]
]
PREFIXES: List[Tuple[str, str]] = [(b["id"], p) for b in BUREAUS for p in b["icp_prefixes"]]


def test_fixture_covers_every_region() -> None:
    assert len(BUREAUS) == 31
    assert {lang for _, alias in ALIASES for lang in (["zh"] if has_cjk(alias) else ["en"])} == {"en", "zh"}


@pytest.mark.parametrize("bureau_id,alias", ALIASES, ids=[f"{b}-{a}" for b, a in ALIASES])
def test_every_alias_resolves(kb: Knowledge, bureau_id: str, alias: str) -> None:
    for text in (alias, alias.upper(), alias.lower(), f"  {alias}  "):
        match = find_province(kb, text)
        assert match.bureau is not None and match.bureau.id == bureau_id, text
        assert match.method == METHOD_ALIAS and not match.ambiguous


@pytest.mark.parametrize("bureau_id,alias", ALIASES, ids=[f"{b}-{a}" for b, a in ALIASES])
def test_every_alias_resolves_inside_a_sentence(kb: Knowledge, bureau_id: str, alias: str) -> None:
    if has_cjk(alias):
        sentence = f"我的备案在{alias}，{alias}管局注销申请表在哪下载？"
    else:
        sentence = f"Where is the deregistration form for {alias}? I filed in {alias.lower()}."
    match = find_province(kb, sentence)
    assert match.bureau is not None and match.bureau.id == bureau_id
    assert [c.id for c in match.candidates] == [bureau_id]


@pytest.mark.parametrize("bureau_id,prefix", PREFIXES, ids=[f"{b}-{p}" for b, p in PREFIXES])
def test_every_icp_prefix_resolves(kb: Knowledge, bureau_id: str, prefix: str) -> None:
    for text in (
        f"{prefix}ICP备11018762号",
        f"{prefix}ICP证030173号",
        f"网站底部写着 {prefix} icp备 11018762号-1",
        f"{prefix}ICP备…",
        f"{prefix}B2-20090059",
    ):
        match = find_province(kb, text)
        assert match.bureau is not None and match.bureau.id == bureau_id, text
        assert match.method == METHOD_ICP_NUMBER
    whole = find_province(kb, prefix)
    assert whole.bureau is not None and whole.bureau.id == bureau_id and whole.method == METHOD_ABBREVIATION
    bureau = find_province(kb, f"{prefix}管局注销表")
    assert bureau.bureau is not None and bureau.bureau.id == bureau_id
    assert bureau.method == METHOD_BUREAU_ABBREVIATION


@pytest.mark.parametrize(
    "text,expected",
    [
        ("京ICP备11018762号", "beijing"),
        ("粤ICP备…", "guangdong"),
        ("京ICP证030173号", "beijing"),
        ("where is the deregistration form for zhejiang?", "zhejiang"),
        ("浙江管局注销申请表在哪下载", "zhejiang"),
        ("江蘇", "jiangsu"),
        ("廣東省", "guangdong"),
        ("Jiangsu Sheng", "jiangsu"),
        ("jiangsu province", "jiangsu"),
        ("ＪＩＡＮＧＳＵ", "jiangsu"),  # full-width
        ("jiang su", "jiangsu"),
        ("shan xi", "shanxi"),
        ("Shaanxi", "shaanxi"),
        ("Heâ€™nan Province", "henan"),  # seed 000's mojibake
        ("He'nan", "henan"),
        ("广西壮族自治区", "guangxi"),
        ("Guangxi Zhuang Autonomous Region", "guangxi"),
        ("inner mongolia", "inner_mongolia"),
        ("内蒙", "inner_mongolia"),
        ("上海南京路", "shanghai"),  # not 海南
        ("浙江西湖", "zhejiang"),  # not 江西
        ("我在粤管局提交的", "guangdong"),
        ("我的备案号是京ICP备11018762号，现在人在上海", "beijing"),  # a number beats a name
    ],
)
def test_examples(kb: Knowledge, text: str, expected: str) -> None:
    match = find_province(kb, text)
    assert match.bureau is not None and match.bureau.id == expected
    assert match.found


def test_longest_alias_wins_and_others_are_candidates(kb: Knowledge) -> None:
    match = find_province(kb, "moving from beijing to shanghai")
    assert match.bureau is not None and match.bureau.id == "shanghai"
    assert [c.id for c in match.candidates] == ["shanghai", "beijing"]
    assert match.ambiguous
    tie = find_province(kb, "江苏和浙江")
    assert [c.id for c in tie.candidates] == ["jiangsu", "zhejiang"]


def test_number_beats_name(kb: Knowledge) -> None:
    match = find_province(kb, "我的备案号是京ICP备11018762号，现在人在上海")
    assert [c.id for c in match.candidates] == ["beijing", "shanghai"]
    assert match.matched == "京icp备11018762号"


@pytest.mark.parametrize(
    "text",
    [
        "腾讯云ICP备案怎么做",  # 云 + ICP备案 is "Tencent Cloud ICP filing", not Yunnan
        "腾讯云管局审核要多久",  # 云 + 管局 is "Tencent Cloud, bureau"
        "新网站需要备案吗",  # 新 is "new", not Xinjiang
        "I want to deregister my website",
        "",
        "xyz",
        "   ",
        "usgnaij",  # same letters as jiangsu in another order: passes the quick bound, not the ratio
    ],
)
def test_no_false_positives(kb: Knowledge, text: str) -> None:
    match = find_province(kb, text)
    assert match.bureau is None and not match.found and not match.ambiguous
    assert match.candidates == () and match.method == METHOD_NONE


@pytest.mark.parametrize(
    "text,first",
    [
        ("jiangsuu", "jiangsu"),
        ("zhejang", "zhejiang"),
        ("Guandong province", "guangdong"),
        ("江酥", "jiangsu"),
        ("江", "jiangsu"),
        ("我在广冬", "guangdong"),
    ],
)
def test_unknown_input_gives_ranked_candidates(kb: Knowledge, text: str, first: str) -> None:
    match = find_province(kb, text)
    assert match.bureau is None and match.method == METHOD_FUZZY
    assert match.candidates[0].id == first
    assert 1 <= len(match.candidates) <= 5


def test_cjk_candidates_in_a_sentence_need_two_shared_characters(kb: Knowledge) -> None:
    match = find_province(kb, "我的网站在黑龙省备案的")
    assert match.bureau is None and match.candidates[0].id == "heilongjiang"


def test_empty_knowledge_never_raises() -> None:
    empty = Knowledge(bureaus=(), faq=(), glossary=(), sources=())
    for text in ("京ICP备11018762号", "苏", "江苏", "jiangsu", "粤管局"):
        match = find_province(empty, text)
        assert match.bureau is None and match.candidates == ()


def test_iter_alias_table(kb: Knowledge) -> None:
    table = list(iter_alias_table(kb))
    assert ("江苏", "jiangsu") in table and ("Jiangsu Province", "jiangsu") in table and ("江蘇", "jiangsu") in table
    assert ("苏", "jiangsu") not in table
    assert all(len(alias) > 1 for alias, _ in table)
    assert len({bureau_id for _, bureau_id in table}) == 31
    with_abbreviations = list(iter_alias_table(kb, include_abbreviations=True))
    assert ("苏", "jiangsu") in with_abbreviations and ("蜀", "sichuan") in with_abbreviations
    assert set(table) < set(with_abbreviations)


def _bureau(kb: Knowledge, bureau_id: str) -> Bureau:
    bureau = kb.bureau(bureau_id)
    assert bureau is not None
    return bureau


def test_bureau_links_add_the_host_last(kb: Knowledge) -> None:
    jiangsu = _bureau(kb, "jiangsu")
    links = bureau_links(jiangsu)
    assert links[:-1] == jiangsu.forms
    assert links[-1].url == "http://js.beian.miit.gov.cn" and links[-1].sources == (S0,)
    assert links[-1].note is not None


def test_bureau_links_do_not_repeat_the_host(kb: Knowledge) -> None:
    sichuan = _bureau(kb, "sichuan")
    assert bureau_links(sichuan) == sichuan.forms  # http://sc.beian.miit.gov.cn is already a form link
    shanghai = _bureau(kb, "shanghai")
    assert shanghai.host is None and bureau_links(shanghai) == shanghai.forms


def test_bureau_links_without_host_source() -> None:
    link = FormLink("http://a.example.cn/", (S0,))
    bureau = Bureau("x", Bilingual("X", "某"), (), ("某",), "x.example.cn", None, (link,), False)
    assert bureau_links(bureau) == (link,)
