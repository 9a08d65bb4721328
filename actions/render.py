"""Turns knowledge records into the pieces that fill the domain responses' placeholders.

Only data goes through here (links, bilingual texts from knowledge/, source titles); every
word around them is in the domain. Links are Markdown `[label](url)`: rasa-webchat makes them
clickable, and as plain text (REST, WeChat) they still show both the label and the address.
"""
from __future__ import annotations

from typing import Iterable, Sequence, Text
from urllib.parse import urlsplit

from knowledge import Bilingual, FormLink, Knowledge


def source_titles(knowledge: Knowledge, stems: Iterable[Text], lang: Text) -> Text:
    """"Title (stem); Title (stem)": the seed file each fact comes from.

    Parentheses, not brackets: Markdown would take "[stem]" for a link reference.
    """
    titles = []
    for stem in stems:
        source = knowledge.source(stem)
        titles.append(f"{source.title.get(lang)} ({stem})" if source else stem)
    return "; ".join(titles)


def link_label(url: Text) -> Text:
    """The host name: short, language-neutral, and tells the user whose site it is."""
    return urlsplit(url).hostname or url


def markdown_link(url: Text) -> Text:
    return f"[{link_label(url)}]({url})"


def link_line(
    knowledge: Knowledge, number: int, link: FormLink, lang: Text, with_sources: bool
) -> Text:
    """"1. [host](url) — note (source)"."""
    line = f"{number}. {markdown_link(link.url)}"
    if link.note is not None:
        line += f" — {link.note.get(lang)}"
    if with_sources:
        line += f" ({source_titles(knowledge, link.sources, lang)})"
    return line


def link_lines(
    knowledge: Knowledge,
    links: Sequence[FormLink],
    lang: Text,
    with_sources: bool = False,
    start: int = 1,
) -> Text:
    """Numbered, because advice texts refer to "the first link below"."""
    return "\n".join(
        link_line(knowledge, number, link, lang, with_sources)
        for number, link in enumerate(links, start)
    )


def bullets(texts: Iterable[Bilingual], lang: Text) -> Text:
    # Markdown list items: rasa-webchat renders them as a list when they start a
    # message part (the templates put a blank line before them); plain text stays readable.
    return "\n".join(f"- {text.get(lang)}" for text in texts)
