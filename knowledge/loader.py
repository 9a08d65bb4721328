"""Load and validate the YAML under ``knowledge/data``.

Validation is strict and fails on the first problem: the assistant states these facts to users,
so a typo must stop the build rather than reach a chat. Every error names the file, the entry
and the field so a content editor can fix it without reading this code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple, Union
from urllib.parse import urlsplit

import yaml

from knowledge.model import (
    LANGUAGES,
    Bilingual,
    BranchCitations,
    Bureau,
    Citation,
    FaqEntry,
    FormLink,
    GlossaryTerm,
    Knowledge,
    Note,
    Source,
)
from knowledge.text import has_cjk, is_cjk_char, normalize

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"

# Mirrors docs/ARCHITECTURE.md: the FAQ file name is the topic, ids start with its short name.
TOPIC_PREFIXES: Mapping[str, str] = {
    "deregistration": "dereg_",
    "transfer": "transfer_",
    "accessibility": "access_",
    "filing": "filing_",
    "icp_number": "number_",
    "password": "password_",
    "authorization_code": "authcode_",
    "information_change": "change_",
    "provincial_rules": "province_",
    "psb_filing": "psb_",
    "licences": "licence_",
    "sms_verification": "sms_",
    "special_inspection": "inspection_",
}
# FAQ entries that open a guided dialog are reached by these intents instead of faq/<id>.
DIALOG_INTENTS: Tuple[str, ...] = (
    "check_accessibility",
    "request_deregistration",
    "ask_transfer_needed",
    "ask_filing_needed",
)
PROVIDERS: Tuple[str, ...] = ("tencent", "aliyun", "jdcloud", "other")

_ID = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_STEM = re.compile(r"^\d{3}_[0-9a-f]{16}$")
_HOST = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$")
_HOST_LABEL = re.compile(r"^[\w](?:[\w-]*[\w])?$")
_URL_FORBIDDEN = set('<>"{}|\\^`')
# A citation quotes a few words of the seed, enough to find the line and not a paragraph.
QUOTE_LENGTH = (10, 300)


class KnowledgeError(Exception):
    """Broken knowledge data. ``str(error)`` reads ``<file>: entry '<id>': field '<field>': <problem>``."""

    def __init__(
        self,
        file: Union[str, Path],
        problem: str,
        entry: Optional[str] = None,
        field: Optional[str] = None,
    ) -> None:
        self.file = str(file)
        self.entry = entry
        self.field = field
        self.problem = problem
        parts = [self.file]
        if entry is not None:
            parts.append(f"entry '{entry}'")
        if field is not None:
            parts.append(f"field '{field}'")
        super().__init__(": ".join(parts + [problem]))


@dataclass(frozen=True)
class _Where:
    """Where in the data a value came from, so every check can say so."""

    file: str
    entry: Optional[str] = None

    def at(self, entry: str) -> "_Where":
        return _Where(self.file, entry)

    def error(self, field: Optional[str], problem: str) -> KnowledgeError:
        return KnowledgeError(self.file, problem, self.entry, field)


# --------------------------------------------------------------------------- YAML


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys, which PyYAML would otherwise silently overwrite."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> Dict[Any, Any]:
    seen: Set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in seen
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            ) from None
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_list(path: Path, key: str) -> List[Any]:
    where = _Where(str(path))
    if not path.is_file():
        raise where.error(None, "file is missing")
    try:
        with path.open(encoding="utf-8") as handle:
            document = yaml.load(handle, Loader=_StrictLoader)  # noqa: S506 - strict SafeLoader subclass
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise where.error(None, f"not valid UTF-8 YAML: {exc}") from None
    if not isinstance(document, dict):
        raise where.error(None, f"must be a mapping with the single key '{key}'")
    _check_keys(document, where, required=(key,), optional=())
    items = document[key]
    if not isinstance(items, list):
        raise where.error(key, "must be a list")
    return items


# --------------------------------------------------------------------------- field checks


def _check_keys(
    value: Mapping[Any, Any],
    where: _Where,
    required: Sequence[str],
    optional: Sequence[str],
    parent: Optional[str] = None,
) -> None:
    # Unknown keys are errors because a misspelt optional key (`source:`, `notes` as `note`)
    # would otherwise be dropped without a trace.
    allowed = set(required) | set(optional)
    prefix = f"{parent}." if parent else ""
    for key in value:
        if key not in allowed:
            raise where.error(f"{prefix}{key}", f"unknown field (allowed: {', '.join(sorted(allowed))})")
    for key in required:
        if key not in value:
            raise where.error(f"{prefix}{key}", "missing")


def _mapping(value: Any, where: _Where, field: str) -> Mapping[Any, Any]:
    if not isinstance(value, dict):
        raise where.error(field, "must be a mapping")
    return value


def _text(value: Any, where: _Where, field: str) -> str:
    # YAML 1.1 turns bare yes/no/on/off into booleans and digits into numbers; insisting on str
    # catches an unquoted "No." answer that would otherwise become False.
    if not isinstance(value, str):
        raise where.error(field, f"must be text, got {type(value).__name__} (quote it)")
    if not value.strip():
        raise where.error(field, "must not be empty")
    return value.strip()


def _bilingual(value: Any, where: _Where, field: str) -> Bilingual:
    mapping = _mapping(value, where, field)
    for lang in LANGUAGES:
        if lang not in mapping:
            raise where.error(f"{field}.{lang}", "missing language")
    for key in mapping:
        if key not in LANGUAGES:
            raise where.error(f"{field}.{key}", "unknown language (only en and zh)")
    en = _text(mapping["en"], where, f"{field}.en")
    zh = _text(mapping["zh"], where, f"{field}.zh")
    if not has_cjk(zh):
        raise where.error(f"{field}.zh", "contains no Chinese characters (languages swapped?)")
    return Bilingual(en=en, zh=zh)


def _str_list(value: Any, where: _Where, field: str, allow_empty: bool = True) -> Tuple[str, ...]:
    if not isinstance(value, list):
        raise where.error(field, "must be a list")
    if not value and not allow_empty:
        raise where.error(field, "must not be empty")
    items = tuple(_text(item, where, f"{field}[{i}]") for i, item in enumerate(value))
    seen: Set[str] = set()
    for i, item in enumerate(items):
        if item in seen:
            raise where.error(f"{field}[{i}]", f"duplicate value '{item}'")
        seen.add(item)
    return items


def _stems(value: Any, where: _Where, field: str, known: Iterable[str]) -> Tuple[str, ...]:
    stems = _str_list(value, where, field, allow_empty=False)
    known_set = set(known)
    for i, stem in enumerate(stems):
        if stem not in known_set:
            raise where.error(f"{field}[{i}]", f"unknown source stem '{stem}' (see sources.yml)")
    return stems


def _id(value: Any, where: _Where, field: str = "id") -> str:
    text = _text(value, where, field)
    if not _ID.match(text):
        raise where.error(field, f"'{text}' is not snake_case (a-z, 0-9, _)")
    return text


def url_problem(url: str) -> Optional[str]:
    """Why ``url`` is not a well-formed absolute http(s) URL, or None if it is."""
    if any(char.isspace() for char in url) or _URL_FORBIDDEN.intersection(url):
        return "contains spaces or characters not allowed in a URL"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "must start with http:// or https://"
    try:
        hostname = parts.hostname
        parts.port  # noqa: B018 - evaluating it validates the port
    except ValueError:
        return "has an invalid port"
    if not hostname:
        return "has no host"
    labels = hostname.split(".")
    if len(labels) < 2 or not all(_HOST_LABEL.match(label) for label in labels):
        return f"has a malformed host '{hostname}'"
    return None


def _url(value: Any, where: _Where, field: str) -> str:
    url = _text(value, where, field)
    problem = url_problem(url)
    if problem:
        raise where.error(field, f"malformed URL '{url}': {problem}")
    return url


def _entry_label(raw: Any, index: int) -> str:
    """The entry's id if it has a usable one, else its position, for error messages."""
    if isinstance(raw, dict) and isinstance(raw.get("id", raw.get("stem")), str):
        return str(raw.get("id", raw.get("stem")))
    return f"#{index + 1}"


def _entries(items: List[Any], where: _Where) -> Iterable[Tuple[_Where, Mapping[Any, Any]]]:
    for index, raw in enumerate(items):
        at = where.at(_entry_label(raw, index))
        if not isinstance(raw, dict):
            raise at.error(None, "must be a mapping")
        yield at, raw


# --------------------------------------------------------------------------- sources.yml


def _load_sources(path: Path) -> Tuple[Source, ...]:
    where = _Where(str(path))
    sources: List[Source] = []
    seen: Set[str] = set()
    for at, raw in _entries(_read_list(path, "sources"), where):
        _check_keys(raw, at, ("stem", "title", "provider", "provider_name", "language"), ())
        stem = _text(raw["stem"], at, "stem")
        if not _STEM.match(stem):
            raise at.error("stem", f"'{stem}' is not a seed stem like 004_e1c45e547fecafdd")
        if stem in seen:
            raise at.error("stem", f"duplicate id '{stem}'")
        seen.add(stem)
        provider = _text(raw["provider"], at, "provider")
        if provider not in PROVIDERS:
            raise at.error("provider", f"'{provider}' is not one of {', '.join(PROVIDERS)}")
        language = _text(raw["language"], at, "language")
        if language not in LANGUAGES:
            raise at.error("language", f"'{language}' is not one of {', '.join(LANGUAGES)}")
        sources.append(
            Source(
                stem=stem,
                title=_bilingual(raw["title"], at, "title"),
                provider=provider,
                provider_name=_bilingual(raw["provider_name"], at, "provider_name"),
                language=language,
            )
        )
    return tuple(sources)


# --------------------------------------------------------------------------- bureaus.yml


def _load_links(value: Any, where: _Where, field: str, stems: Set[str]) -> Tuple[FormLink, ...]:
    if not isinstance(value, list) or not value:
        raise where.error(field, "must be a non-empty list")
    links: List[FormLink] = []
    seen: Set[str] = set()
    for i, raw in enumerate(value):
        item = f"{field}[{i}]"
        mapping = _mapping(raw, where, item)
        _check_keys(mapping, where, ("url", "sources"), ("note",), parent=item)
        url = _url(mapping["url"], where, f"{item}.url")
        if url in seen:
            raise where.error(f"{item}.url", f"duplicate URL '{url}' (list all its seeds under one link)")
        seen.add(url)
        note = _bilingual(mapping["note"], where, f"{item}.note") if "note" in mapping else None
        links.append(FormLink(url=url, sources=_stems(mapping["sources"], where, f"{item}.sources", stems), note=note))
    return tuple(links)


def _load_notes(value: Any, where: _Where, stems: Set[str]) -> Tuple[Note, ...]:
    if not isinstance(value, list):
        raise where.error("notes", "must be a list")
    notes = []
    for i, raw in enumerate(value):
        item = f"notes[{i}]"
        mapping = _mapping(raw, where, item)
        _check_keys(mapping, where, ("text", "sources"), (), parent=item)
        notes.append(
            Note(
                text=_bilingual(mapping["text"], where, f"{item}.text"),
                sources=_stems(mapping["sources"], where, f"{item}.sources", stems),
            )
        )
    return tuple(notes)


def _load_bureau(at: _Where, raw: Mapping[Any, Any], stems: Set[str]) -> Bureau:
    _check_keys(
        raw,
        at,
        required=("id", "name", "aliases", "icp_prefixes", "forms"),
        optional=("host", "host_source", "notes"),
    )
    bureau_id = _id(raw["id"], at)
    name = _bilingual(raw["name"], at, "name")
    aliases = _str_list(raw["aliases"], at, "aliases", allow_empty=False)
    seen: Dict[str, str] = {normalize(name.en): "name.en"}
    if normalize(name.zh) in seen:
        raise at.error("name.zh", "normalises to the same text as name.en")
    seen[normalize(name.zh)] = "name.zh"
    for i, alias in enumerate(aliases):
        key = normalize(alias)
        if len(key) < 2:
            # A lone character is ambiguous inside a sentence (云 in 腾讯云, 新 in 新网站);
            # one-character abbreviations belong in icp_prefixes, which are matched with care.
            raise at.error(f"aliases[{i}]", f"'{alias}' is shorter than two characters (put it in icp_prefixes)")
        if key in seen:
            raise at.error(f"aliases[{i}]", f"duplicate alias '{alias}' (same as {seen[key]} after normalising)")
        seen[key] = f"aliases[{i}]"
    prefixes = _str_list(raw["icp_prefixes"], at, "icp_prefixes", allow_empty=False)
    for i, prefix in enumerate(prefixes):
        if not is_cjk_char(prefix):
            raise at.error(f"icp_prefixes[{i}]", f"'{prefix}' must be a single Chinese character")

    host: Optional[str] = None
    host_source: Optional[str] = None
    if raw.get("host") is not None:
        host = _text(raw["host"], at, "host")
        if not _HOST.match(host):
            raise at.error("host", f"malformed host name '{host}'")
        if "host_source" not in raw:
            raise at.error("host_source", "missing (which seed gives the host?)")
        host_source = _stems([raw["host_source"]], at, "host_source", stems)[0]
    elif "host_source" in raw:
        raise at.error("host_source", "given without a host")

    return Bureau(
        id=bureau_id,
        name=name,
        aliases=aliases,
        icp_prefixes=prefixes,
        host=host,
        host_source=host_source,
        forms=_load_links(raw["forms"], at, "forms", stems),
        notes=_load_notes(raw.get("notes", []), at, stems),
    )


def _load_bureaus(path: Path, stems: Set[str]) -> Tuple[Bureau, ...]:
    where = _Where(str(path))
    bureaus: List[Bureau] = []
    ids: Set[str] = set()
    alias_owner: Dict[str, Tuple[str, str]] = {}
    prefix_owner: Dict[str, str] = {}
    url_owner: Dict[str, str] = {}
    for at, raw in _entries(_read_list(path, "bureaus"), where):
        bureau = _load_bureau(at, raw, stems)
        if bureau.id in ids:
            raise at.error("id", f"duplicate id '{bureau.id}'")
        ids.add(bureau.id)
        for name in bureau.names:
            key = normalize(name)
            if key in alias_owner:
                other, written = alias_owner[key]
                raise at.error("aliases", f"alias '{name}' maps to two bureaus: '{other}' ('{written}') and '{bureau.id}'")
            alias_owner[key] = (bureau.id, name)
        for prefix in bureau.icp_prefixes:
            if prefix in prefix_owner:
                raise at.error("icp_prefixes", f"prefix '{prefix}' maps to two bureaus: '{prefix_owner[prefix]}' and '{bureau.id}'")
            prefix_owner[prefix] = bureau.id
        for link in bureau.forms:
            if link.url in url_owner:
                raise at.error("forms", f"URL '{link.url}' is also listed for bureau '{url_owner[link.url]}'")
            url_owner[link.url] = bureau.id
        bureaus.append(bureau)
    return tuple(bureaus)


# --------------------------------------------------------------------------- glossary.yml


def _load_glossary(path: Path, stems: Set[str]) -> Tuple[GlossaryTerm, ...]:
    where = _Where(str(path))
    terms: List[GlossaryTerm] = []
    ids: Set[str] = set()
    name_owner: Dict[str, str] = {}
    for at, raw in _entries(_read_list(path, "terms"), where):
        _check_keys(raw, at, ("id", "term", "definition", "sources"), ("aliases",))
        term_id = _id(raw["id"], at)
        if term_id in ids:
            raise at.error("id", f"duplicate id '{term_id}'")
        ids.add(term_id)
        term = _bilingual(raw["term"], at, "term")
        aliases = _mapping(raw.get("aliases", {}), at, "aliases")
        _check_keys(aliases, at, (), LANGUAGES, parent="aliases")
        aliases_en = _str_list(aliases.get("en", []), at, "aliases.en")
        aliases_zh = _str_list(aliases.get("zh", []), at, "aliases.zh")
        for field, name in [("term.en", term.en), ("term.zh", term.zh)] + [
            (f"aliases.en[{i}]", a) for i, a in enumerate(aliases_en)
        ] + [(f"aliases.zh[{i}]", a) for i, a in enumerate(aliases_zh)]:
            key = normalize(name)
            if key in name_owner:
                raise at.error(field, f"'{name}' already names term '{name_owner[key]}'")
            name_owner[key] = term_id
        terms.append(
            GlossaryTerm(
                id=term_id,
                term=term,
                definition=_bilingual(raw["definition"], at, "definition"),
                aliases_en=aliases_en,
                aliases_zh=aliases_zh,
                sources=_stems(raw["sources"], at, "sources", stems),
            )
        )
    return tuple(terms)


# --------------------------------------------------------------------------- faq/*.yml


def _load_faq(directory: Path, stems: Set[str]) -> Tuple[FaqEntry, ...]:
    if not directory.is_dir():
        raise KnowledgeError(str(directory), "FAQ directory is missing")
    for stray in sorted(directory.glob("*.yaml")):
        raise KnowledgeError(str(stray), "FAQ files must end in .yml")
    entries: List[FaqEntry] = []
    id_file: Dict[str, str] = {}
    intent_owner: Dict[str, str] = {}
    for path in sorted(directory.glob("*.yml")):
        topic = path.stem
        where = _Where(str(path))
        if topic not in TOPIC_PREFIXES:
            raise where.error(None, f"unknown topic '{topic}' (file names: {', '.join(sorted(TOPIC_PREFIXES))})")
        prefix = TOPIC_PREFIXES[topic]
        for at, raw in _entries(_read_list(path, "entries"), where):
            _check_keys(raw, at, ("id", "question", "answer", "sources"), ("intent", "related"))
            entry_id = _id(raw["id"], at)
            if not entry_id.startswith(prefix):
                raise at.error("id", f"'{entry_id}' must start with '{prefix}' in {topic}.yml")
            if entry_id in id_file:
                raise at.error("id", f"duplicate id '{entry_id}' (also in {id_file[entry_id]})")
            id_file[entry_id] = str(path)
            intent = _text(raw.get("intent", f"faq/{entry_id}"), at, "intent")
            if intent.startswith("faq/"):
                if intent != f"faq/{entry_id}":
                    raise at.error("intent", f"'{intent}' must be 'faq/{entry_id}' (or a dialog intent)")
            elif intent not in DIALOG_INTENTS:
                raise at.error("intent", f"'{intent}' is neither faq/<id> nor one of {', '.join(DIALOG_INTENTS)}")
            if intent in intent_owner:
                raise at.error("intent", f"intent '{intent}' is used by two entries: '{intent_owner[intent]}' and '{entry_id}'")
            intent_owner[intent] = entry_id
            entries.append(
                FaqEntry(
                    id=entry_id,
                    topic=topic,
                    intent=intent,
                    question=_bilingual(raw["question"], at, "question"),
                    answer=_bilingual(raw["answer"], at, "answer"),
                    sources=_stems(raw["sources"], at, "sources", stems),
                    related=_str_list(raw.get("related", []), at, "related"),
                )
            )
    for entry in entries:
        at = _Where(id_file[entry.id], entry.id)
        for i, related in enumerate(entry.related):
            if related == entry.id:
                raise at.error(f"related[{i}]", "an entry cannot be related to itself")
            if related not in id_file:
                raise at.error(f"related[{i}]", f"related id '{related}' does not exist")
    return tuple(entries)


# --------------------------------------------------------------------------- citations.yml


def _load_citations(path: Path, stems: Set[str]) -> Tuple[BranchCitations, ...]:
    """Optional file: small test data sets have no decisions to cite. Which branches must be
    cited, and whether each quote is really in its seed, is checked by :mod:`knowledge.citations`."""
    if not path.exists():
        return ()
    where = _Where(str(path))
    branches: List[BranchCitations] = []
    seen: Set[str] = set()
    for index, raw in enumerate(_read_list(path, "branches")):
        label = str(raw["branch"]) if isinstance(raw, dict) and isinstance(raw.get("branch"), str) else f"#{index + 1}"
        at = where.at(label)
        if not isinstance(raw, dict):
            raise at.error(None, "must be a mapping")
        _check_keys(raw, at, ("branch", "cites"), ())
        branch = _id(raw["branch"], at, "branch")
        if branch in seen:
            raise at.error("branch", f"duplicate branch '{branch}'")
        seen.add(branch)
        if not isinstance(raw["cites"], list) or not raw["cites"]:
            raise at.error("cites", "must be a non-empty list")
        cites: List[Citation] = []
        for i, item in enumerate(raw["cites"]):
            field = f"cites[{i}]"
            mapping = _mapping(item, at, field)
            _check_keys(mapping, at, ("source", "quote"), (), parent=field)
            source = _stems([mapping["source"]], at, f"{field}.source", stems)[0]
            quote = _text(mapping["quote"], at, f"{field}.quote")
            low, high = QUOTE_LENGTH
            if not low <= len(quote) <= high:
                raise at.error(f"{field}.quote", f"must be {low} to {high} characters (a short verbatim quote), got {len(quote)}")
            cites.append(Citation(source=source, quote=quote))
        branches.append(BranchCitations(branch=branch, cites=tuple(cites)))
    return tuple(branches)


# --------------------------------------------------------------------------- entry point


def completeness_problems(kb: Knowledge) -> List[str]:
    """What the full data set must have beyond being valid: every FAQ topic file and every
    guided-dialog opener. Kept out of :func:`load_knowledge` so small test fixtures still load."""
    problems = []
    topics = {entry.topic for entry in kb.faq}
    for topic in TOPIC_PREFIXES:
        if topic not in topics:
            problems.append(f"faq/{topic}.yml: no entries for topic '{topic}'")
    for intent in DIALOG_INTENTS:
        if kb.faq_by_intent(intent) is None:
            problems.append(f"faq: no entry has intent '{intent}' (the opener of a guided dialog)")
    return problems


def load_knowledge(path: Union[Path, str] = DEFAULT_DATA_DIR) -> Knowledge:
    """Load ``sources.yml``, ``bureaus.yml``, ``glossary.yml``, ``faq/*.yml`` and (if present)
    ``citations.yml`` from ``path``.

    Raises :class:`KnowledgeError` on the first problem found.
    """
    root = Path(path)
    sources = _load_sources(root / "sources.yml")
    stems = {s.stem for s in sources}
    return Knowledge(
        bureaus=_load_bureaus(root / "bureaus.yml", stems),
        faq=_load_faq(root / "faq", stems),
        glossary=_load_glossary(root / "glossary.yml", stems),
        sources=sources,
        citations=_load_citations(root / "citations.yml", stems),
    )
