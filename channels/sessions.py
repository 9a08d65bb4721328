"""Server-issued, signed, expiring session ids for the web widget (socket.io channel).

rasa-webchat asks for a session with ``session_request {"session_id": <stored id or null>}`` and
keeps whatever ``session_confirm`` returns (localStorage), sending it with every message. Rasa 3.6
takes the client's id as is, so anyone who knows or guesses an id joins that conversation and
receives its replies live. Here the server issues the id:

    token = <conversation id> "." <expiry, unix seconds> "." <HMAC-SHA256 signature, base64url>

The conversation id (``w`` + 32 random hex digits) is the Rasa sender id and the socket.io room;
the token is what the browser keeps. A token whose signature or expiry does not check out is
never confirmed: the client gets a new conversation. The token is stable for its lifetime, so a
page reload continues the conversation (the widget starts over when the confirmed id changes).

Environment:

- ``SOCKETIO_SESSION_SECRET``: the signing key (at least 32 characters). Unset: a random key per
  process, with a warning (sessions then end when the server restarts, and replicas cannot
  check each other's tokens).
- ``SOCKETIO_SESSION_TTL_HOURS`` [24]: lifetime of a session id.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional, Text

logger = logging.getLogger(__name__)

SECRET_ENV = "SOCKETIO_SESSION_SECRET"
TTL_ENV = "SOCKETIO_SESSION_TTL_HOURS"
DEFAULT_TTL_HOURS = 24.0
MIN_SECRET_CHARS = 32

_TOKEN = re.compile(r"(w[0-9a-f]{32})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})")


class SessionConfigurationError(ValueError):
    pass


def _sign(secret: bytes, payload: Text) -> Text:
    digest = hmac.new(secret, payload.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class SessionSigner:
    secret: bytes
    ttl_seconds: float = DEFAULT_TTL_HOURS * 3600
    clock: Callable[[], float] = field(default=time.time)

    @classmethod
    def from_env(cls, environ: Optional[Mapping[Text, Text]] = None) -> "SessionSigner":
        environ = os.environ if environ is None else environ
        secret = (environ.get(SECRET_ENV) or "").strip()
        if not secret:
            logger.warning(
                f"{SECRET_ENV} is not set: web chat sessions are signed with a random key of this "
                f"process and end when it restarts. Set it (32+ random characters) in production."
            )
            key = secrets.token_bytes(32)
        elif len(secret) < MIN_SECRET_CHARS:
            raise SessionConfigurationError(
                f"{SECRET_ENV} must be at least {MIN_SECRET_CHARS} characters long"
            )
        else:
            key = secret.encode("utf-8")
        raw_ttl = (environ.get(TTL_ENV) or "").strip()
        try:
            ttl_hours = float(raw_ttl) if raw_ttl else DEFAULT_TTL_HOURS
        except ValueError:
            raise SessionConfigurationError(f"{TTL_ENV}={raw_ttl!r} is not a number") from None
        if ttl_hours <= 0:
            raise SessionConfigurationError(f"{TTL_ENV} must be positive")
        return cls(secret=key, ttl_seconds=ttl_hours * 3600)

    def issue(self) -> Text:
        """A new conversation's token."""
        conversation = "w" + secrets.token_hex(16)
        expiry = str(int(self.clock() + self.ttl_seconds))
        return f"{conversation}.{expiry}.{_sign(self.secret, f'{conversation}.{expiry}')}"

    def conversation(self, token: object) -> Optional[Text]:
        """The conversation id of a token this server signed and that has not expired, else None."""
        if not isinstance(token, str):
            return None
        match = _TOKEN.fullmatch(token)
        if not match:
            return None
        conversation, expiry, signature = match.groups()
        expected = _sign(self.secret, f"{conversation}.{expiry}")
        if not hmac.compare_digest(expected, signature):
            return None
        if int(expiry) <= self.clock():
            return None
        return conversation
