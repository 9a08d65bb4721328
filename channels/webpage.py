"""Serves the support page (``web/``) and the chat widget from the Rasa server itself.

The page, its assets and the socket.io endpoint then share one origin: the page finds the socket
at ``window.location`` (no host is written into it), the widget's socket passes the origin check
of ``channels.socketio.OriginCheckedSocketIOInput``, and the Content-Security-Policy can say
``'self'``.

Routes (``page_path`` defaults to ``/web``)::

    GET /webhooks/webpage/               health: {"status": "ok", "widget": true|false}
    GET /web                             -> 301 /web/
    GET /web/                            web/index.html
    GET /web/static/<file>               web/static/<file> (flat folder, known file types only)
    GET /web/vendor/rasa-webchat.js      web/node_modules/rasa-webchat/lib/index.js (npm ci in web/)

credentials.yml::

    channels.webpage.WebPageInput:
      page_path: /web        # optional
      web_root: web          # optional; relative to the working directory, default: <repo>/web

Like Rasa's ``SocketBlueprint`` (which attaches socket.io to the app when it is registered), the
blueprint returned here registers a second blueprint for the page routes when Rasa registers it
under ``/webhooks/webpage/``: Sanic puts every route of one blueprint under its URL prefix.
"""

import logging
import re
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa.core.channels.channel import InputChannel, UserMessage

logger = logging.getLogger(__name__)

DEFAULT_WEB_ROOT = Path(__file__).resolve().parent.parent / "web"
DEFAULT_PAGE_PATH = "/web"
WIDGET_BUNDLE = Path("node_modules") / "rasa-webchat" / "lib" / "index.js"

# Only these file types are served from web/static/.
STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
}
_STATIC_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
# What a Host header may look like (name or IPv4 or [IPv6], optional port).
_HOST = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$")


def content_security_policy(host: Optional[Text]) -> Text:
    """The page's CSP: scripts only from this origin, sockets only to this host."""
    connect = ["'self'"]
    if host and _HOST.match(host):
        connect += [f"ws://{host}", f"wss://{host}"]
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            # rasa-webchat's bundle injects its CSS as <style> elements and React sets style
            # attributes: styles need 'unsafe-inline' (scripts do not).
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            f"connect-src {' '.join(connect)}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ]
    )


def security_headers(request: Request) -> Dict[Text, Text]:
    return {
        "Content-Security-Policy": content_security_policy(request.host),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-cache",
    }


class WebPageBlueprint(Blueprint):
    """The channel's webhook blueprint; registers the page blueprint alongside itself."""

    def __init__(self, page_blueprint: Blueprint, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ctx.page_blueprint = page_blueprint

    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        super().register(app, options)
        app.blueprint(self.ctx.page_blueprint)


class WebPageInput(InputChannel):
    """Serves the ICP filing help page with the rasa-webchat widget (no messages come in here)."""

    @classmethod
    def name(cls) -> Text:
        return "webpage"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(
            web_root=credentials.get("web_root"),
            page_path=credentials.get("page_path", DEFAULT_PAGE_PATH),
        )

    def __init__(
        self, web_root: Optional[Text] = None, page_path: Text = DEFAULT_PAGE_PATH
    ) -> None:
        self.web_root = Path(web_root).resolve() if web_root else DEFAULT_WEB_ROOT
        page_path = "/" + str(page_path or DEFAULT_PAGE_PATH).strip("/")
        if page_path == "/" or not re.match(r"^/[A-Za-z0-9_/-]+$", page_path):
            raise ValueError(f"page_path must be a path below '/', e.g. /web (got '{page_path}')")
        self.page_path = page_path
        if not (self.web_root / "index.html").is_file():
            raise ValueError(f"No index.html in web_root '{self.web_root}'.")
        if not self.widget_bundle.is_file():
            logger.warning(
                f"The chat widget is not installed ({self.widget_bundle} is missing): run "
                f"`npm ci --prefix {self.web_root}`. The page will show that the assistant is "
                f"unavailable."
            )

    @property
    def widget_bundle(self) -> Path:
        return self.web_root / WIDGET_BUNDLE

    def _static_file(self, name: Text) -> Optional[Path]:
        if not _STATIC_NAME.match(name):
            return None
        suffix = Path(name).suffix.lower()
        if suffix not in STATIC_TYPES:
            return None
        static_dir = (self.web_root / "static").resolve()
        path = (static_dir / name).resolve()
        if path.parent != static_dir or not path.is_file():
            return None
        return path

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """The health route under /webhooks/webpage/ and the page routes under page_path."""
        page = Blueprint(f"webpage_page_{type(self).__name__}", url_prefix=self.page_path)
        webhook = WebPageBlueprint(page, f"custom_webhook_{type(self).__name__}")

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "widget": self.widget_bundle.is_file()})

        async def send_file(request: Request, path: Path, mime_type: Text) -> HTTPResponse:
            return await response.file(
                str(path), mime_type=mime_type, headers=security_headers(request)
            )

        def not_found(request: Request) -> HTTPResponse:
            return response.text("Not found", status=404, headers=security_headers(request))

        @page.route("", methods=["GET", "HEAD"], strict_slashes=True)
        async def page_without_slash(request: Request) -> HTTPResponse:
            # The page uses relative URLs (static/…, vendor/…): they need the trailing slash.
            return response.redirect(f"{self.page_path}/", status=301)

        @page.route("/", methods=["GET", "HEAD"], strict_slashes=True)
        async def index(request: Request) -> HTTPResponse:
            return await send_file(
                request, self.web_root / "index.html", "text/html; charset=utf-8"
            )

        @page.route("/static/<name:str>", methods=["GET", "HEAD"])
        async def static(request: Request, name: Text) -> HTTPResponse:
            path = self._static_file(name)
            if path is None:
                return not_found(request)
            return await send_file(request, path, STATIC_TYPES[path.suffix.lower()])

        @page.route("/vendor/rasa-webchat.js", methods=["GET", "HEAD"])
        async def widget(request: Request) -> HTTPResponse:
            if not self.widget_bundle.is_file():
                return response.text(
                    "rasa-webchat is not installed: run `npm ci --prefix web`",
                    status=503,
                    headers=security_headers(request),
                )
            return await send_file(request, self.widget_bundle, "text/javascript; charset=utf-8")

        return webhook

