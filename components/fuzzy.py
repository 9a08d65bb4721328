"""Typo-tolerant matching for the NLU components: Chinese domain-word typos and province names.

Pure functions over plain data (no Rasa imports). Edit distance comes from rapidfuzz and
pinyin from pypinyin rather than hand-written code.
"""
from __future__ import annotations

import functools
import re
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

# Common Chinese typos of the domain words (same length, so offsets into the user's text
# stay valid): homophones typed with a pinyin keyboard.
CJK_TYPOS: Dict[str, str] = {
    "备安": "备案",
    "被案": "备案",
    "背案": "备案",
    "备按": "备案",
    "注消": "注销",
    "住销": "注销",
    "注宵": "注销",
    "官局": "管局",
    "馆局": "管局",
    "接人备案": "接入备案",
    "网占": "网站",
    "网战": "网站",
    "域明": "域名",
    # Words of Traditional-Chinese writers (Hong Kong, Taiwan) that OpenCC's character
    # conversion keeps: read as the mainland word of the same length.
    "伺服器": "服务器",
    "网域": "域名",
}
_TYPO_RE = re.compile("|".join(map(re.escape, sorted(CJK_TYPOS, key=len, reverse=True))))


def fix_typos(text: str) -> str:
    """``text`` with the known Chinese typos corrected; the length never changes."""
    return _TYPO_RE.sub(lambda m: CJK_TYPOS[m.group(0)], text)


# Latin words a province name is one edit away from ("human" → Hunan): never a province.
_ENGLISH_WORDS = frozenset("human hence heaven tibetan china chinese xiamen shanghaied".split())
_LATIN_WORD = re.compile(r"[a-z]+")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
# Only short Chinese answers ("江酥", "那浙疆呢") are matched by sound: in a sentence, two
# characters that sound like a province are usually ordinary words (还难 hai nan).
MAX_HAN_FOR_PINYIN = 6
MAX_WINDOW = 3


def _max_edits(name: str) -> int:
    if len(name) < 6:
        return 0  # henan / hunan / hubei / hebei are one letter apart: no guessing
    return 1 if len(name) < 9 else 2


@functools.lru_cache(maxsize=4096)
def pinyin_key(han: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(han))


def latin_province(text: str, names: Dict[str, str]) -> Optional[Tuple[int, int, str]]:
    """(start, end, bureau id) of a misspelt or split Latin province name in lower-case ``text``.

    ``names``: province name without spaces and generic words (``heilongjiang``) → bureau id.
    Windows of up to three words are joined ("hei long jiang"), then compared by optimal string
    alignment distance (a swap of two letters is one edit: "zhejaing"). Only an unambiguous
    closest name counts.
    """
    from rapidfuzz.distance import OSA

    words = [(m.group(0), m.start(), m.end()) for m in _LATIN_WORD.finditer(text)]
    best: Optional[Tuple[int, int, int, str]] = None  # distance, start, end, id
    ambiguous = False
    for i in range(len(words)):
        for width in range(1, MAX_WINDOW + 1):
            if i + width > len(words):
                break
            piece = "".join(w for w, _, _ in words[i : i + width])
            if len(piece) < 5 or (width == 1 and piece in _ENGLISH_WORDS):
                continue
            for name, bureau_id in names.items():
                limit = _max_edits(name)
                if width > 1:
                    # Split words must join to the exact name: "he nan" is Henan, "in an" nothing.
                    limit = min(limit, 1) if len(name) >= 6 else 0
                if abs(len(piece) - len(name)) > limit or piece[0] != name[0]:
                    continue
                distance = OSA.distance(piece, name, score_cutoff=limit)
                if distance > limit:
                    continue
                hit = (distance, words[i][1], words[i + width - 1][2], bureau_id)
                if best is None or distance < best[0]:
                    best, ambiguous = hit, False
                elif distance == best[0] and bureau_id != best[3] and (hit[1], hit[2]) == (best[1], best[2]):
                    ambiguous = True
    if best is None or ambiguous:
        return None
    return best[1], best[2], best[3]


def han_province(text: str, names: Dict[str, str]) -> Optional[Tuple[int, int, str]]:
    """(start, end, bureau id) of a 2–3 character homophone of a province in a short Chinese answer.

    ``names``: pinyin of a province name without 省/市/自治区 (``jiangsu``) → bureau id. Names two
    provinces share (shanxi: 山西 and 陕西) are left out: only the characters can tell them apart.
    """
    runs = list(_HAN_RUN.finditer(text))
    if not runs or sum(len(m.group(0)) for m in runs) > MAX_HAN_FOR_PINYIN:
        return None
    for run in runs:
        han = run.group(0)
        for width in (3, 2):
            for i in range(len(han) - width + 1):
                bureau_id = names.get(pinyin_key(han[i : i + width]))
                if bureau_id:
                    return run.start() + i, run.start() + i + width, bureau_id
    return None


def pinyin_names(cjk_names: Iterable[Tuple[str, str]]) -> Dict[str, str]:
    """pinyin → bureau id for Chinese names, without pinyin that two provinces share."""
    table: Dict[str, str] = {}
    clashes = set()
    for name, bureau_id in cjk_names:
        key = pinyin_key(name)
        if key in table and table[key] != bureau_id:
            clashes.add(key)
        table.setdefault(key, bureau_id)
    return {k: v for k, v in table.items() if k not in clashes}


def latin_names(latin: Sequence[Tuple[str, str]], generic: frozenset) -> Dict[str, str]:
    table: Dict[str, str] = {}
    for name, bureau_id in latin:
        words = [w for w in _LATIN_WORD.findall(name.lower()) if w not in generic]
        key = "".join(words)
        if key:
            table.setdefault(key, bureau_id)
    return table
