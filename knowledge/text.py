"""Text normalisation shared by the loader (duplicate checks) and the province lookup."""

from __future__ import annotations

import re
import unicodedata

# Seed 000 spells Henan "Heâ€™nan": the UTF-8 bytes of a curly apostrophe read as cp1252.
# Users who copy from such pages paste the same bytes, so they are folded back first.
_MOJIBAKE = {"â€™": "'", "â€˜": "'"}

_NOT_WORD = re.compile(r"[\W_]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def fold(text: str) -> str:
    """Case- and width-insensitive form of ``text`` that keeps spaces and punctuation."""
    for bad, good in _MOJIBAKE.items():
        text = text.replace(bad, good)
    return unicodedata.normalize("NFKC", text).casefold()


def normalize(text: str) -> str:
    """Key used to compare names: folded, with every space and punctuation mark removed.

    "Jiangsu Province", "jiangsu  province" and "JiangSu-Province" all become "jiangsuprovince",
    and "He'nan" becomes "henan".
    """
    return _NOT_WORD.sub("", fold(text))


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def is_cjk_char(char: str) -> bool:
    return len(char) == 1 and _CJK.match(char) is not None


# Words that carry no topic in a short follow-up ("how many per server?", "有效期呢"): question
# words, pronouns and particles. What is left must all appear in a question for it to match.
_EN_STOP = frozenset(
    "a an the is are was were be been do does did done can could should would will i we you it its "
    "it's that this these those there what which how when where why who whom about and or if for of "
    "to in on at by per my our your me us them they then so also just any one ones get got need "
    "needs there's what's how's".split()
)
_ZH_STOP = frozenset("的了吗呢吧啊呀哦嘛么那这是我你您他她它们个一下请问还也都就又要会能可以")
_EN_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def content_terms(text: str) -> frozenset:
    """The topic-bearing terms of ``text``: English words (a plural "s" dropped) other than
    question and function words, and the bigrams of each run of Chinese characters left
    after dropping particles (a lone character counts as itself)."""
    folded = fold(text)
    terms = set()
    for word in _EN_WORD.findall(folded):
        if word not in _EN_STOP:
            terms.add(word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word)
    run = []
    for char in folded + " ":
        if is_cjk_char(char) and char not in _ZH_STOP:
            run.append(char)
            continue
        if len(run) == 1:
            terms.add(run[0])
        terms.update(a + b for a, b in zip(run, run[1:]))
        run = []
    return frozenset(terms)


def coverage(query: str, candidate: str) -> float:
    """Share of the query's content terms found in ``candidate`` (0.0 when the query has none)."""
    wanted = content_terms(query)
    if not wanted:
        return 0.0
    return len(wanted & content_terms(candidate)) / len(wanted)
