"""What a WeChat user sees: the bot messages of one turn as plain text.

WeChat shows neither Markdown nor buttons, and a passive reply (or one customer-service text
message) holds at most 2,048 bytes. ``render_turn`` turns the Rasa bot messages of one turn
(``text`` in the project's Markdown subset, optional ``buttons``, ``image``) into:

- one text, the messages joined by a blank line; ``[title](url)`` becomes ``title: url`` (just
  ``url`` when the title is the address), ``- `` list items become plain lines, ``**bold**`` loses
  its stars;
- buttons as numbered lines ("【1】注销备案", "[1] Deregister") followed by "回复 1 / 2 / 3 选择"
  or "Reply 1 / 2 / 3 to choose" in the user's language; the payloads come back in that order so
  the channel can map the number the user answers to the button's payload. Brackets, because
  answers have numbered lines of their own ("1. 备案主体自行申请了注销"), which are not options;
- split into parts of at most 2,048 UTF-8 bytes beyond that: at a blank line, else at a line
  break, else at a space, never inside a link's address.

``welcome`` builds the bilingual greeting shown on ``subscribe`` from the bot's own greeting and
topic menu in both languages. ``note`` holds the few sentences the channel itself says (a
picture or a voice message it cannot read, a turn that failed). Pure functions, no Rasa imports.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Text, Tuple

MAX_BYTES = 2048

_LINK = re.compile(r"\[([^\[\]\n]*)\]\((\S+?)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LIST_ITEM = re.compile(r"^[ \t]*[-*][ \t]+", re.MULTILINE)
_URL = re.compile(r"https?://\S+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

OPTION = {"zh": "【{n}】{title}", "en": "[{n}] {title}"}
NOTES: Dict[Text, Dict[Text, Text]] = {
    "choose": {"zh": "回复 {numbers} 选择", "en": "Reply {numbers} to choose"},
    "not_text": {
        "zh": "抱歉，我只能读文字消息。请用文字描述您的备案问题。",
        "en": "Sorry, I can only read text messages. Please type your ICP filing question.",
    },
    "failed": {
        "zh": "抱歉，刚才出了点问题，请稍后再发一次。",
        "en": "Sorry, something went wrong. Please send your message again in a moment.",
    },
}


@dataclass
class Rendered:
    """One turn for WeChat: ``parts`` (each ≤ MAX_BYTES) and the payloads of its numbered options."""

    parts: List[Text] = field(default_factory=list)
    payloads: List[Text] = field(default_factory=list)


def guess_language(texts: Iterable[Text]) -> Text:
    """Chinese if the bot's own words are mostly Chinese (it answers in the user's language)."""
    joined = "".join(_LINK.sub("", t) for t in texts)
    han = len(_HAN.findall(joined))
    latin = len(re.findall(r"[A-Za-z]", joined))
    return "zh" if han and han * 3 >= latin else "en"


def note(name: Text, language: Optional[Text]) -> Text:
    """A channel sentence in the user's language, or in both when the language is unknown."""
    texts = NOTES[name]
    if language in texts:
        return texts[language]
    return f"{texts['zh']}\n{texts['en']}"


def plain_text(markdown: Text) -> Text:
    """The project's Markdown subset as WeChat plain text."""

    def link(match: "re.Match[Text]") -> Text:
        title, url = match.group(1).strip(), match.group(2)
        return url if not title or title == url else f"{title}: {url}"

    text = _LINK.sub(link, markdown)
    text = _BOLD.sub(r"\1", text)
    text = _LIST_ITEM.sub("", text)
    return text.strip()


def _choose_line(count: int, language: Text) -> Text:
    numbers = " / ".join(str(n) for n in range(1, count + 1))
    return NOTES["choose"][language].format(numbers=numbers)


def render_turn(messages: Sequence[Dict[Text, Any]], language: Optional[Text] = None) -> Rendered:
    """All bot messages of one turn as WeChat text parts plus the options' payloads."""
    blocks: List[Text] = []
    payloads: List[Text] = []
    language = language or guess_language(str(m.get("text") or "") for m in messages)
    for message in messages:
        lines: List[Text] = []
        if message.get("text"):
            lines.append(plain_text(str(message["text"])))
        if message.get("image"):
            lines.append(str(message["image"]))
        options = []
        for button in message.get("buttons") or []:
            payloads.append(str(button.get("payload", "")))
            title = plain_text(str(button.get("title", "")))
            options.append(OPTION[language].format(n=len(payloads), title=title))
        # the options stand apart from the text above them
        block = "\n\n".join(part for part in ("\n".join(lines), "\n".join(options)) if part)
        if block:
            blocks.append(block)
    if payloads:
        if messages and (messages[-1].get("buttons") or []):
            blocks[-1] += "\n" + _choose_line(len(payloads), language)  # right under the options
        else:
            blocks.append(_choose_line(len(payloads), language))
    return Rendered(parts=split_text("\n\n".join(blocks)), payloads=payloads)


def welcome(
    greeting: Dict[Text, Sequence[Dict[Text, Any]]], menu: Dict[Text, Sequence[Dict[Text, Any]]]
) -> Rendered:
    """The subscribe greeting: the bot's greeting in Chinese then English, then its topic menu
    with each option titled in both languages ("【1】注销备案 / Deregister a filing")."""
    blocks = []
    for language in ("zh", "en"):
        texts = [plain_text(str(m["text"])) for m in greeting.get(language, ()) if m.get("text")]
        if texts:
            blocks.append("\n".join(texts))
    intro = " / ".join(
        plain_text(str(m["text"]))
        for language in ("zh", "en")
        for m in menu.get(language, ())[:1]
        if m.get("text")
    )
    titles: Dict[Text, List[Text]] = {}
    order: List[Text] = []
    for language in ("zh", "en"):
        for message in menu.get(language, ()):
            for button in message.get("buttons") or []:
                payload = str(button.get("payload", ""))
                if payload not in titles:
                    titles[payload] = []
                    order.append(payload)
                title = plain_text(str(button.get("title", "")))
                if title and title not in titles[payload]:
                    titles[payload].append(title)
    if order:
        options = [OPTION["zh"].format(n=n, title=" / ".join(titles[p])) for n, p in enumerate(order, 1)]
        choose = f"{_choose_line(len(order), 'zh')} / {_choose_line(len(order), 'en')}"
        blocks.append("\n".join(([intro] if intro else []) + options + [choose]))
    return Rendered(parts=split_text("\n\n".join(blocks)), payloads=order)


def _size(text: Text) -> int:
    return len(text.encode("utf-8"))


def _url_spans(text: Text) -> List[Tuple[int, int]]:
    return [m.span() for m in _URL.finditer(text)]


def _cut(text: Text, limit: int) -> int:
    """The index where ``text`` is split so its head fits ``limit`` bytes: the last blank line,
    else line break, else space before the limit that is not inside an address."""
    # the longest prefix that fits, in characters
    fits = 0
    used = 0
    for ch in text:
        used += _size(ch)
        if used > limit:
            break
        fits += 1
    spans = _url_spans(text)

    def in_url(i: int) -> bool:
        return any(start < i < end for start, end in spans)

    for separator in ("\n\n", "\n", " "):
        i = text.rfind(separator, 0, fits + 1)
        while i > 0 and in_url(i):
            i = text.rfind(separator, 0, i)
        if i > 0:
            return i
    # no break anywhere: cut before the address that straddles the limit, else hard
    for start, end in spans:
        if start < fits < end and start > 0:
            return start
    return max(fits, 1)


def split_text(text: Text, limit: int = MAX_BYTES) -> List[Text]:
    """``text`` in parts of at most ``limit`` UTF-8 bytes, none of them cutting an address."""
    parts: List[Text] = []
    rest = text.strip()
    while rest:
        if _size(rest) <= limit:
            parts.append(rest)
            break
        i = _cut(rest, limit)
        head, rest = rest[:i].rstrip(), rest[i:].strip()
        if head:
            parts.append(head)
    return parts
