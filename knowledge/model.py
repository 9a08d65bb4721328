"""Immutable records for the knowledge base. Built only by :mod:`knowledge.loader`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

LANGUAGES: Tuple[str, ...] = ("en", "zh")


@dataclass(frozen=True)
class Bilingual:
    en: str
    zh: str

    def get(self, lang: Optional[str]) -> str:
        """Text in ``lang``; any ``zh*`` tag (zh, zh-CN, zh_Hans) gives Chinese, anything else English.

        Falling back to English rather than raising keeps a reply possible when the language
        detector sends a tag we did not plan for.
        """
        if lang and lang.lower().startswith("zh"):
            return self.zh
        return self.en


@dataclass(frozen=True)
class Source:
    stem: str
    title: Bilingual
    provider: str  # same values as the `provider` entity: tencent, aliyun, jdcloud, other
    provider_name: Bilingual
    language: str


@dataclass(frozen=True)
class FormLink:
    """A link with provenance. ``sources`` lists every seed that gives this exact URL."""

    url: str
    sources: Tuple[str, ...]
    note: Optional[Bilingual] = None

    @property
    def source(self) -> str:
        return self.sources[0]


@dataclass(frozen=True)
class Note:
    text: Bilingual
    sources: Tuple[str, ...]


@dataclass(frozen=True)
class Bureau:
    """A provincial-level Communications Administration Bureau (one per mainland region)."""

    id: str
    name: Bilingual
    aliases: Tuple[str, ...]
    icp_prefixes: Tuple[str, ...]
    host: Optional[str]
    host_source: Optional[str]
    forms: Tuple[FormLink, ...]  # first = the one the assistant shows first
    notes: Tuple[Note, ...] = ()  # special procedures (Shanghai/Sichuan/Hunan's sites, Fridays …)

    @property
    def dereg_online(self) -> bool:
        """Deprecated, always False: no seed says a bureau deregisters online in its own system.

        Seeds 000/001 only send Shanghai, Sichuan and Hunan filers to a site to "deregister as
        requested" and seed 002 lists the same three among form downloads (issue 12, point 3);
        that is now a bureau note. Kept so that callers choosing an "online" reply fall back to
        the form reply until they stop asking; remove with the last caller.
        """
        return False

    @property
    def names(self) -> Tuple[str, ...]:
        """Every written form that names this region, display names first."""
        return (self.name.en, self.name.zh) + self.aliases


@dataclass(frozen=True)
class FaqEntry:
    id: str
    topic: str
    intent: str
    question: Bilingual
    answer: Bilingual
    sources: Tuple[str, ...]
    related: Tuple[str, ...] = ()


@dataclass(frozen=True)
class GlossaryTerm:
    id: str
    term: Bilingual
    definition: Bilingual
    aliases_en: Tuple[str, ...]
    aliases_zh: Tuple[str, ...]
    sources: Tuple[str, ...]


@dataclass(frozen=True)
class Citation:
    """A short verbatim quote from one seed: what a decision branch rests on."""

    source: str
    quote: str


@dataclass(frozen=True)
class BranchCitations:
    """The seed lines behind one branch of a decision function (``knowledge.decisions.BRANCHES``)."""

    branch: str
    cites: Tuple[Citation, ...]


@dataclass(frozen=True)
class Knowledge:
    bureaus: Tuple[Bureau, ...]
    faq: Tuple[FaqEntry, ...]
    glossary: Tuple[GlossaryTerm, ...]
    sources: Tuple[Source, ...]
    citations: Tuple[BranchCitations, ...] = ()
    # Lookup tables are derived once so the helpers stay O(1); they are not part of equality.
    _bureaus: Dict[str, Bureau] = field(init=False, repr=False, compare=False)
    _faq_ids: Dict[str, FaqEntry] = field(init=False, repr=False, compare=False)
    _faq_intents: Dict[str, FaqEntry] = field(init=False, repr=False, compare=False)
    _sources: Dict[str, Source] = field(init=False, repr=False, compare=False)
    _terms: Dict[str, GlossaryTerm] = field(init=False, repr=False, compare=False)
    _citations: Dict[str, BranchCitations] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_bureaus", {b.id: b for b in self.bureaus})
        object.__setattr__(self, "_faq_ids", {e.id: e for e in self.faq})
        object.__setattr__(self, "_faq_intents", {e.intent: e for e in self.faq})
        object.__setattr__(self, "_sources", {s.stem: s for s in self.sources})
        object.__setattr__(self, "_terms", {t.id: t for t in self.glossary})
        object.__setattr__(self, "_citations", {c.branch: c for c in self.citations})

    def bureau(self, bureau_id: str) -> Optional[Bureau]:
        return self._bureaus.get(bureau_id)

    def faq_by_id(self, entry_id: str) -> Optional[FaqEntry]:
        return self._faq_ids.get(entry_id)

    def faq_by_intent(self, intent: str) -> Optional[FaqEntry]:
        """The entry an NLU intent leads to: ``faq/<id>`` or one of the guided-dialog intents."""
        return self._faq_intents.get(intent)

    def faq_by_topic(self, topic: str) -> Tuple[FaqEntry, ...]:
        return tuple(e for e in self.faq if e.topic == topic)

    def source(self, stem: str) -> Optional[Source]:
        return self._sources.get(stem)

    def term(self, term_id: str) -> Optional[GlossaryTerm]:
        return self._terms.get(term_id)

    def cites(self, branch: str) -> Tuple[Citation, ...]:
        """The seed quotes a decision branch rests on; () when the data has none for it."""
        found = self._citations.get(branch)
        return found.cites if found else ()
