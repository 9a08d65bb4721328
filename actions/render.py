"""Turns knowledge records into the pieces of one chat message: labelled links, bullets, sources.

Only data goes through here (links, bilingual texts from knowledge/, source titles) plus the link
labels of link_labels.yml; the words around them are in the domain. Links are Markdown
`[label](url)`: rasa-webchat makes them clickable, and as plain text (REST, WeChat) they still show
both. Lines are joined with single newlines: Rasa's channels split a text on blank lines into
separate bubbles, and one answer is one message.
"""
from __future__ import annotations

import functools
import ipaddress
import re
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Text, Tuple
from urllib.parse import urlsplit

import yaml

from knowledge import Bilingual, Bureau, FormLink, Knowledge

LABELS_FILE = Path(__file__).with_name("link_labels.yml")
# A servlet session id copied into a seed years ago ("…action;jsessionid=1F8C…?id=7"): it means
# nothing to the server today and only makes the link longer.
_SESSION_ID = re.compile(r";jsessionid=[^?#]*", re.IGNORECASE)
# "ICP Filing Registration FAQs (Tencent Cloud, English)" → "ICP Filing Registration FAQs"
_TITLE_TAIL = re.compile(r"\s*[（(][^()（）]*[)）]\s*$")
_TITLE_CUT = re.compile(r"[,，]")
MAX_SOURCE_LINE = 110


def clean_url(url: Text) -> Text:
    return _SESSION_ID.sub("", url)


def source_name(knowledge: Knowledge, stem: Text, lang: Text) -> Optional[Text]:
    """How a user would name a seed: the provider and the title's subject ("Tencent Cloud ICP
    Filing Registration FAQs", "腾讯云 ICP 备案常见问题"); None for an unknown stem."""
    source = knowledge.source(stem)
    if source is None:
        return None
    title = _TITLE_CUT.split(_TITLE_TAIL.sub("", source.title.get(lang)))[0].strip()
    return f"{source.provider_name.get(lang)} {title}"


def source_titles(knowledge: Knowledge, stems: Iterable[Text], lang: Text) -> Text:
    """The sources' readable names, each once (two seeds of one provider on one subject read the
    same), never a file stem."""
    names: List[Text] = []
    providers: List[Text] = []
    for stem in stems:
        name = source_name(knowledge, stem, lang)
        if name and name not in names:
            names.append(name)
        source = knowledge.source(stem)
        if source is not None and source.provider_name.get(lang) not in providers:
            providers.append(source.provider_name.get(lang))
    separator = "；" if lang == "zh" else "; "
    joined = separator.join(names)
    # Many sources (an advice citing four seeds): the providers, each once, keep the line short.
    return joined if len(joined) <= MAX_SOURCE_LINE else separator.join(providers)


@functools.lru_cache(maxsize=None)
def link_labels(path: Path = LABELS_FILE) -> Dict[Text, Bilingual]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {kind: Bilingual(label["en"], label["zh"]) for kind, label in raw.items()}


def bureau_link_kind(url: Text) -> Text:
    """What a bureau link points at, from its address (see bureaus.yml for the ranks)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        ipaddress.ip_address(host)
        return "bureau_ip"
    except ValueError:
        pass
    if host.endswith("aliyuncs.com"):
        return "bureau_copy"
    if host.endswith("miitbeian.gov.cn"):
        return "bureau_old"
    if host.endswith("beian.miit.gov.cn"):
        return "bureau_system" if parts.path.strip("/") == "" else "bureau_form"
    return "bureau_site"


def markdown_link(label: Text, url: Text) -> Text:
    return f"[{label}]({clean_url(url)})"


def unique_links(links: Iterable[FormLink]) -> List[FormLink]:
    """Links without repeats once session ids are stripped (the first, preferred one stays)."""
    seen, kept = set(), []
    for link in links:
        key = clean_url(link.url).rstrip("/")
        if key not in seen:
            seen.add(key)
            kept.append(link)
    return kept


def bureau_link_lines(bureau: Bureau, links: Sequence[FormLink], lang: Text) -> List[Text]:
    """"- [Zhejiang deregistration form (bureau system)](url)", with a link's own note after it
    (Ningxia's "at the bottom of the page"); the filing system's generic note is in its label."""
    labels = link_labels()
    lines, used = [], set()
    for link in unique_links(links):
        kind = bureau_link_kind(link.url)
        label = labels[kind].get(lang).format(province=bureau.name.get(lang))
        if label in used:
            label = labels["another"].get(lang).format(label=label)
        used.add(label)
        line = "- " + markdown_link(label, link.url)
        if link.note is not None and kind != "bureau_system":
            line += f" — {link.note.get(lang)}"
        lines.append(line)
    return lines


def advice_link_lines(links: Sequence[FormLink], lang: Text, bureau: Optional[Bureau] = None) -> List[Text]:
    """Links of an advice: the bureau's by kind, the others labelled with their own note."""
    lines = []
    bureau_urls = {clean_url(link.url) for link in bureau.forms} if bureau else set()
    for link in unique_links(links):
        if bureau is not None and (clean_url(link.url) in bureau_urls or bureau_link_kind(link.url) == "bureau_system"
                                   and (urlsplit(link.url).hostname or "") == (bureau.host or "")):
            lines.extend(bureau_link_lines(bureau, [link], lang))
        else:
            label = link.note.get(lang) if link.note is not None else (urlsplit(link.url).hostname or link.url)
            lines.append("- " + markdown_link(label, link.url))
    return lines


def bullets(texts: Iterable[Bilingual], lang: Text) -> List[Text]:
    # Markdown list items: a "- " line may follow a paragraph line directly (CommonMark), and as
    # plain text the list stays readable.
    return [f"- {text.get(lang)}" for text in texts]


def link_sources(links: Iterable[FormLink]) -> Tuple[Text, ...]:
    stems: List[Text] = []
    for link in links:
        for stem in link.sources:
            if stem not in stems:
                stems.append(stem)
    return tuple(stems)
