"""Every decision branch cites seed lines, and `validate` checks the quotes against the seeds."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable, Tuple

import pytest
import yaml

from knowledge import citations
from knowledge.__main__ import main
from knowledge.citations import DEFAULT_SEEDS_DIR, citation_problems, seeds_dir, squeeze
from knowledge.decisions import BRANCHES
from knowledge.loader import DEFAULT_DATA_DIR, load_knowledge
from tests.knowledge.knowledge_fixtures import S0, S1, S4, SEEDS_DIR

needs_seeds = pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason="seed documents not available")


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> Tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def data_copy(tmp_path: Path) -> Callable[..., Path]:
    """The real data folder copied, with citations.yml changed by ``mutate(list of entries)``."""

    def make(mutate: Callable[[list], None]) -> Path:
        root = tmp_path / "data"
        shutil.copytree(DEFAULT_DATA_DIR, root)
        path = root / "citations.yml"
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        mutate(document["branches"])
        path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return root

    return make


def test_seeds_dir_default_and_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(citations.SEEDS_ENV, raising=False)
    assert seeds_dir() == DEFAULT_SEEDS_DIR == SEEDS_DIR
    monkeypatch.setenv(citations.SEEDS_ENV, str(tmp_path))
    assert seeds_dir() == tmp_path


def test_squeeze_makes_line_breaks_irrelevant() -> None:
    assert squeeze(" a\n  b\tc ") == "a b c"


@needs_seeds
def test_real_citations_cover_every_branch_and_are_in_the_seeds() -> None:
    kb = load_knowledge(DEFAULT_DATA_DIR)
    assert citation_problems(kb, SEEDS_DIR) == []
    assert {c.branch for c in kb.citations} == set(BRANCHES)


@needs_seeds
def test_validate_compares_quotes_with_the_seeds(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "--seeds", str(SEEDS_DIR), "validate")
    assert code == 0 and err == ""
    assert f"{len(BRANCHES)} decision branches citing" in out and f"every quote was found in its seed under {SEEDS_DIR}" in out


def test_validate_without_seeds_still_checks_the_rest(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A deployment has knowledge/ but no seeds: valid data passes with a note, exit 0."""
    missing = tmp_path / "no-seeds"
    code, out, err = cli(capsys, "--seeds", str(missing), "validate")
    assert code == 0 and err == ""
    assert f"note: seeds directory {missing} not found: quotes not compared with the seeds" in out


def test_validate_without_seeds_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(citations.SEEDS_ENV, str(tmp_path / "gone"))
    code, out, _ = cli(capsys, "validate")
    assert code == 0 and "quotes not compared" in out


@needs_seeds
def test_validate_fails_on_a_quote_that_is_not_in_its_seed(capsys: pytest.CaptureFixture[str], data_copy: Callable[..., Path]) -> None:
    def misquote(entries: list) -> None:
        entries[0]["cites"][0]["quote"] = "ICP filing is never required for anything at all."

    root = data_copy(misquote)
    code, _, err = cli(capsys, "--data", str(root), "--seeds", str(SEEDS_DIR), "validate")
    assert code == 1
    assert "entry 'filing_not_required_outside_mainland': quote not found in 004_e1c45e547fecafdd" in err
    # without the seeds the same data passes: only the comparison needs them
    code, out, _ = cli(capsys, "--data", str(root), "--seeds", str(root / "nowhere"), "validate")
    assert code == 0 and "quotes not compared" in out


def test_validate_fails_on_a_branch_without_citation_or_an_unknown_branch(
    capsys: pytest.CaptureFixture[str], data_copy: Callable[..., Path], tmp_path: Path
) -> None:
    def drop_and_invent(entries: list) -> None:
        entries[:] = [e for e in entries if e["branch"] != "access_wait_sync"]
        entries.append({"branch": "access_magic", "cites": [{"source": S4, "quote": "DNS change will take effect after 48 hours."}]})

    root = data_copy(drop_and_invent)
    code, _, err = cli(capsys, "--data", str(root), "--seeds", str(tmp_path / "none"), "validate")
    assert code == 1
    assert "branch 'access_wait_sync' cites no seed line" in err
    assert "entry 'access_magic': no such decision branch" in err


def test_a_missing_seed_file_is_reported(data_copy: Callable[..., Path], tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / f"{S0}.txt").write_text(
        "You can logout offline if the filing information of domain name\n  is no longer use and cannot logout online through service providers.",
        encoding="utf-8",
    )
    kb = load_knowledge(data_copy(lambda entries: None))
    problems = citation_problems(kb, seeds)
    assert any(f"seed file {S4}.txt is missing in {seeds}" in p for p in problems)
    # 000's quote of dereg_own_offline spans the line break above and is found
    assert not any("dereg_own_offline': quote not found in 000" in p for p in problems)
    assert any(f"dereg_own_offline': seed file {S1}.txt is missing" in p for p in problems)
