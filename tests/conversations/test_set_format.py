"""The independent conversation set is well-formed, and bench/conversations.py scores replies
the way its docstring says (hand-made replies; no bot needed)."""
from __future__ import annotations

import importlib.util
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_bench():
    spec = importlib.util.spec_from_file_location("bench_conversations", ROOT / "bench" / "conversations.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


@pytest.fixture(scope="module")
def groups():
    return bench.load_groups()


@pytest.fixture(scope="module")
def conversations():
    return bench.load_set()


# ---------------------------------------------------------------- the set

def test_set_is_well_formed(conversations, groups):
    assert bench.validate(conversations, groups) == []


def test_set_size_and_spread(conversations):
    assert len(conversations) >= 300
    langs = Counter(c["lang"] for c in conversations)
    for lang, minimum in {"en": 100, "zh": 100, "zh_hant": 40, "mixed": 40}.items():
        assert langs[lang] >= minimum, (lang, langs)
    personas = Counter(c["persona"] for c in conversations)
    assert all(personas[p] >= 40 for p in bench.PERSONAS), personas
    multi = [c for c in conversations if len(c["turns"]) > 1]
    assert len(multi) >= 60
    assert any(len(c["turns"]) >= 4 for c in multi)
    assert all(len(c["turns"]) <= 4 for c in conversations)


def test_every_turn_has_expectations(conversations):
    for conv in conversations:
        for turn in conv["turns"]:
            expect = turn["expect"]
            assert expect.get("all") or expect.get("any") or expect.get("none"), conv["id"]


def test_every_province_is_asked_for(conversations, groups):
    provinces = {name for name in groups if name.startswith("prov:")}
    assert len(provinces) == 31
    used = {item[1:] for conv in conversations for turn in conv["turns"]
            for _, item in bench.expectation_items(turn) if isinstance(item, str)}
    assert provinces <= used, provinces - used


def test_direct_questions_are_marked(conversations):
    direct = [t for c in conversations for t in c["turns"] if t["direct"]]
    assert len(direct) >= 300
    # free-text dialog answers are part of the set too
    assert sum(not t["direct"] for c in conversations for t in c["turns"]) >= 40


def test_scripts_match_the_language(conversations):
    cjk = re.compile(r"[\u3400-\u9fff]")
    for conv in conversations:
        text = " ".join(t["user"] for t in conv["turns"])
        if conv["lang"] in ("zh", "zh_hant"):
            assert cjk.search(text), conv["id"]
        if conv["lang"] == "mixed":
            assert cjk.search(text) and re.search(r"[A-Za-z]{2,}", text), conv["id"]


def test_facts_come_from_the_seeds(groups):
    """Every URL-like host or phone number in the fact groups is written in some seed."""
    seeds = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT.parent / "shared" / "seeds").glob("*.txt")) \
        if (ROOT.parent / "shared" / "seeds").exists() else None
    if seeds is None:
        pytest.skip("the seed documents are not next to this checkout")
    for name, items in groups.items():
        if name.startswith("prov:"):
            for host in items:
                assert host.lstrip("/") in seeds, (name, host)


# ---------------------------------------------------------------- scoring

def turn(all_=None, any_=None, none=None, direct=True):
    expect = {k: v for k, v in (("all", all_), ("any", any_), ("none", none)) if v}
    return {"user": "q", "expect": expect, "direct": direct}


def test_link_of_the_right_province_passes(groups):
    reply = [{"text": "Jiangsu: [deregistration form](http://js.beian.miit.gov.cn/x?id=2)"}]
    assert bench.score_turn(turn(["@prov:jiangsu"]), reply, "en", groups)["passed"]


def test_host_inside_another_host_does_not_count(groups):
    tibet = [{"text": "Tibet form: http://xzcainfo.miitbeian.gov.cn/state?id=4"}]
    assert not bench.score_turn(turn(["@prov:zhejiang"]), tibet, "en", groups)["passed"]
    anhui = [{"text": "Anhui form: http://ahcainfo.miitbeian.gov.cn/state?id=12"}]
    assert not bench.score_turn(turn(["@prov:henan"]), anhui, "en", groups)["passed"]


def test_button_titles_count_and_payloads_do_not(groups):
    reply = [{"text": "Pick a province", "buttons": [
        {"title": "Form: js.beian.miit.gov.cn", "payload": "/x"},
        {"title": "Other", "payload": "http://zj.beian.miit.gov.cn"}]}]
    result = bench.score_turn(turn(["@prov:jiangsu"], none=["@prov:zhejiang"]), reply, "en", groups)
    assert result["passed"]


def test_all_any_none(groups):
    text = [{"text": "It takes 3 to 20 business days; the bureau reviews it."}]
    assert bench.score_turn(turn(["@dereg_days", "@business_days"]), text, "en", groups)["passed"]
    assert not bench.score_turn(turn(["@dereg_days", "45"]), text, "en", groups)["passed"]
    assert bench.score_turn(turn(any_=["45", "@bureau"]), text, "en", groups)["passed"]
    assert not bench.score_turn(turn(any_=["45", "Friday"]), text, "en", groups)["passed"]
    assert not bench.score_turn(turn(["@dereg_days"], none=["@bureau"]), text, "en", groups)["passed"]
    # an item of `all` given as a list is a set of alternatives
    assert bench.score_turn(turn([["45", "business"]]), text, "en", groups)["passed"]


def test_regex_facts(groups):
    reply = [{"text": "请致电工信部 010-66411166 咨询。"}]
    assert bench.score_turn(turn(["@miit_phone"]), reply, "zh", groups)["passed"]
    reply = [{"text": "Call MIIT at 010-6641-1166."}]
    assert bench.score_turn(turn(["@miit_phone"]), reply, "en", groups)["passed"]
    assert not bench.score_turn(turn(["@miit_phone"]), [{"text": "Call 010-6641-1167"}], "en", groups)["passed"]


def test_reply_must_be_in_the_users_language(groups):
    zh_reply = [{"text": "注销备案一般需要 3 到 20 个工作日。"}]
    en_reply = [{"text": "Deregistration takes 3 to 20 business days."}]
    t = turn(["@dereg_days"])
    assert bench.score_turn(t, zh_reply, "zh", groups)["passed"]
    assert not bench.score_turn(t, en_reply, "zh", groups)["passed"]
    assert not bench.score_turn(t, zh_reply, "en", groups)["passed"]
    assert bench.score_turn(t, en_reply, "mixed", groups)["passed"]
    assert bench.score_turn(t, zh_reply, "mixed", groups)["passed"]
    # a link's Chinese label does not make an English reply Chinese
    mixed_en = [{"text": "Download the form here: [江苏](http://js.beian.miit.gov.cn/x) and submit it "
                         "with your ID to the bureau within 3-20 business days."}]
    assert bench.score_turn(t, mixed_en, "en", groups)["language_ok"]


def test_no_reply_fails(groups):
    assert not bench.score_turn(turn(none=["@not_understood"], direct=False), [], "en", groups)["passed"]


def test_first_message_has_answer(groups):
    split = [{"text": "Is it your own filing, or another entity's?"},
             {"text": "It takes 3 to 20 business days."}]
    result = bench.score_turn(turn(["@dereg_days"]), split, "en", groups)
    assert result["passed"] and not result["first_message_has_answer"]


@pytest.mark.parametrize("text, kinds", [
    ("Source: Tencent Cloud ICP Filing FAQ (004_e1c45e547fecafdd)", ["file_stem"]),
    ('Tap here: /inform{"province":"jiangsu"}', ["payload"]),
    ("I guessed faq/dereg_duration, utter_default", ["name", "name"]),
    ("[form](http://aliyun_portal_storage.oss-cn-hangzhou.aliyuncs.com/help_x.doc)", []),
    ("Source: Tencent Cloud ICP Filing FAQ", []),
])
def test_internal_ids(text, kinds):
    found = bench.internal_ids(text)
    assert sorted(f.split(":")[0] for f in found) == sorted(kinds)


def _conv(cid, lang, n_turns, passed, chars=100, direct=True, ids=()):
    return {"id": cid, "lang": lang, "persona": "shop", "turns": [
        {"user": "q", "reply": [], "chars": chars, "messages": 1, "missing": [], "forbidden": [],
         "language_ok": True, "internal_ids": list(ids), "direct": direct,
         "first_message_has_answer": passed, "passed": passed}
        for _ in range(n_turns)]}


def test_summary_and_gate():
    results = [_conv("a", "en", 1, True), _conv("b", "en", 2, False, chars=900),
               _conv("c", "zh", 1, True, ids=["file_stem: 004_e1c45e547fecafdd"]),
               _conv("d", "mixed", 3, True)]
    summary = bench.summarize(results)
    assert summary["by_language"]["en"] == {"passed": 1, "total": 2, "rate": 0.5}
    assert summary["multi_turn"] == {"passed": 1, "total": 2, "rate": 0.5}
    assert summary["single_turn"]["rate"] == 1.0
    assert summary["direct"]["total"] == 7 and summary["direct"]["passed"] == 5
    assert summary["reply_chars"]["p95"] == 900
    assert summary["internal_ids"]["turns"] == 1
    assert [f["id"] for f in summary["failures"]] == ["b"]
    assert summary["failures"][0]["transcript"][0]["user"] == "q"

    failures = bench.check(summary, bench.TARGETS)
    assert any(f.startswith("en:") for f in failures)
    assert any(f.startswith("p95_chars:") for f in failures)
    assert any(f.startswith("internal_ids:") for f in failures)
    assert not any(f.startswith("zh:") for f in failures)

    floor = bench.parse_floors(["0.4", "p95_chars=1000", "internal_ids=1"])
    assert floor["en"] == 0.4 and floor["multi_turn"] == 0.4 and floor["p95_chars"] == 1000
    assert bench.check(summary, floor) == []
    with pytest.raises(SystemExit):
        bench.parse_floors(["nonsense=1"])
