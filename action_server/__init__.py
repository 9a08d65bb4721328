"""The rasa-sdk action server with the safeguards ``rasa run actions`` lacks.

``python -m action_server --port 5055`` serves the ``actions`` package like ``rasa run actions``,
except that:

- it listens on 127.0.0.1 unless ``ACTION_HOST`` says otherwise (``rasa run actions`` binds
  0.0.0.0: anyone on the network could run any action, ``action_handoff`` included, with a
  crafted ``POST /webhook``);
- with ``ACTION_SERVER_TOKEN`` set, ``POST /webhook`` and ``GET /actions`` need
  ``Authorization: Bearer <token>`` (401 otherwise); the Rasa server sends it
  (``channels.runtime``). ``GET /health`` stays open for health checks;
- an error is answered ``{"error": "internal error"}`` (rasa-sdk 3.6 echoes the whole request
  body, i.e. the conversation, in its 500) and logged without the body;
- no CORS headers: no browser page has any business calling it.
"""
from __future__ import annotations

import hmac
import logging
import os
from typing import Any, Optional, Text

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

HOST_ENV = "ACTION_HOST"
DEFAULT_HOST = "127.0.0.1"
TOKEN_ENV = "ACTION_SERVER_TOKEN"
OPEN_PATHS = frozenset({"/health"})


def bearer_matches(header: Optional[Text], token: Text) -> bool:
    scheme, _, given = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode("utf-8", "replace"), token.encode("utf-8")
    )


def guard(app: Sanic, token: Optional[Text]) -> Sanic:
    """Adds the token check and the body-free error handler to rasa-sdk's app."""

    if token:

        @app.middleware("request")
        async def require_token(request: Request) -> Optional[HTTPResponse]:
            if request.path in OPEN_PATHS:
                return None
            if not bearer_matches(request.headers.get("Authorization"), token):
                return response.json({"error": "unauthorised"}, status=401)
            return None

    async def internal_error(request: Request, exception: Exception) -> HTTPResponse:
        status = getattr(exception, "status_code", 500) or 500
        if status >= 500:
            logger.error(
                f"{request.method} {request.path} failed: {type(exception).__name__}: "
                f"{str(exception)[:200]}",
                exc_info=logger.isEnabledFor(logging.DEBUG),
            )
            return response.json({"error": "internal error"}, status=500)
        return response.json({"error": str(exception)[:200]}, status=status)

    # Replaces rasa-sdk's handler for Exception (the one that echoes the request body).
    app.error_handler.add(Exception, internal_error)
    return app


def create_app(actions: Text = "actions", token: Optional[Text] = None) -> Sanic:
    from rasa_sdk.endpoint import create_app as sdk_create_app

    token = token if token is not None else (os.environ.get(TOKEN_ENV) or "").strip()
    app = sdk_create_app(actions, cors_origins="", auto_reload=False)
    return guard(app, token)


def main(argv: Optional[Any] = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m action_server", description=__doc__.split("\n")[0])
    parser.add_argument("--actions", default="actions", help="package with the actions")
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTION_PORT") or 5055))
    parser.add_argument(
        "--host", default=(os.environ.get(HOST_ENV) or DEFAULT_HOST),
        help=f"interface to listen on (env {HOST_ENV}, default {DEFAULT_HOST})",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)-8s %(name)s - %(message)s")
    token = (os.environ.get(TOKEN_ENV) or "").strip()
    if not token:
        logger.warning(
            f"{TOKEN_ENV} is not set: any process that reaches {args.host}:{args.port} can run "
            f"actions. Set it (the same value for Rasa) when the port is not loopback-only."
        )
    app = create_app(args.actions, token)
    logger.info(f"Action server listening on http://{args.host}:{args.port}")
    app.run(host=args.host, port=args.port, workers=1, access_log=False)
