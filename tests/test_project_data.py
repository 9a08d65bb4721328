"""Consistency between knowledge/, the NLU data, the held-out set and the domain.

Rasa's own validator only warns about most of these; here they fail the build.
"""
from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from knowledge import load_knowledge

ROOT = Path(__file__).resolve().parent.parent
CONVERSATION_INTENTS = {
    "greet", "goodbye", "thank", "ask_capabilities", "out_of_scope", "affirm", "deny",
    "inform", "ask_bureau_link", "request_human", "restart", "stop", "change_language",
}


def nlu_examples(folder: Path):
    """(intent, example, file) for every example under ``folder``."""
    for path in sorted(folder.rglob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            if "intent" in block:
                for line in block["examples"].splitlines():
                    if line.strip().startswith("- "):
                        yield block["intent"], line.strip()[2:].strip(), path


@pytest.fixture(scope="module")
def kb():
    return load_knowledge(ROOT / "knowledge" / "data")


@pytest.fixture(scope="module")
def domain_intents():
    intents = set()
    for path in (ROOT / "domain").glob("*.yml"):
        for intent in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("intents", []):
            intents.add(intent if isinstance(intent, str) else next(iter(intent)))
    return intents


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_faq_entry_has_exactly_one_intent_and_back(kb, lang):
    intents = Counter(i for i, _, _ in nlu_examples(ROOT / "data" / "nlu" / lang))
    entry_intents = {e.intent for e in kb.faq}
    assert len(entry_intents) == len(kb.faq), "two FAQ entries share an intent"
    missing = sorted(i for i in entry_intents if intents[i] == 0)
    assert not missing, f"FAQ entries without {lang} training examples: {missing}"
    unknown = sorted(
        i for i in intents if i.startswith("faq/") and kb.faq_by_intent(i) is None
    )
    assert not unknown, f"{lang} retrieval intents without a knowledge entry: {unknown}"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_at_least_twelve_examples_per_intent(lang):
    counts = Counter(i for i, _, _ in nlu_examples(ROOT / "data" / "nlu" / lang))
    thin = {i: n for i, n in counts.items() if n < 12}
    assert not thin, thin


def test_nlu_intents_are_in_the_domain(kb, domain_intents):
    allowed = domain_intents | {"faq"}
    for lang in ("en", "zh"):
        for intent, _, path in nlu_examples(ROOT / "data" / "nlu" / lang):
            base = intent.split("/")[0]
            assert base in allowed, f"{path}: intent {intent} is not in domain/"


def test_no_example_is_labelled_with_two_intents():
    seen = {}
    for lang in ("en", "zh"):
        for intent, text, path in nlu_examples(ROOT / "data" / "nlu" / lang):
            key = text.lower()
            assert seen.setdefault(key, intent) == intent, f"{text!r}: {seen[key]} and {intent}"


def test_held_out_set_is_not_in_the_training_data():
    train = {t.lower() for lang in ("en", "zh") for _, t, _ in nlu_examples(ROOT / "data" / "nlu" / lang)}
    held_out = [(t, p) for _, t, p in nlu_examples(ROOT / "tests" / "nlu")]
    assert held_out
    import re

    plain = lambda s: re.sub(r"\[([^\]]*)\]\{[^}]*\}|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or m.group(2), s)
    leaked = [(t, str(p)) for t, p in held_out if plain(t).lower() in train]
    assert not leaked, leaked[:10]


def test_generated_faq_labels_are_up_to_date(tmp_path):
    out = tmp_path / "faq_labels.yml"
    subprocess.run([sys.executable, "-m", "knowledge", "export-faq-domain", str(out)], cwd=ROOT, check=True)
    current = (ROOT / "domain" / "faq_labels.yml").read_text(encoding="utf-8")
    assert out.read_text(encoding="utf-8") == current, "run `make generate`"
