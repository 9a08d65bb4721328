"""Rasa's REST channel with its request checked: a body it can't take gets a 4xx that says why.

Rasa's own ``RestInput`` reads ``request.json`` unchecked: a body without ``"message"`` (or with a
number there) becomes a turn with no text and an empty 200 reply, so the client never learns its
message was lost; a missing ``"sender"`` files the turn under a conversation shared by every such
client; a JSON array is a 500; a lone surrogate in the sender id stops the server (SQL tracker
store, ``sys.exit(1)``); ``"input_channel"`` in the body lets a client claim another channel.
Here the sender id, text and metadata go through ``channels.limits`` first (400/413 with the
reason), a text over the length limit gets the polite "please shorten" reply without reaching
Rasa, ``/intent{...}`` shortcuts keep only well-formed entity values, and the body may be at most
``INPUT_MAX_REQUEST_BYTES`` (Sanic's ``REQUEST_MAX_SIZE``, refused by Content-Length with 413).
Same name (``rest``), so the URL stays ``/webhooks/rest/webhook``.

credentials.yml::

    channels.rest.CheckedRestInput:
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage  # Sanic 21.12's 400 (BadRequest in later versions)
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import limits

logger = logging.getLogger(__name__)

EXAMPLE = '{"sender": "user-1", "message": "你好"}'


def _body(request: Request) -> Dict[Text, Any]:
    body = request.json  # invalid JSON: Sanic answers 400 itself
    if not isinstance(body, dict):
        raise InvalidUsage(f"The body must be a JSON object such as {EXAMPLE}.")
    return body


class CheckedRestInput(RestInput):
    """``POST /webhooks/rest/webhook`` with ``sender`` and ``message`` checked by ``channels.limits``."""

    def __init__(self, input_limits: Optional[limits.Limits] = None) -> None:
        # Read once, when credentials.yml is loaded: a bad INPUT_* value stops the start-up.
        self.limits = input_limits or limits.Limits.from_env()

    @classmethod
    def name(cls) -> Text:
        return "rest"

    async def _extract_sender(self, request: Request) -> Optional[Text]:
        sender = _body(request).get("sender")
        if not isinstance(sender, str) or not sender.strip():
            raise InvalidUsage(f'"sender" must be a non-empty string, as in {EXAMPLE}.')
        return limits.check_sender(sender, self.limits)

    def _extract_message(self, request: Request) -> Optional[Text]:
        message = _body(request).get("message")
        if not isinstance(message, str):
            # An empty string is let through: the bot asks the user to rephrase.
            raise InvalidUsage(f'"message" must be a string, as in {EXAMPLE}.')
        return message

    def _extract_input_channel(self, request: Request) -> Text:
        # Rasa takes "input_channel" from the body; the channel a turn came from is ours to say
        # (the agent console sends replies to the channel recorded on the tracker).
        return self.name()

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        metadata = _body(request).get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise InvalidUsage('"metadata", when given, must be a JSON object.')
        return limits.check_metadata(metadata, self.limits)

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[None]]
    ) -> Blueprint:
        """The health route and the checked webhook (no ``?stream=true``: replies are short)."""
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.listener("before_server_start")
        async def lower_request_size(app: Any, _loop: Any) -> None:
            limits.request_size_limit(app, self.limits)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender_id = await self._extract_sender(request)
                checked = limits.check_text(self._extract_message(request), self.limits)
                metadata = self.get_metadata(request)
            except limits.InputRejected as e:
                return response.json({"message": e.reason}, status=e.status)
            if checked.too_long:
                return response.json(
                    [{"recipient_id": sender_id, "text": limits.reply_text("too_long", self.limits)}]
                )
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        limits.clean_shortcut(checked.text),
                        collector,
                        sender_id,
                        input_channel=self.name(),
                        metadata=metadata,
                    )
                )
            except Exception:  # as Rasa's channel: the client gets what was sent so far
                logger.exception("REST turn failed")
            return response.json(collector.messages)

        return webhook
