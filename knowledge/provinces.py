"""Find the province (bureau) a user means, in either language, in a name, a sentence or an ICP number."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Tuple

from knowledge.model import Bilingual, Bureau, FormLink, Knowledge
from knowledge.text import fold, has_cjk, normalize

# How a match was made, strongest first; ties between methods are decided in this order.
METHOD_ICP_NUMBER = "icp_number"  # 京ICP备11018762号, 京ICP证030173号, 粤B2-20090059
METHOD_ALIAS = "alias"  # a name or alias anywhere in the text
METHOD_BUREAU_ABBREVIATION = "bureau_abbreviation"  # 粤管局, 苏通信管理局
METHOD_ABBREVIATION = "abbreviation"  # the whole input is one abbreviation: 苏
METHOD_FUZZY = "fuzzy"  # nothing matched; candidates are the closest names
METHOD_NONE = "none"

_PRIORITY = {METHOD_ICP_NUMBER: 0, METHOD_ALIAS: 1, METHOD_BUREAU_ABBREVIATION: 2, METHOD_ABBREVIATION: 3}

MAX_CANDIDATES = 5
_LATIN_THRESHOLD = 0.75
_CJK_THRESHOLD = 0.5
_CJK_SENTENCE_THRESHOLD = 0.66
_SHORT_ANSWER = 4
_LATIN_TOKEN = re.compile(r"[a-z0-9]+")
_APOSTROPHES = re.compile(r"['’‘`]")
_PARTICLES = set("在的找到向给是和与去问及或从")
_GENERIC_WORDS = frozenset("province sheng shi city municipality autonomous region zizhiqu".split())
_GENERIC_CJK = re.compile(r"(?:(?:壮族|壯族|回族|维吾尔|維吾爾)?自治[区區]|[省市])$")


@dataclass(frozen=True)
class ProvinceMatch:
    """Result of :func:`find_province`.

    ``bureau`` is the best match or None. ``candidates`` is ranked: when a bureau was found it comes
    first, followed by any other region mentioned in the same text; when nothing matched, the
    closest names (by edit distance / shared characters), possibly empty.
    """

    bureau: Optional[Bureau]
    candidates: Tuple[Bureau, ...]
    method: str
    matched: Optional[str] = None  # the text span (or alias) that decided the match

    @property
    def found(self) -> bool:
        return self.bureau is not None

    @property
    def ambiguous(self) -> bool:
        """True when the text names more than one region."""
        return self.bureau is not None and len(self.candidates) > 1


@dataclass(frozen=True)
class _Hit:
    method: str
    length: int
    position: int
    bureau_id: str
    matched: str

    def rank(self) -> Tuple[int, int, int]:
        return (_PRIORITY[self.method], -self.length, self.position)


@dataclass(frozen=True)
class _Index:
    latin: Dict[str, str]  # normalised alias -> bureau id
    cjk: Dict[str, str]
    prefixes: Dict[str, str]  # one-character abbreviation -> bureau id
    latin_max_tokens: int
    cjk_lengths: Tuple[int, ...]  # longest first, for longest-match scanning


def _index(kb: Knowledge) -> _Index:
    latin: Dict[str, str] = {}
    cjk: Dict[str, str] = {}
    max_tokens = 1
    for bureau in kb.bureaus:
        for name in bureau.names:
            key = normalize(name)
            if has_cjk(key):
                cjk[key] = bureau.id
            else:
                latin[key] = bureau.id
                max_tokens = max(max_tokens, len(_latin_tokens(fold(name))))
    prefixes = {p: b.id for b in kb.bureaus for p in b.icp_prefixes}
    lengths = tuple(sorted({len(k) for k in cjk}, reverse=True))
    return _Index(latin, cjk, prefixes, max_tokens, lengths)


_HOST_NOTE = Bilingual(
    en="The bureau's filing system; the deregistration form can be downloaded there.",
    zh="管局备案系统，可在此下载注销申请表。",
)


def bureau_links(bureau: Bureau) -> Tuple[FormLink, ...]:
    """The bureau's deregistration links in display order, then its filing-system host.

    Seed 000 lists only bare hosts ("To download the logout filing application form, please visit"),
    so the host is offered as a last link unless a form link already points at it.
    """
    links = bureau.forms
    if bureau.host and bureau.host_source:
        host_url = f"http://{bureau.host}"
        if all(link.url.rstrip("/") != host_url for link in links):
            links += (FormLink(host_url, (bureau.host_source,), _HOST_NOTE),)
    return links


def iter_alias_table(kb: Knowledge, include_abbreviations: bool = False) -> Iterator[Tuple[str, str]]:
    """Yield ``(written form, bureau id)`` for every name and alias, in data order.

    One-character ICP abbreviations (苏, 云, 新 …) are left out unless asked for: inside a sentence
    they are mostly other words (腾讯云, 新网站), so an extractor should only accept them as a whole
    answer or inside an ICP number — :func:`find_province` does that. Compare text with
    :func:`knowledge.text.normalize` applied to both sides.
    """
    for bureau in kb.bureaus:
        for name in bureau.names:
            yield name, bureau.id
        if include_abbreviations:
            for prefix in bureau.icp_prefixes:
                yield prefix, bureau.id


def _icp_hits(folded: str, index: _Index) -> List[_Hit]:
    if not index.prefixes:
        return []
    chars = "".join(sorted(index.prefixes))
    hits = []
    # ICP filing numbers (备/備), ICP licence numbers (证/證) and value-added telecom licences (B1/B2).
    # The number (or a placeholder such as …) must follow: "腾讯云ICP备案" is "Tencent Cloud ICP
    # filing", not a Yunnan number.
    pattern = re.compile(
        rf"([{re.escape(chars)}])\s*(?:icp\s*[备備证證]?\s*(?:\d[\d-]*号?|…+|\.{{2,}}|x{{2,}}|$)|b[12]\s*-\s*\d[\d-]*)"
    )
    for match in pattern.finditer(folded):
        hits.append(_Hit(METHOD_ICP_NUMBER, len(match.group(0)), match.start(), index.prefixes[match.group(1)], match.group(0)))
    return hits


def _bureau_abbreviation_hits(compact: str, index: _Index) -> List[_Hit]:
    chars = "".join(sorted(index.prefixes))
    if not chars:
        return []
    pattern = re.compile(rf"([{re.escape(chars)}])(?:通信管理局|通管局|管局)")
    hits = []
    for m in pattern.finditer(compact):
        before = compact[m.start() - 1] if m.start() else ""
        # "腾讯云管局审核" is "Tencent Cloud, bureau review": accept the abbreviation only at the start
        # of a word, i.e. after a non-Chinese character or a particle such as 在/的/找.
        if before and has_cjk(before) and before not in _PARTICLES:
            continue
        hits.append(_Hit(METHOD_BUREAU_ABBREVIATION, 1, m.start(), index.prefixes[m.group(1)], m.group(0)))
    return hits


def _cjk_hits(compact: str, index: _Index) -> List[_Hit]:
    # Greedy longest match from the left, so 浙江西湖 gives 浙江 (not 江西) and 上海南京路 gives 上海.
    hits = []
    i = 0
    while i < len(compact):
        for length in index.cjk_lengths:
            piece = compact[i : i + length]
            if len(piece) == length and piece in index.cjk:
                hits.append(_Hit(METHOD_ALIAS, length, i, index.cjk[piece], piece))
                i += length
                break
        else:
            i += 1
    return hits


def _latin_tokens(folded: str) -> List[str]:
    return _LATIN_TOKEN.findall(_APOSTROPHES.sub("", folded))


def _latin_hits(tokens: List[str], index: _Index) -> List[_Hit]:
    # Tokens are joined so that "jiang su", "Jiangsu Province" and "inner mongolia" all match, but
    # only whole words are compared, so an alias never matches inside a longer English word.
    hits = []
    i = 0
    while i < len(tokens):
        for width in range(min(index.latin_max_tokens, len(tokens) - i), 0, -1):
            key = "".join(tokens[i : i + width])
            if key in index.latin:
                hits.append(_Hit(METHOD_ALIAS, len(key), i, index.latin[key], " ".join(tokens[i : i + width])))
                i += width
                break
        else:
            i += 1
    return hits


def _closest(
    names: Dict[str, str], pieces_for: Callable[[str], Iterable[str]], threshold: float, offer: Callable[[str, float], None]
) -> None:
    """Offer every name whose best similarity to one of its pieces of the input reaches ``threshold``."""
    matcher = SequenceMatcher(autojunk=False)
    for key, bureau_id in names.items():
        matcher.set_seq2(key)  # SequenceMatcher caches its analysis of seq2: compare many pieces to it
        for piece in pieces_for(key):
            matcher.set_seq1(piece)
            # The quick ratios are cheap upper bounds of ratio(): most pieces stop here.
            if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
                continue
            # Users usually get the first letter right; it separates e.g. 江苏 from 浙江 for "江酥".
            score = matcher.ratio() + (0.01 if piece[:1] == key[:1] else 0.0)
            if score >= threshold:
                offer(bureau_id, score)


def _fuzzy_names(kb: Knowledge) -> Tuple[Dict[str, str], Dict[str, str], int]:
    """Names without generic words (Province, 省, 自治区 …), which would make every region look alike."""
    latin: Dict[str, str] = {}
    cjk: Dict[str, str] = {}
    max_words = 1
    for bureau in kb.bureaus:
        for name in bureau.names:
            if has_cjk(name):
                cjk[_GENERIC_CJK.sub("", normalize(name))] = bureau.id
            else:
                words = [w for w in _latin_tokens(fold(name)) if w not in _GENERIC_WORDS]
                latin["".join(words)] = bureau.id
                max_words = max(max_words, len(words))
    return latin, cjk, max_words


def _fuzzy(kb: Knowledge, tokens: List[str], compact: str) -> Tuple[Bureau, ...]:
    best: Dict[str, float] = {}

    def offer(bureau_id: str, score: float) -> None:
        if score > best.get(bureau_id, 0.0):
            best[bureau_id] = score

    latin, cjk, max_words = _fuzzy_names(kb)
    words = [t for t in tokens if t not in _GENERIC_WORDS]
    windows = {
        "".join(words[i : i + width])
        for i in range(len(words))
        for width in range(1, max_words + 1)
        if i + width <= len(words)
    }

    def latin_pieces(key: str) -> Iterable[str]:
        return (w for w in windows if abs(len(w) - len(key)) <= max(2, len(key) // 3))

    _closest(latin, latin_pieces, _LATIN_THRESHOLD, offer)

    han = "".join(ch for ch in compact if has_cjk(ch))

    def han_pieces(key: str) -> Iterable[str]:
        return [han[i : i + len(key)] for i in range(len(han) - len(key) + 1)] or [han]

    # One shared character is a fair hint in a short answer ("江酥") but noise in a sentence
    # ("新网站需要备案吗" is not about Xinjiang).
    if han:
        threshold = _CJK_THRESHOLD if len(han) <= _SHORT_ANSWER else _CJK_SENTENCE_THRESHOLD
        _closest(cjk, han_pieces, threshold, offer)

    order = {b.id: i for i, b in enumerate(kb.bureaus)}
    ranked = sorted(best, key=lambda bureau_id: (-best[bureau_id], order[bureau_id]))
    return tuple(kb.bureau(bureau_id) for bureau_id in ranked[:MAX_CANDIDATES])  # type: ignore[misc]


def find_province(kb: Knowledge, text: str) -> ProvinceMatch:
    """The bureau ``text`` refers to. Never raises; unknown text gives ``bureau=None`` and candidates.

    Tolerates case, spaces, full-width characters, 省/市/自治区 and English "Province"/"Sheng"
    suffixes, Traditional characters, ICP numbers (京ICP备11018762号) and names inside sentences.
    When several regions are named, the longest name wins (then the leftmost); an ICP number beats
    a name because it says where the filing actually is.
    """
    index = _index(kb)
    folded = fold(text or "")
    compact = normalize(folded)
    tokens = _latin_tokens(folded)

    hits = _icp_hits(folded, index) + _cjk_hits(compact, index) + _latin_hits(tokens, index)
    hits += _bureau_abbreviation_hits(compact, index)
    if compact in index.prefixes:
        hits.append(_Hit(METHOD_ABBREVIATION, 1, 0, index.prefixes[compact], compact))

    if hits:
        hits.sort(key=_Hit.rank)
        ranked: List[str] = []
        for hit in hits:
            if hit.bureau_id not in ranked:
                ranked.append(hit.bureau_id)
        bureaus = tuple(kb.bureau(b) for b in ranked)
        return ProvinceMatch(bureaus[0], bureaus, hits[0].method, hits[0].matched)  # type: ignore[arg-type]

    candidates = _fuzzy(kb, tokens, compact)
    return ProvinceMatch(None, candidates, METHOD_FUZZY if candidates else METHOD_NONE)
