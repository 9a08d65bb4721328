"""Suggestions for a human agent: the FAQ entries the served model ranks for a customer's message.

Pure functions over the parse result of the model the bot itself uses (``Agent.parse_message``)
and the knowledge base, so an agent sees what the bot would have answered, in both languages, with
the sources and links behind it. How the NLU ranks FAQ answers (docs/ARCHITECTURE.md, "How an
intent is chosen"): the ensemble writes ``intent_ranking`` (one line per intent, ``faq`` as sure as
its best answer) and ``response_selector.faq.ranking`` (answers as conditional probabilities);
four entries are reached through a guided dialog's intent instead of ``faq/<id>``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Text, Tuple
from urllib.parse import urlsplit

from actions import render  # the same link labels and URL clean-up as the bot's answers
from knowledge import Bilingual, Bureau, FaqEntry, FormLink, Knowledge, bureau_links

RETRIEVAL_INTENT = "faq"
DEFAULT_LIMIT = 3
# Below this the best suggestion is flagged as a guess ("low_confidence": true). The bot's own
# FallbackClassifier threshold is 0.2 (config.yml); agents see guesses up to a little higher.
DEFAULT_LOW_CONFIDENCE = 0.3
# Suggestions weaker than this are noise and left out, so a message that fits nothing gets few.
NOISE_FLOOR = 0.02

_URL = re.compile(r"https?://[^\s<>\"'()（）]+[^\s<>\"'()（）.,;:!?。，；：！？]")


@dataclass(frozen=True)
class Scored:
    entry: FaqEntry
    confidence: float


def ranked_entries(parse: Mapping[Text, Any], knowledge: Knowledge) -> List[Scored]:
    """FAQ entries in the order the NLU ranks them, with the ensemble's own scores.

    An answer's score is recovered from its conditional probability: the ``faq`` intent carries
    the best answer's score, so answer k scores ``faq × p(k) / p(best)``.
    """
    intents = {
        str(item.get("name")): float(item.get("confidence") or 0.0)
        for item in parse.get("intent_ranking") or []
        if item.get("name")
    }
    answers = (
        ((parse.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}).get("ranking") or []
    )
    scores: Dict[Text, float] = {}
    best = max((float(a.get("confidence") or 0.0) for a in answers), default=0.0)
    if best > 0:
        for answer in answers:
            key = answer.get("intent_response_key")
            entry = knowledge.faq_by_intent(str(key)) if key else None
            if entry is not None:
                share = float(answer.get("confidence") or 0.0) / best
                scores[entry.id] = max(scores.get(entry.id, 0.0), intents.get(RETRIEVAL_INTENT, 0.0) * share)
    for name, confidence in intents.items():
        entry = knowledge.faq_by_intent(name) if name != RETRIEVAL_INTENT else None
        if entry is not None:  # a guided dialog's opener (check_accessibility …)
            scores[entry.id] = max(scores.get(entry.id, 0.0), confidence)
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return [Scored(knowledge.faq_by_id(entry_id), score) for entry_id, score in ordered]  # type: ignore[arg-type]


def urls_in(texts: Iterable[Text]) -> List[Text]:
    found: List[Text] = []
    for text in texts:
        for url in _URL.findall(text or ""):
            if url not in found:
                found.append(url)
    return found


def _host(url: Text) -> Text:
    return urlsplit(url).hostname or url


def bilingual(value: Bilingual) -> Dict[Text, Text]:
    return {"en": value.en, "zh": value.zh}


def bureau_link_json(bureau: Bureau, link: FormLink, knowledge: Knowledge) -> Dict[Text, Any]:
    # Labelled by what the link is, as the bot labels it for users ("浙江注销申请表（管局备案系统）
    # · Zhejiang deregistration form (bureau system)"), without the seed's stale session id.
    label = render.link_labels()[render.bureau_link_kind(link.url)]
    return {
        "title": f"{label.zh.format(province=bureau.name.zh)} · {label.en.format(province=bureau.name.en)}",
        "url": render.clean_url(link.url),
        "note": bilingual(link.note) if link.note else None,
        "sources": [stem for stem in link.sources],
        "bureau": bureau.id,
    }


def bureau_json(bureau: Bureau, knowledge: Knowledge, matched: Optional[Text]) -> Dict[Text, Any]:
    return {
        "id": bureau.id,
        "name": bilingual(bureau.name),
        "matched": matched,
        "links": [
            bureau_link_json(bureau, link, knowledge)
            for link in render.unique_links(bureau_links(bureau))
        ],
        "notes": [
            {**bilingual(note.text), "sources": list(note.sources)} for note in bureau.notes
        ],
    }


def mentioned_bureau(
    parse: Mapping[Text, Any], knowledge: Knowledge
) -> Optional[Tuple[Bureau, Optional[Text]]]:
    """The bureau a province name or an ICP number in the text names: the ``province`` entity
    of the parse (the pipeline's extractor is generated from the same knowledge aliases and
    reads ICP numbers), so no second, slower lookup runs on every request."""
    for entity in parse.get("entities") or []:
        if entity.get("entity") == "province":
            bureau = knowledge.bureau(str(entity.get("value")))
            if bureau is not None:
                return bureau, entity.get("value_text") or entity.get("text")
    return None


def source_titles(stems: Sequence[Text], knowledge: Knowledge, lang: Text) -> List[Text]:
    titles = []
    for stem in stems:
        source = knowledge.source(stem)
        # The seed's title names provider, subject and language; the file stem means nothing
        # to an agent (knowledge validation guarantees every cited stem has a source).
        titles.append(source.title.get(lang) if source else stem)
    return titles


def suggestion_json(
    scored: Scored, knowledge: Knowledge, lang: Text, extra_links: Sequence[Dict[Text, Any]]
) -> Dict[Text, Any]:
    entry = scored.entry
    links = [
        {"title": _host(url), "url": render.clean_url(url)}
        for url in dict.fromkeys(urls_in([entry.answer.en, entry.answer.zh]))
    ]
    seen = {link["url"] for link in links}
    links += [link for link in extra_links if link["url"] not in seen]
    return {
        "id": entry.id,
        "intent": entry.intent,
        "topic": entry.topic,
        "question": bilingual(entry.question),
        "answer": bilingual(entry.answer),
        "confidence": round(scored.confidence, 4),
        "sources": source_titles(entry.sources, knowledge, lang),
        "source_titles": {
            "en": source_titles(entry.sources, knowledge, "en"),
            "zh": source_titles(entry.sources, knowledge, "zh"),
        },
        "links": links,
    }


def suggestions(
    text: Text,
    parse: Mapping[Text, Any],
    knowledge: Knowledge,
    limit: int = DEFAULT_LIMIT,
    low_confidence: float = DEFAULT_LOW_CONFIDENCE,
    known_bureau: Optional[Text] = None,
) -> Dict[Text, Any]:
    """The body of ``POST /agent/suggest`` for ``text`` and its parse result.

    ``known_bureau`` (a bureau id the conversation already named) is used when the text names
    none: its links still apply to the agent's answer."""
    language = parse.get("language") if parse.get("language") in ("en", "zh") else "en"
    ranked = ranked_entries(parse, knowledge)
    top = ranked[0].confidence if ranked else 0.0
    kept = [s for s in ranked[:limit] if s.confidence >= NOISE_FLOOR] or ranked[:1]
    found = mentioned_bureau(parse, knowledge)
    if found is None and known_bureau and knowledge.bureau(known_bureau) is not None:
        found = (knowledge.bureau(known_bureau), None)  # type: ignore[assignment]
    bureau = bureau_json(found[0], knowledge, found[1]) if found else None
    extra = bureau["links"] if bureau else []
    intent = parse.get("intent") or {}
    return {
        "language": language,
        "traditional": bool(parse.get("traditional")),
        "intent": {"name": intent.get("name"), "confidence": intent.get("confidence")},
        "low_confidence": top < low_confidence,
        "suggestions": [suggestion_json(s, knowledge, language, extra) for s in kept],
        "bureau": bureau,
    }
