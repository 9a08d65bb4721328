#!/usr/bin/env python3
"""Record example conversations with a running bot through its REST channel.

    .venv/bin/python scripts/transcripts.py [URL]     # default http://localhost:5005

Writes docs/transcripts/<topic>-<lang>.md: for deregistration, transfer and accessibility, one
English and one Chinese conversation with typos: the answer first, follow-ups in context, free-text
answers to the dialog's questions. The user's turns
are scripted below; the bot's replies are written as received, with their button titles. A
"click" sends the button's payload, the way the web widget does, and is recorded by its title.
Exits 1 if the bot does not answer a turn or a scripted button is missing.
"""
from __future__ import annotations

import argparse
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import requests

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "docs" / "transcripts"
TIMEOUT = 60


@dataclass(frozen=True)
class Say:
    text: str


@dataclass(frozen=True)
class Click:
    payload: str


@dataclass(frozen=True)
class Conversation:
    topic: str
    lang: str
    title: str
    turns: Sequence[object]


CONVERSATIONS = [
    Conversation(
        "deregistration",
        "en",
        "Deregistering: the general route first, then the province, follow-ups (English, with typos)",
        [
            Say("hi"),
            Say("how do i deregistr my icp filing?"),
            Say("zhejaing"),
            Say("how long does that take there?"),
            Say("and if it's another company's filing?"),
            Say("more details"),
            Say("what about shanxi"),
            Click('/inform{"province":"shaanxi"}'),
            Say("👍"),
        ],
    ),
    Conversation(
        "deregistration",
        "zh",
        "按省份注销：先给链接，省略句追问（中文，含错别字）",
        [
            Say("广东的备案怎么线下注销"),
            Say("那福建呢"),
            Say("注消备案要多久"),
            Say("湖南呢"),
            Say("黑龙江 注销 申请表"),
            Say("谢谢"),
        ],
    ),
    Conversation(
        "transfer",
        "en",
        "Moving to another cloud: the answer, then the case in free text (English, with typos)",
        [
            Say("our hosting company changes from one cloud to another next month; must the filing be done again from scratch?"),
            Say("yes please"),
            Say("mainland chian"),
            Say("its filed with a diffrent provider"),
            Say("just the existing sites, nothing new"),
        ],
    ),
    Conversation(
        "transfer",
        "zh",
        "同时使用两家接入商（中文，含错别字）",
        [
            Say("服务器换了 要不要做接入被案"),
            Click("/affirm"),
            Click('/inform{"server_location":"mainland"}'),
            Say("在别家被案的"),
            Say("管局网站连接"),
            Say("同时用两家服务商"),
            Say("好的 谢谢"),
        ],
    ),
    Conversation(
        "accessibility",
        "en",
        "Website unreachable: common causes first, then the diagnosis (English, with typos)",
        [
            Say("my site suddenly won't load in China, why?"),
            Say("👍"),
            Say("its on a server in mainland china"),
            Click('/inform{"domain_filing":"this_provider"}'),
            Say("it got through the bureau yesterday"),
            Say("where do i dowload the deregistration form for jiangsu"),
            Say("pign doesnt respond"),
        ],
    ),
    Conversation(
        "accessibility",
        "zh",
        "首次备案审核中网站打不开（中文，含错别字）",
        [
            Say("网站打不开了 怎么回事阿"),
            Say("好，一步步来"),
            Say("服务器在国内"),
            Say("没备案呢"),
            Say("跳过，直接告诉我一般情况"),
            Say("明白了 谢谢"),
        ],
    ),
]


class Bot:
    def __init__(self, url: str, sender: str) -> None:
        self.url = url.rstrip("/") + "/webhooks/rest/webhook"
        self.sender = sender

    def send(self, message: str) -> List[Dict]:
        response = requests.post(self.url, json={"sender": self.sender, "message": message}, timeout=TIMEOUT)
        response.raise_for_status()
        return response.json()


def quote(text: str) -> List[str]:
    return [f"> {line}" if line else ">" for line in text.splitlines()]


def bot_lines(messages: List[Dict]) -> List[str]:
    lines: List[str] = []
    for message in messages:
        lines.append("**Bot:**")
        lines.append("")
        if message.get("text"):
            lines.extend(quote(message["text"]))
        buttons = message.get("buttons") or []
        if buttons:
            if message.get("text"):
                lines.append(">")
            lines.append("> Buttons: " + " · ".join(f"`{b['title']}`" for b in buttons))
        lines.append("")
    return lines


def record(conversation: Conversation, url: str) -> List[str]:
    sender = f"transcript-{conversation.topic}-{conversation.lang}-{uuid.uuid4().hex[:8]}"
    bot = Bot(url, sender)
    lines = [f"# {conversation.title}", ""]
    lines += [
        "Recorded with `scripts/transcripts.py` from a running bot through the REST channel. The user's",
        "turns are scripted (typos on purpose); the bot's replies are as received. Buttons are the web",
        "widget's quick replies; a clicked button sends its payload.",
        "",
    ]
    last: List[Dict] = []
    for turn in conversation.turns:
        if isinstance(turn, Click):
            titles = [b["title"] for m in last for b in m.get("buttons") or [] if b["payload"] == turn.payload]
            if not titles:
                raise SystemExit(f"{sender}: no button {turn.payload} in the last reply")
            lines += [f"**User** (clicks `{titles[0]}`)", ""]
            last = bot.send(turn.payload)
        else:
            assert isinstance(turn, Say)
            lines += ["**User:** " + turn.text, ""]
            last = bot.send(turn.text)
        if not last:
            raise SystemExit(f"{sender}: no reply to {turn}")
        lines += bot_lines(last)
    return lines


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", default="http://localhost:5005", help="the Rasa server")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for conversation in CONVERSATIONS:
        path = args.out / f"{conversation.topic}-{conversation.lang}.md"
        path.write_text("\n".join(record(conversation, args.url)).rstrip() + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
