"""Pure text helpers shared by the custom NLU components (no Rasa imports)."""
from __future__ import annotations

import functools
import re
from typing import Iterator, Optional, Tuple

# CJK Unified Ideographs (+ extension A and the compatibility block): enough to tell
# Chinese text from everything else; kana/hangul are not expected from our users.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN_RE = re.compile(f"[{_HAN}]")
LATIN_RE = re.compile(r"[A-Za-z]")
# A run is a maximal stretch of Han characters, or of anything else.
_RUN_RE = re.compile(f"[{_HAN}]+|[^{_HAN}]+")


def has_han(text: str) -> bool:
    return HAN_RE.search(text) is not None


# An ICP filing number ("浙ICP备15023456号-3", "湘ICP备") is a code the user copies, not a
# sign of the language they write in: "our number is 沪ICP备20001234号, where do we
# deregister it?" is English.
_ICP_NUMBER_RE = re.compile(f"[{_HAN}]?\\s*ICP\\s*[备備证證]?\\s*[0-9]*\\s*[号號]?(?:\\s*-\\s*[0-9]+)?", re.I)


def detect_language(text: str) -> Optional[str]:
    """Return "zh", "en" or None (nothing to go by: digits, emoji, blank).

    Any Han character makes the message Chinese: users who mix ("备案transfer怎么弄")
    write to a Chinese-speaking support desk and expect a Chinese answer. Han characters
    inside an ICP number do not count when the rest of the message is Latin.
    """
    if has_han(text):
        rest = _ICP_NUMBER_RE.sub(" ", text)
        if has_han(rest) or not LATIN_RE.search(rest):
            return "zh"
        return "en"
    if LATIN_RE.search(text):
        return "en"
    return None


@functools.lru_cache(maxsize=1)
def _t2s():
    # Imported lazily: building the converter reads its dictionaries (~0.3 s).
    from opencc import OpenCC

    return OpenCC("t2s")


@functools.lru_cache(maxsize=4096)
def to_simplified(text: str) -> str:
    """Normalise Traditional characters to Simplified; other text is unchanged."""
    if not has_han(text):
        return text
    converted = _t2s().convert(text)
    # The converter works on phrases; if a phrase rule changed the length we keep
    # the per-character result so entity offsets still point into the user's text.
    if len(converted) != len(text):
        converted = "".join(_t2s().convert(ch) if has_han(ch) else ch for ch in text)
    return converted


def is_traditional(text: str) -> bool:
    return has_han(text) and to_simplified(text) != text


def script_runs(text: str) -> Iterator[Tuple[str, int, bool]]:
    """Yield (run, start offset, is_han) for alternating Han / non-Han stretches."""
    for match in _RUN_RE.finditer(text):
        yield match.group(0), match.start(), has_han(match.group(0)[0])
