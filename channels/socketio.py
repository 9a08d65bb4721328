"""Rasa's socket.io channel, restricted to the origins of the support page.

Rasa 3.6's ``SocketIOInput.blueprint`` builds its ``socketio.AsyncServer`` with
``cors_allowed_origins=[]``, which in python-engineio means "CORS handling disabled": the server
then accepts a socket.io connection (polling *and* WebSocket) from a page on any origin, so any web
site a visitor opens can talk to the bot in the visitor's browser (cross-site WebSocket hijacking).
``OriginCheckedSocketIOInput`` keeps Rasa's channel as it is and only narrows that setting to a
configured list of origins: a request that carries an ``Origin`` header not in the list is answered
with HTTP 400 by engine.io before any socket.io event runs. (Requests without an ``Origin`` header
come from non-browser clients, which no browser-based attack can make; engine.io lets them through.)

It also fixes session persistence on the python-socketio this Rasa resolves to (5.x >= 5.10, where
``AsyncServer.enter_room`` is a coroutine): Rasa 3.6.21 calls ``sio.enter_room(...)`` without
``await``, so the client never joins the room of its ``session_id`` and, with
``session_persistence: true``, never receives a bot message. The ``session_request`` handler below
awaits it, and a user message is only accepted for a session id this connection has confirmed.

credentials.yml::

    channels.socketio.OriginCheckedSocketIOInput:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true
      metadata_key: customData          # rasa-webchat sends its customData under this key
      cors_allowed_origins:             # overridden by env WEB_ALLOWED_ORIGINS (comma-separated)
        - http://localhost:5005
        - http://127.0.0.1:5005
"""

import inspect
import logging
import os
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text, Union
from urllib.parse import urlsplit

from sanic import Blueprint

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput

from channels import limits

logger = logging.getLogger(__name__)

ALLOWED_ORIGINS_ENV = "WEB_ALLOWED_ORIGINS"
DEFAULT_ALLOWED_ORIGINS = ("http://localhost:5005", "http://127.0.0.1:5005")
DEFAULT_METADATA_KEY = "customData"

# A session id is chosen by the client (rasa-webchat keeps it in localStorage) and becomes the
# conversation id: keep it to a plain token.
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,128}$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class InvalidOriginConfiguration(ValueError):
    """The configured list of allowed origins cannot be used."""


def normalise_origin(origin: Text) -> Text:
    """Returns ``origin`` as a browser sends it in the ``Origin`` header.

    ``HTTP://LocalHost:5005/`` -> ``http://localhost:5005``; default ports are dropped
    (``https://example.com:443`` -> ``https://example.com``).
    """
    value = str(origin).strip()
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise InvalidOriginConfiguration(
            f"'{origin}' is not an origin: write scheme://host[:port], e.g. "
            f"https://support.example.com"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise InvalidOriginConfiguration(
            f"'{origin}' is not an origin: an origin has no path, query or user part"
        )
    try:
        port = parts.port
    except ValueError as e:
        raise InvalidOriginConfiguration(f"'{origin}' has an invalid port") from e
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def allowed_origins_from(
    configured: Union[None, Text, Iterable[Text]],
    environ: Optional[Dict[Text, Text]] = None,
) -> List[Text]:
    """The origins allowed to open a socket: env ``WEB_ALLOWED_ORIGINS``, else config, else default.

    Both the env variable and a string in credentials.yml are comma-separated lists. ``*`` and an
    empty list are refused: either would let every web site connect.
    """
    environ = os.environ if environ is None else environ
    raw: Union[Text, Iterable[Text]]
    from_env = environ.get(ALLOWED_ORIGINS_ENV)
    if from_env is not None and from_env.strip():
        raw, source = from_env, f"env {ALLOWED_ORIGINS_ENV}"
    elif configured is not None:
        raw, source = configured, "credentials.yml cors_allowed_origins"
    else:
        raw, source = DEFAULT_ALLOWED_ORIGINS, "default"

    items = raw.split(",") if isinstance(raw, str) else list(raw)
    items = [str(item).strip() for item in items if str(item).strip()]
    if not items:
        raise InvalidOriginConfiguration(
            f"No allowed origin configured ({source}). List the origins of the pages that embed "
            f"the chat widget, e.g. https://support.example.com"
        )
    if "*" in items:
        raise InvalidOriginConfiguration(
            f"'*' is not accepted as an allowed origin ({source}): it would let any web site use "
            f"the bot from its visitors' browsers. List the page origins instead."
        )
    origins: List[Text] = []
    for item in items:
        origin = normalise_origin(item)
        if origin not in origins:
            origins.append(origin)
    logger.debug(f"socket.io allowed origins ({source}): {origins}")
    return origins


class OriginCheckedSocketIOInput(SocketIOInput):
    """Rasa's socket.io input channel that accepts only the configured page origins."""

    @classmethod
    def name(cls) -> Text:
        # Same name as Rasa's channel: same /webhooks/socketio/ health route, same
        # `input_channel` on the tracker, and `?output_channel=latest` still finds it.
        return "socketio"

    @classmethod
    def from_credentials(
        cls, credentials: Optional[Dict[Text, Any]]
    ) -> "OriginCheckedSocketIOInput":
        credentials = credentials or {}
        return cls(
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            namespace=credentials.get("namespace"),
            session_persistence=credentials.get("session_persistence", False),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
            jwt_key=credentials.get("jwt_key"),
            jwt_method=credentials.get("jwt_method", "HS256"),
            metadata_key=credentials.get("metadata_key", DEFAULT_METADATA_KEY),
            cors_allowed_origins=credentials.get("cors_allowed_origins"),
        )

    def __init__(
        self,
        *args: Any,
        cors_allowed_origins: Union[None, Text, Iterable[Text]] = None,
        **kwargs: Any,
    ) -> None:
        """Creates the channel; see ``SocketIOInput`` for the other arguments."""
        super().__init__(*args, **kwargs)
        self.cors_allowed_origins = allowed_origins_from(cors_allowed_origins)
        self.limits = limits.Limits.from_env()

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Rasa's socket.io blueprint, with the origin check and the session fixes."""
        socketio_webhook = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None  # set by SocketIOInput.blueprint

        # engine.io reads this on every request; Rasa constructed it with [] (= no check).
        sio.eio.cors_allowed_origins = list(self.cors_allowed_origins)
        # A polling POST or WebSocket frame larger than this is refused by engine.io (1 MB by
        # default); the HTTP limit is Sanic's, lowered when the server starts.
        sio.eio.max_http_buffer_size = self.limits.max_request_bytes

        @socketio_webhook.listener("before_server_start")
        async def lower_request_size(app: Any, _loop: Any) -> None:
            limits.request_size_limit(app, self.limits)
        logger.info(
            f"socket.io channel accepts browser connections from: "
            f"{', '.join(self.cors_allowed_origins)}"
        )

        namespace = self.namespace or "/"
        handlers = sio.handlers.get(namespace, {})
        rasa_handle_message = handlers.get(self.user_message_evt)

        async def enter_room(sid: Text, room: Text) -> None:
            result = sio.enter_room(sid, room, namespace=self.namespace)
            if inspect.isawaitable(result):  # python-socketio >= 5.10
                await result

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            if isinstance(requested, str) and _SESSION_ID.match(requested):
                session_id = requested
            else:
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                await enter_room(sid, session_id)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            logger.debug(f"socket.io client {sid} confirmed for session {session_id}.")

        if rasa_handle_message is not None:

            @sio.on(self.user_message_evt, namespace=self.namespace)
            async def handle_message(sid: Text, data: Any) -> None:
                if not isinstance(data, dict):
                    logger.debug(f"Ignoring malformed message from socket.io client {sid}.")
                    return
                if self.session_persistence:
                    session_id = data.get("session_id")
                    if not isinstance(session_id, str) or session_id not in sio.rooms(
                        sid, namespace=self.namespace
                    ):
                        # Only the session this connection asked for (session_request) may be
                        # written to; Rasa's handler would accept any session id.
                        logger.debug(
                            f"Ignoring message from socket.io client {sid} for a session it "
                            f"has not joined."
                        )
                        return
                try:
                    checked = limits.check_text(data.get("message", ""), self.limits)
                    metadata = limits.check_metadata(data.get(self.metadata_key), self.limits)
                except limits.InputRejected as e:
                    logger.info(f"socket.io message from {sid} refused: {e.reason}")
                    await reply_to(sid, data, limits.reply_text("unreadable", self.limits))
                    return
                if checked.too_long:
                    await reply_to(sid, data, limits.reply_text("too_long", self.limits))
                    return
                data = {
                    **data,
                    "message": limits.clean_shortcut(checked.text),
                    self.metadata_key: metadata or {},
                }
                await rasa_handle_message(sid, data)

        async def reply_to(sid: Text, data: Dict[Text, Any], text: Text) -> None:
            # The answer of the channel itself (the message never reached Rasa): to the session's
            # room when it has one, so every tab of the session shows it, else to the socket.
            room = data.get("session_id") if self.session_persistence else None
            await sio.emit(
                self.bot_message_evt, {"text": text}, room=room or sid, namespace=self.namespace
            )

        return socketio_webhook
