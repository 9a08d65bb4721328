"""The ``python -m knowledge`` command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Callable, List

import pytest
import yaml

from knowledge.__main__ import EXPORT_HEADER, main, render_faq_domain
from knowledge.loader import load_knowledge

REPO = Path(__file__).resolve().parents[2]


def cli(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> "tuple[int, str, str]":
    code = main(["--data", str(data), *args])
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- province


def test_province_found(capsys: pytest.CaptureFixture[str], real_dir: Path) -> None:
    code, out, _ = cli(capsys, real_dir, "province", "浙江管局注销申请表在哪下载")
    assert code == 0
    assert "Zhejiang / 浙江 (zhejiang)" in out
    assert "1. http://zj.beian.miit.gov.cn/" in out and "[002_2977cad4243cd2f8]" in out
    assert "Filing system host: zj.beian.miit.gov.cn [000_5eec36d1171024e1]" in out


def test_province_special_procedure_and_notes(capsys: pytest.CaptureFixture[str], real_dir: Path) -> None:
    code, out, _ = cli(capsys, real_dir, "province", "湘ICP备12345678号")
    assert code == 0 and "matched by icp_number" in out
    assert "deregister as it requires" in out and "Friday" in out and "每周五" in out
    # No seed says Hunan deregisters online in the bureau's own system (issue 12, point 3).
    assert "online in the bureau's own system" not in out
    assert "Filing system host" not in out
    code, out, _ = cli(capsys, real_dir, "province", "ningxia")
    assert "note: The deregistration form is at the bottom of this page." in out


def test_province_ambiguous(capsys: pytest.CaptureFixture[str], real_dir: Path) -> None:
    code, out, _ = cli(capsys, real_dir, "province", "from", "beijing", "to", "shanghai")
    assert code == 0 and "The text also names: beijing" in out


def test_province_not_found(capsys: pytest.CaptureFixture[str], real_dir: Path) -> None:
    code, out, _ = cli(capsys, real_dir, "province", "jiangsuu")
    assert code == 1 and "No province found" in out and "Did you mean: Jiangsu / 江苏 (jiangsu)" in out
    code, out, _ = cli(capsys, real_dir, "province", "xyz")
    assert code == 1 and "Did you mean" not in out


# --------------------------------------------------------------------------- faq


def test_faq_by_id(capsys: pytest.CaptureFixture[str], real_dir: Path) -> None:
    code, out, _ = cli(capsys, real_dir, "faq", "password_reset")
    assert code == 0
    assert "password_reset (topic password, intent faq/password_reset)" in out
    assert "EN: How do I reset a forgotten ICP filing password?" in out
    assert "Related: password_sample" in out
    code, out, _ = cli(capsys, real_dir, "faq", "password_sample")
    assert code == 0 and "Related" not in out


@pytest.mark.parametrize("query", [["forgotten", "password"], ["忘记备案密码"], ["reset"]])
def test_faq_search(capsys: pytest.CaptureFixture[str], real_dir: Path, query: List[str]) -> None:
    code, out, _ = cli(capsys, real_dir, "faq", *query)
    assert code == 0 and out.splitlines()[0].startswith("password_reset: ")


def test_faq_search_single_chinese_character(capsys: pytest.CaptureFixture[str], real_dir: Path) -> None:
    code, out, _ = cli(capsys, real_dir, "faq", "码")
    assert code == 0 and "password_reset" in out


def test_faq_no_match(capsys: pytest.CaptureFixture[str], real_dir: Path) -> None:
    code, out, _ = cli(capsys, real_dir, "faq", "the", "zzzz")
    assert code == 1 and "No FAQ entry matches" in out


# --------------------------------------------------------------------------- decide


def test_decide_ask(capsys: pytest.CaptureFixture[str], real_dir: Path) -> None:
    code, out, _ = cli(capsys, real_dir, "decide", "filing")
    assert code == 0 and out.strip() == "Ask: server_location (mainland, hong_kong, overseas)"
    code, out, _ = cli(capsys, real_dir, "decide", "dereg", "dereg_owner=other_entity")
    assert code == 0 and out.strip() == "Ask: province (free text)"


def test_decide_advice(capsys: pytest.CaptureFixture[str], real_dir: Path) -> None:
    code, out, _ = cli(capsys, real_dir, "decide", "dereg", "dereg_owner=own", "dereg_online=no", "province=hunan")
    assert code == 0
    assert out.startswith("Advice: dereg_own_offline\nEN: ")
    assert "Next steps:" in out and "Links:" in out and "1. http://hunca.miit.gov.cn/TGJCMS/bgfjxz2/3082.htm" in out
    assert "Sources: 000_5eec36d1171024e1, 001_1d8438718bd87752" in out


def test_decide_advice_without_steps_or_links(capsys: pytest.CaptureFixture[str], real_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from knowledge import __main__ as cli_module
    from knowledge.decisions import Advice
    from knowledge.model import Bilingual

    bare = Advice("bare", Bilingual("Plain.", "简单。"), sources=("004_e1c45e547fecafdd",))
    monkeypatch.setitem(cli_module.DECISIONS, "transfer", lambda **_: bare)
    code, out, _ = cli(capsys, real_dir, "decide", "transfer")
    assert code == 0 and "Next steps" not in out and "Links" not in out


@pytest.mark.parametrize(
    "args,message",
    [
        (["decide", "filing", "server_location=moon"], "not one of"),
        (["decide", "filing", "colour=red"], "'colour' is not an input of filing"),
        (["decide", "access", "server_location"], "expected key=value"),
        (["decide", "dereg", "dereg_owner=own", "dereg_online=no", "province=atlantis"], "not a bureau id"),
    ],
)
def test_decide_errors(capsys: pytest.CaptureFixture[str], real_dir: Path, args: List[str], message: str) -> None:
    code, out, err = cli(capsys, real_dir, *args)
    assert code == 2 and out == "" and message in err


def test_decide_dereg_with_broken_data(capsys: pytest.CaptureFixture[str], make_data: Callable[..., Path]) -> None:
    root = make_data(lambda d: d.pop("bureaus.yml"))
    code, _, err = cli(capsys, root, "decide", "dereg", "dereg_owner=own")
    assert code == 1 and "bureaus.yml" in err and "file is missing" in err


def test_decide_other_than_dereg_needs_no_data(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = cli(capsys, tmp_path / "nowhere", "decide", "transfer", "server_location=overseas")
    assert code == 0 and "transfer_not_needed_outside_mainland" in out
    assert "Rests on: branches transfer_not_needed_outside_mainland (data not loaded: no quotes)" in out


def test_decide_prints_the_seed_lines_each_branch_rests_on(capsys: pytest.CaptureFixture[str], real_dir: Path) -> None:
    code, out, _ = cli(capsys, real_dir, "decide", "dereg", "dereg_owner=own", "dereg_online=yes", "dereg_scope=website", "domain_suffix=.tv")
    assert code == 0 and "Rests on:" in out
    assert 'dereg_online_website [004_e1c45e547fecafdd] "Deregistration of website is deleting website ICP filing information."' in out
    assert "suffix_disputed [002_2977cad4243cd2f8]" in out and "suffix_disputed [004_e1c45e547fecafdd]" in out


# --------------------------------------------------------------------------- validate


def test_validate_ok(capsys: pytest.CaptureFixture[str], real_dir: Path) -> None:
    code, out, err = cli(capsys, real_dir, "validate")
    assert code == 0 and err == ""
    assert out.startswith("OK: 5 sources, 31 bureaus, 14 FAQ entries")


def test_validate_broken(capsys: pytest.CaptureFixture[str], make_data: Callable[..., Path]) -> None:
    def mutate(d: dict) -> None:
        d["faq/deregistration.yml"]["entries"][1]["sources"] = ["005_0000000000000000"]

    code, out, err = cli(capsys, make_data(mutate), "validate")
    assert code == 1 and out == ""
    assert "deregistration.yml: entry 'dereg_duration': field 'sources[0]': unknown source stem" in err


def test_validate_incomplete(capsys: pytest.CaptureFixture[str], make_data: Callable[..., Path]) -> None:
    code, _, err = cli(capsys, make_data(), "validate")
    assert code == 1 and "check_accessibility" in err and "faq/transfer.yml" in err


def test_validate_as_a_module(real_dir: Path, make_data: Callable[..., Path]) -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "knowledge", "--data", str(real_dir), "validate"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )
    assert ok.returncode == 0, ok.stderr
    broken = make_data(lambda d: d["bureaus.yml"]["bureaus"][0]["forms"][0].update(url="htp:/x"))
    bad = subprocess.run(
        [sys.executable, "-m", "knowledge", "--data", str(broken), "validate"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )
    assert bad.returncode == 1 and "forms[0].url" in bad.stderr and "malformed URL" in bad.stderr


def test_default_data_folder(capsys: pytest.CaptureFixture[str], real_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from knowledge import __main__ as cli_module

    # Point the default at the fixture copy: only test_knowledge_data.py reads the real FAQ files.
    monkeypatch.setattr(cli_module, "DEFAULT_DATA_DIR", real_dir)
    code = main(["province", "江苏"])
    out, _ = capsys.readouterr()
    assert code == 0 and "jiangsu" in out


# --------------------------------------------------------------------------- export


def test_export_faq_domain(capsys: pytest.CaptureFixture[str], real_dir: Path, tmp_path: Path) -> None:
    first = tmp_path / "out" / "faq.yml"
    second = tmp_path / "again.yml"
    assert cli(capsys, real_dir, "export-faq-domain", str(first))[0] == 0
    code, out, _ = cli(capsys, real_dir, "export-faq-domain", str(second))
    assert code == 0 and "wrote 10 responses" in out
    text = first.read_text(encoding="utf-8")
    assert text == second.read_text(encoding="utf-8")
    assert text.startswith(EXPORT_HEADER) and text.splitlines()[0].startswith("# Generated by `python -m knowledge export-faq-domain")
    domain = yaml.safe_load(text)
    assert domain["version"] == "3.1"
    names = list(domain["responses"])
    assert names == sorted(names) and len(names) == 10
    assert "utter_faq/dereg_sample" not in names  # a dialog opener, reached by request_deregistration
    assert domain["responses"]["utter_faq/password_reset"] == [
        {"text": "How do I reset a forgotten ICP filing password? / 忘记备案密码怎么找回？"}
    ]


def test_export_is_independent_of_entry_order(real_dir: Path) -> None:
    kb = load_knowledge(real_dir)
    reversed_kb = type(kb)(bureaus=kb.bureaus, faq=tuple(reversed(kb.faq)), glossary=kb.glossary, sources=kb.sources)
    assert render_faq_domain(kb) == render_faq_domain(reversed_kb)


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["decide", "nonsense"])
    assert info.value.code == 2
    with pytest.raises(SystemExit):
        main([])
    capsys.readouterr()
