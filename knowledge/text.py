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
