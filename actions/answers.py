"""Typed answers to the guided dialogs' questions: words from answers.yml, typos, yes/no intents.

Pure functions (no Rasa objects), used by the forms' validation in actions/dialog.py for the
question the form has just asked.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Text, Tuple

import yaml

from knowledge.text import has_cjk

ANSWERS_FILE = Path(__file__).with_name("answers.yml")

# Intents whose message is meant as an answer to the question asked.
ANSWER_INTENTS = frozenset({"inform", "affirm", "deny", "nlu_fallback"})
# Requests that end or leave the dialog: when the NLU is sure of them, the message is not read
# as an answer even if it contains an answer word ("never mind the website").
CONTROL_INTENTS = frozenset({"stop", "restart", "request_human", "change_language"})
CONTROL_CONFIDENCE = 0.8
# Any other intent (mostly an FAQ question: the one retrieval intent with 140 answers draws
# short statements to itself) still gives an answer when the message is a statement that
# contains an answer word ("its filed with a diffrent provider", "同时用两家"), or is little
# more than that word. A question ("what's the difference between entity and website
# deregistration?") is left to the rules, which answer it and ask again.
MIN_KEYWORD_SHARE = 0.5
_QUESTION_WORDS = frozenset(
    "what whats how hows why when where wheres which who whose can could do does did is are should would will may".split()
)
_QUESTION_MARKERS = ("?", "？", "吗", "怎么", "什么", "为什么", "如何", "哪", "多久", "多少", "是否", "能否",
                     "有没有", "要不要", "需不需要", "是不是", "可不可以")
# affirm/deny answer yes/no questions, and "no" also answers "is the domain filed?".
INTENT_ANSWERS: Mapping[Text, Mapping[Text, Text]] = {
    "server_reachable": {"affirm": "yes", "deny": "no"},
    "dereg_online": {"affirm": "yes", "deny": "no"},
    "new_websites": {"affirm": "yes", "deny": "no"},
    "domain_filing": {"deny": "none"},
}
# Typos in Latin keyword words of 5+ letters: one edit (two from 10 letters on), a swap of two
# neighbouring letters counting as one ("webiste"). "identity" is two edits from "entity";
# shorter words allow only a swap ("onw"), so "it online" is not "not online".
_FUZZY_MIN_LENGTH = 5
_FUZZY_LONG = 10
_LATIN_TOKEN = re.compile(r"[a-z0-9]+")
_APOSTROPHES = re.compile(r"['’‘`]")
SPACE_AND_PUNCT = re.compile(r"[\W_]+")

@functools.lru_cache(maxsize=1)
def _t2s() -> Any:
    # Imported lazily: building the converter reads its dictionaries.
    from opencc import OpenCC

    return OpenCC("t2s")


def fold(text: Text) -> Text:
    """Lower case, half width, Simplified, without apostrophes ("can't" → "cant")."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    if has_cjk(text):
        text = _t2s().convert(text)
    return _APOSTROPHES.sub("", text)


@functools.lru_cache(maxsize=None)
def answer_keywords(path: Path = ANSWERS_FILE) -> Dict[Text, Tuple[Tuple[Text, Text], ...]]:
    """slot -> ((folded keyword, value), ...) from answers.yml, read on first use."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        slot: tuple((fold(str(keyword)), str(value)) for value, words in values.items() for keyword in words)
        for slot, values in raw.items()
    }


@dataclass(frozen=True)
class KeywordHit:
    value: Text
    length: int  # characters of the keyword, without spaces
    keyword: Text = ""


def _token_matches(word: Text, wanted: Text) -> bool:
    if len(wanted) < _FUZZY_MIN_LENGTH:
        # Short words: only two neighbouring letters swapped ("onw" for "own").
        return word == wanted or (len(wanted) > 2 and sorted(word) == sorted(wanted) and edit_distance(word, wanted) == 1)
    return edit_distance(word, wanted) <= (1 if len(wanted) < _FUZZY_LONG else 2)


def _latin_hit(keyword: Text, tokens: Sequence[Text]) -> bool:
    """Whole words in order; each word of 5+ letters may carry a typo ("diffrent provider")."""
    wanted = _LATIN_TOKEN.findall(keyword)
    width = len(wanted)
    if not width:
        return False
    return any(
        all(_token_matches(word, target) for word, target in zip(tokens[i : i + width], wanted))
        for i in range(len(tokens) - width + 1)
    )


def edit_distance(a: Text, b: Text) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps.

    Words whose lengths differ by more than two get that difference, a lower bound: no caller
    accepts more than two edits.
    """
    if abs(len(a) - len(b)) > 2:
        return abs(len(a) - len(b))
    previous2: List[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def keyword_hits(slot: Text, text: Text) -> List[KeywordHit]:
    folded = fold(text)
    tokens = _LATIN_TOKEN.findall(folded)
    compact = SPACE_AND_PUNCT.sub("", folded)
    hits = []
    for keyword, value in answer_keywords().get(slot, ()):
        if has_cjk(keyword):
            found = SPACE_AND_PUNCT.sub("", keyword) in compact
        else:
            found = _latin_hit(keyword, tokens)
        if found:
            hits.append(KeywordHit(value, len(SPACE_AND_PUNCT.sub("", keyword)), keyword))
    return hits


def looks_like_question(text: Text) -> bool:
    folded = fold(text)
    tokens = _LATIN_TOKEN.findall(folded)
    return any(marker in folded for marker in _QUESTION_MARKERS) or bool(tokens and tokens[0] in _QUESTION_WORDS)


def extract_answer(slot: Text, text: Text, intent: Optional[Text], answer_intent: bool) -> Optional[Text]:
    """The value ``text`` gives for ``slot``, or None.

    ``answer_intent``: the NLU took the message for an answer (inform, affirm …). Otherwise an
    answer word counts only in a statement, or when it makes up most of the message.
    """
    by_intent = INTENT_ANSWERS.get(slot, {}).get(intent or "")
    if by_intent is not None:
        return by_intent
    hits = keyword_hits(slot, text)
    if not hits:
        return None
    values = {hit.value for hit in hits}
    if values == {"yes", "no"}:
        best = next(hit for hit in hits if hit.value == "no")
    else:
        best = max(hits, key=lambda hit: hit.length)
    if answer_intent or not looks_like_question(text):
        return best.value
    share = best.length / max(1, len(SPACE_AND_PUNCT.sub("", fold(text))))
    return best.value if share >= MIN_KEYWORD_SHARE else None
