"""Deterministic entity extraction for provinces, domains, server locations, providers.

Province aliases are read from the knowledge module when the model is trained and
stored inside the model, so the NLU never keeps its own copy of the province list and
a trained model does not depend on the working directory. Matching is a plain
longest-match scan: it is exact, fast and explainable, which a learned extractor
trained on a few hundred sentences would not be for 31 regions and their ~300 aliases.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Text, Tuple

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.storage import load_json, save_json
from components.fuzzy import fix_typos, han_province, latin_names, latin_province, pinyin_names
from components.text import has_han, to_simplified

TABLE_FILE = "entity_table.json"
ENTITY_SECTIONS = ("server_location", "provider")  # the entity lists in lexicon.yml

# One Han character on its own ("苏", "京", "新") is far too common inside other
# words to mean a province; it counts only as the prefix of an ICP number
# (苏ICP备…, 京ICP证…) or of a bureau's short name (粤管局, 苏通信管理局).
_ICP_PREFIX_RE = re.compile(
    r"([\u4e00-\u9fff])\s*(?:icp\s*[备证]|通信管理局|通管局|管局)", re.IGNORECASE
)
_DOMAIN_RE = re.compile(
    r"(?<![\w.@-])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})(?![\w-])",
    re.IGNORECASE | re.ASCII,
)
# A bare suffix such as ".org" or ".com.cn", not part of a domain name.
# Bounded by ASCII only: in "后缀.org域名" the Han characters around it are not part of it.
_SUFFIX_RE = re.compile(r"(?<![a-z0-9.])(\.[a-z]{2,10}(?:\.[a-z]{2})?)(?![a-z0-9.])", re.I)
_FILE_EXTENSIONS = {"doc", "docx", "pdf", "xls", "xlsx", "png", "jpg", "jpeg", "zip", "txt", "htm", "html", "php", "aspx", "action", "js", "py"}

Match = Tuple[int, int, str, str]  # start, end, entity, value


def build_table(knowledge_path: Path, lexicon_path: Path) -> Dict[str, List[List[str]]]:
    """(term, entity, value) rows from the knowledge module and the lexicon file."""
    from knowledge import load_knowledge
    from knowledge.provinces import iter_alias_table

    rows: List[List[str]] = []
    icp_prefixes: List[List[str]] = []
    kb = load_knowledge(knowledge_path)
    for alias, bureau_id in iter_alias_table(kb):
        term = _normalise(alias)
        if len(term) == 1 and has_han(term):
            icp_prefixes.append([term, bureau_id])
        elif term:
            rows.append([term, "province", bureau_id])
    for bureau in kb.bureaus:
        for prefix in bureau.icp_prefixes:
            icp_prefixes.append([_normalise(prefix), bureau.id])
    lexicon = yaml.safe_load(lexicon_path.read_text(encoding="utf-8"))
    for entity in ENTITY_SECTIONS:
        values = lexicon[entity]
        for value, terms in values.items():
            rows.extend([_normalise(t), entity, value] for t in terms)
    return {"terms": sorted(rows), "icp_prefixes": sorted(map(list, set(map(tuple, icp_prefixes))))}


# "Jiangxi (the one with Nanchang, not Jiangsu)", "江西，不是江苏": the province after the negation
# is the one the user does not mean.
_NEGATION_BEFORE = re.compile(r"(?:\bnot|\bnor|n't|不是|而非|并非)\s*(?:the\s+|in\s+)?$")


def without_negated_provinces(norm: str, found: List[Match]) -> List[Match]:
    """``found`` without the provinces right after a negation, when another province remains."""
    negated = [
        match for match in found
        if match[2] == "province" and _NEGATION_BEFORE.search(norm[max(0, match[0] - 12) : match[0]])
    ]
    kept = [match for match in found if match not in negated]
    if negated and any(match[2] == "province" for match in kept):
        return kept
    return found


def _normalise(text: str) -> str:
    # Typos of domain words (注消 → 注销) are fixed in place: the length stays the same.
    return fix_typos(to_simplified(text).lower())


_GENERIC_LATIN = frozenset("province sheng shi city municipality autonomous region zizhiqu hui uygur uyghur zhuang".split())
_GENERIC_HAN = re.compile(r"(?:(?:壮族|回族|维吾尔)?自治区|[省市])$")


def _is_word_boundary(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isascii() and before.isalnum()) and not (
        after.isascii() and after.isalnum()
    )


class EntityMatcher:
    """Longest-match scanner over a term table (pure; used by the component)."""

    def __init__(self, table: Dict[str, List[List[str]]]) -> None:
        self._terms: Dict[str, Tuple[str, str]] = {}
        for term, entity, value in table["terms"]:
            self._terms.setdefault(term, (entity, value))
        self._icp = {prefix: bureau for prefix, bureau in table["icp_prefixes"]}
        self._max_len = max((len(t) for t in self._terms), default=0)
        provinces = [(term, value) for term, entity, value in table["terms"] if entity == "province"]
        # Misspelt or split names ("guangdng", "hei long jiang", "江酥") when nothing matched exactly.
        self._latin_names = latin_names([(t, v) for t, v in provinces if not has_han(t)], _GENERIC_LATIN)
        self._pinyin_names = pinyin_names(
            (_GENERIC_HAN.sub("", t), v) for t, v in provinces if has_han(t) and len(_GENERIC_HAN.sub("", t)) >= 2
        )

    def find(self, text: str) -> List[Match]:
        norm = _normalise(text)
        taken = [False] * len(norm)
        found: List[Match] = []

        def take(start: int, end: int, entity: str, value: str) -> None:
            if any(taken[start:end]):
                return
            for i in range(start, end):
                taken[i] = True
            found.append((start, end, entity, value))

        for m in _DOMAIN_RE.finditer(norm):
            if m.group(1).rsplit(".", 1)[-1] in _FILE_EXTENSIONS:
                continue
            take(m.start(1), m.end(1), "domain", m.group(1))
        # Full names first: in "辽宁管局" the 宁 before 管局 is part of 辽宁, not Ningxia.
        for start, end, entity, value in self._scan_terms(norm):
            take(start, end, entity, value)
        for m in _ICP_PREFIX_RE.finditer(norm):
            if m.group(1) in self._icp:
                take(m.start(1), m.end(1), "province", self._icp[m.group(1)])
        for m in _SUFFIX_RE.finditer(norm):
            if m.group(1)[1:] not in _FILE_EXTENSIONS:
                take(m.start(1), m.end(1), "domain_suffix", m.group(1))
        # A message that is nothing but an abbreviation ("苏") answers a question
        # like "which province?"; accept it then.
        stripped = norm.strip()
        if not found and stripped in self._icp:
            start = norm.index(stripped)
            found.append((start, start + 1, "province", self._icp[stripped]))
        if not any(entity == "province" for _, _, entity, _ in found):
            fuzzy = latin_province(norm, self._latin_names) or han_province(norm, self._pinyin_names)
            if fuzzy is not None:
                take(fuzzy[0], fuzzy[1], "province", fuzzy[2])
        return sorted(without_negated_provinces(norm, found))

    def _scan_terms(self, norm: str) -> Iterable[Match]:
        i = 0
        while i < len(norm):
            for length in range(min(self._max_len, len(norm) - i), 0, -1):
                term = norm[i : i + length]
                hit = self._terms.get(term)
                if hit and (has_han(term) or _is_word_boundary(norm, i, i + length)):
                    yield i, i + length, hit[0], hit[1]
                    i += length
                    break
            else:
                i += 1


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True
)
class KnowledgeEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Adds `province`, `domain`, `domain_suffix`, `server_location`, `provider`."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"knowledge_path": "knowledge/data", "lexicon": "components/lexicon.yml"}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        table: Optional[Dict[str, List[List[str]]]] = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._matcher = EntityMatcher(table) if table else None

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "KnowledgeEntityExtractor":
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "KnowledgeEntityExtractor":
        return cls(config, model_storage, resource, load_json(model_storage, resource, TABLE_FILE))

    def train(self, training_data: TrainingData) -> Resource:
        table = build_table(
            Path(self._config["knowledge_path"]), Path(self._config["lexicon"])
        )
        save_json(self._model_storage, self._resource, TABLE_FILE, table)
        self._matcher = EntityMatcher(table)
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if self._matcher is None:
            return messages
        for message in messages:
            text = message.get(TEXT) or ""
            entities = [
                {
                    ENTITY_ATTRIBUTE_TYPE: entity,
                    ENTITY_ATTRIBUTE_START: start,
                    ENTITY_ATTRIBUTE_END: end,
                    ENTITY_ATTRIBUTE_VALUE: value,
                    "value_text": text[start:end],
                }
                for start, end, entity, value in self._matcher.find(text)
            ]
            entities = self.add_extractor_name(entities)
            message.set(
                ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True
            )
        return messages
