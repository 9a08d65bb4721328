"""Rasa's REST channel with its request body checked: a body it can't take gets a 400 that says why.

Rasa's own ``RestInput`` reads ``request.json`` unchecked: a body without ``"message"`` (or with a
number there) becomes a turn with no text and an empty 200 reply, so the client never learns its
message was lost; a missing ``"sender"`` files the turn under a conversation shared by every such
client; a JSON array is a 500. Same name (``rest``), so the URL stays ``/webhooks/rest/webhook``.

credentials.yml::

    channels.rest.CheckedRestInput:
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.core.channels.rest import RestInput
from sanic.exceptions import InvalidUsage  # Sanic 21.12's 400 (BadRequest in later versions)
from sanic.request import Request

EXAMPLE = '{"sender": "user-1", "message": "你好"}'


def _body(request: Request) -> Dict[Text, Any]:
    body = request.json  # invalid JSON: Sanic answers 400 itself
    if not isinstance(body, dict):
        raise InvalidUsage(f"The body must be a JSON object such as {EXAMPLE}.")
    return body


class CheckedRestInput(RestInput):
    """``POST /webhooks/rest/webhook`` with ``sender`` and ``message`` required to be strings."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    async def _extract_sender(self, request: Request) -> Optional[Text]:
        sender = _body(request).get("sender")
        if not isinstance(sender, str) or not sender.strip():
            raise InvalidUsage(f'"sender" must be a non-empty string, as in {EXAMPLE}.')
        return sender

    def _extract_message(self, request: Request) -> Optional[Text]:
        message = _body(request).get("message")
        if not isinstance(message, str):
            # An empty string is let through: the bot asks the user to rephrase.
            raise InvalidUsage(f'"message" must be a string, as in {EXAMPLE}.')
        return message

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        metadata = _body(request).get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise InvalidUsage('"metadata", when given, must be a JSON object.')
        return metadata
