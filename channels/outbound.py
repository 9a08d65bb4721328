"""Messages that reach a user outside a turn they started: an agent's reply, a delayed answer.

Rasa answers a user inside the request of their own message. A human agent's reply (agent
console) or a reply finished after WeChat's 5-second window has no such request, so each
channel that can push to its users registers a deliverer here when its blueprint is built,
under the channel's ``name()`` (the ``input_channel`` Rasa records on every user event).

A deliverer takes the sender id and one bot message (Rasa's dict: ``text``, optional
``buttons``, ``custom``) and returns whether it reached the user; it renders the message for
its channel itself. One registry per process: replicas each register their own channels.
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Text

logger = logging.getLogger(__name__)

Message = Dict[Text, Any]
Deliverer = Callable[[Text, Message], Awaitable[bool]]

_deliverers: Dict[Text, Deliverer] = {}


def register(channel: Text, deliverer: Deliverer) -> None:
    """Called by a channel's ``blueprint()``; a second registration replaces the first
    (the app is rebuilt in tests)."""
    _deliverers[channel] = deliverer


def unregister(channel: Text) -> None:
    _deliverers.pop(channel, None)


def can_deliver(channel: Text) -> bool:
    return channel in _deliverers


async def deliver(channel: Text, sender_id: Text, message: Message) -> bool:
    """Push ``message`` to ``sender_id`` on ``channel``; False when the channel cannot push
    (REST) or the push failed. Never raises: the caller decides what a failed push means."""
    deliverer = _deliverers.get(channel)
    if deliverer is None:
        return False
    try:
        return bool(await deliverer(sender_id, message))
    except Exception:  # a channel's failure must not break the caller's request
        logger.exception("delivery on channel %s failed", channel)
        return False
