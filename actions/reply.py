"""One answer, one message: the answer, its next steps, links and source, then at most one set of
buttons; what doesn't fit waits behind "More details" (the ``more_details`` slot).

Words come from the domain: whole answers through the responses ``utter_answer`` /
``utter_answer_more`` (closing buttons: did this help / start over / talk to a human) and short
phrases an action puts in front of an answer (``utter_intro_*``) through :func:`phrase`, which reads
the domain the action server receives with every call.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import user_language
from actions.render import advice_link_lines, bullets, bureau_link_lines, link_sources, source_titles
from knowledge import Advice, Bureau, Knowledge, bureau_links

MORE_DETAILS = "more_details"
TOPIC = "topic"
# Characters of an answer's body (without source and buttons), so that the whole reply, buttons
# included, stays under 700 characters: what doesn't fit goes behind "More details".
BODY_BUDGET = 480
PROVINCE = "province"
_LATIN_SHANXI = re.compile(r"\bshanxi\b", re.IGNORECASE)


def phrase(domain: DomainDict, response: Text, lang: Text, **values: Any) -> Text:
    """The text of a domain response in ``lang``, with its placeholders filled; "" if the domain
    has no such response (an older model), so an answer never fails for want of a phrase."""
    variations = (domain or {}).get("responses", {}).get(response) or []
    chosen = None
    for variation in variations:
        conditions = variation.get("condition") or []
        if any(c.get("name") == "language" and c.get("value") == lang for c in conditions):
            chosen = variation
            break
        if not conditions and chosen is None:
            chosen = variation
    if chosen is None or not chosen.get("text"):
        return ""
    try:
        return str(chosen["text"]).format(**values)
    except (KeyError, IndexError, ValueError):
        return str(chosen["text"])


def fit(
    required: Sequence[Text], optional: Sequence[Text], budget: int = BODY_BUDGET, tail: Sequence[Text] = ()
) -> Tuple[List[Text], List[Text]]:
    """(lines shown, lines kept for "More details"): every required line, then optional lines in
    order while the body stays within ``budget``; once one doesn't fit, the rest waits too (the
    order of steps matters); ``tail`` lines always close the body (a bureau's own notes)."""
    shown = [line for line in required if line]
    last = [line for line in tail if line]
    size = sum(len(line) + 1 for line in shown + last)
    overflow: List[Text] = []
    for line in optional:
        if not line:
            continue
        if not overflow and size + len(line) + 1 <= budget:
            shown.append(line)
            size += len(line) + 1
        else:
            overflow.append(line)
    return shown + last, overflow


def send_answer(
    dispatcher: CollectingDispatcher,
    required: Sequence[Text],
    optional: Sequence[Text],
    source: Text,
    intro: Text = "",
    response: Optional[Text] = None,
    buttons: Optional[List[Dict[Text, Text]]] = None,
    tail: Sequence[Text] = (),
) -> List[EventType]:
    """Sends one answer message; returns the slot event that keeps (or clears) its overflow.

    ``response``: a response with its own buttons (an overview); by default ``utter_answer``,
    or ``utter_answer_more`` (with a "More details" button) when something didn't fit.
    """
    shown, overflow = fit(required, optional, tail=tail)
    if response is None:
        response = "utter_answer_more" if overflow else "utter_answer"
    kwargs: Dict[Text, Any] = {"intro": intro, "body": "\n".join(shown), "source": source}
    if buttons:
        kwargs["buttons"] = buttons
    dispatcher.utter_message(response=response, **kwargs)
    return [SlotSet(MORE_DETAILS, "\n".join(overflow) if overflow else None)]


class ActionMoreDetails(Action):
    """"More details": what didn't fit in the last answer."""

    def name(self) -> Text:
        return "action_more_details"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        details = tracker.get_slot(MORE_DETAILS)
        if not details:
            dispatcher.utter_message(response="utter_no_more_details")
            return []
        shown, rest = fit([], details.splitlines(), budget=BODY_BUDGET)
        if not shown:  # one line longer than the budget: send it anyway
            shown, rest = rest[:1], rest[1:]
        buttons = more_button(domain, user_language(tracker)) if rest else []
        dispatcher.utter_message(response="utter_more_details", details="\n".join(shown), buttons=buttons)
        return [SlotSet(MORE_DETAILS, "\n".join(rest) if rest else None)]


def more_button(domain: DomainDict, lang: Text) -> List[Dict[Text, Text]]:
    """The "More details" button of utter_answer_more, for the rest of a long list."""
    for variation in (domain or {}).get("responses", {}).get("utter_answer_more") or []:
        conditions = variation.get("condition") or []
        if any(c.get("value") == lang for c in conditions) or (not conditions and lang != "zh"):
            return [b for b in variation.get("buttons") or [] if b.get("payload") == "/more_details"][:1]
    return []


def latest_entity(tracker: Tracker, name: Text) -> Optional[Dict[Text, Any]]:
    for found in (tracker.latest_message or {}).get("entities") or []:
        if found.get("entity") == name:
            return found
    return None


def said_now(tracker: Tracker, name: Text) -> bool:
    """Whether the latest message itself gave this entity (not an earlier one)."""
    return latest_entity(tracker, name) is not None


def language(tracker: Tracker) -> Text:
    return user_language(tracker)


_SHAANXI_RULED_OUT = re.compile(r"(?:\bnot|n't|不是)\s*(?:the\s+|in\s+)?(?:shaanxi|陕西)|taiyuan|太原", re.I)


def shanxi_unclear(tracker: Tracker) -> bool:
    """"Shanxi" in Latin letters: many write it for Shaanxi (陕西) too, so it is asked."""
    found = latest_entity(tracker, PROVINCE)
    if not found or found.get("value") != "shanxi":
        return False
    text = (tracker.latest_message or {}).get("text") or ""
    start, end = found.get("start"), found.get("end")
    span = text[start:end] if isinstance(start, int) and isinstance(end, int) else text
    if _SHAANXI_RULED_OUT.search(text):
        return False  # "Shanxi (Taiyuan), not Shaanxi"
    return bool(_LATIN_SHANXI.search(span) or _LATIN_SHANXI.search(text)) and "山西" not in text


def province_intro(tracker: Tracker, domain: DomainDict, bureau: Bureau, lang: Text) -> Text:
    """"For Jiangsu, as you said before …" when the province comes from an earlier message."""
    if said_now(tracker, PROVINCE):
        return ""
    return phrase(domain, "utter_intro_remembered_province", lang, province=bureau.name.get(lang))


def bureau_answer(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: DomainDict,
    knowledge: Knowledge,
    bureau: Bureau,
    deregistration: bool = False,
) -> List[EventType]:
    """The province's deregistration form(s): how to submit, the first link, the bureau's own
    notes (Sichuan's account, Hunan's Fridays …); further links behind "More details"."""
    lang = user_language(tracker)
    lead = phrase(
        domain,
        "utter_bureau_links",
        lang,
        province=bureau.name.get(lang),
    )
    links = bureau_links(bureau)
    lines = bureau_link_lines(bureau, links, lang)
    notes = bullets((note.text for note in bureau.notes), lang)
    hint = phrase(domain, "utter_bureau_online_hint", lang) if deregistration else ""
    stems = link_sources(links) + tuple(s for note in bureau.notes for s in note.sources)
    events = send_answer(
        dispatcher,
        required=[lead, *lines[:1]],
        optional=[hint, *lines[1:]],
        tail=notes,
        source=source_titles(knowledge, sorted(set(stems)), lang),
        intro=province_intro(tracker, domain, bureau, lang),
    )
    return events + [SlotSet(TOPIC, "deregistration" if deregistration else "bureau")]


def advice_answer(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: DomainDict,
    knowledge: Knowledge,
    advice: Advice,
    bureau: Optional[Bureau] = None,
    remind: bool = True,
) -> List[EventType]:
    """A decision's advice in one message: the text, the province's notes and the first link,
    then the other steps and links while they fit."""
    lang = user_language(tracker)
    note_texts = {note.text for note in bureau.notes} if bureau else set()
    notes = [step for step in advice.next_steps if step in note_texts]
    steps = [step for step in advice.next_steps if step not in note_texts]
    links = advice_link_lines(advice.links, lang, bureau)
    intro = province_intro(tracker, domain, bureau, lang) if bureau and remind else ""
    return send_answer(
        dispatcher,
        required=[advice.text.get(lang), *links[:1]],
        optional=[*bullets(steps, lang), *links[1:]],
        tail=bullets(notes, lang),
        source=source_titles(knowledge, advice.sources, lang),
        intro=intro,
    )
