"""Serves the support page (``web/``) and its chat from the Rasa server itself.

The page, its assets and the socket.io endpoint share one origin: the page finds the socket at
``window.location`` (no host is written into it), its socket passes the origin check of
``channels.socketio.OriginCheckedSocketIOInput``, and the Content-Security-Policy can say
``'self'``.

Routes (``page_path`` defaults to ``/web``)::

    GET /webhooks/webpage/                 health: {"status": "ok", "widget": true|false}
    GET /web                               -> 301 /web/
    GET /web/                              web/index.html, with the footer's settings filled in
    GET /web/static/<file>                 web/static/<file> (flat folder, known file types only)
    GET /web/vendor/socket.io.min.js       web/node_modules/socket.io-client/dist/ (npm ci in web/)

Every asset carries a strong ``ETag`` (a hash of its content) and is sent gzip-compressed to
clients that accept it. The page refers to its assets as ``static/app.js?v=<hash>``: a request
with the current hash is cacheable for a year (``immutable``), so a reload fetches only the page
itself, and that answers ``304`` while it has not changed.

Settings of the page (environment, read when the channel is created)::

    WEB_OPERATOR          who runs the page              default: ICP Filing Help Center
    WEB_CONTACT_EMAIL     the footer's contact address   default: support@example.com (warned)
    WEB_CONTACT_PHONE     optional phone in the footer   default: none
    WEB_RETENTION_DAYS    how long chats are kept        default: 30
    WEB_PRIVACY_EN / _ZH  replace the privacy note       default: built from the values above

credentials.yml::

    channels.webpage.WebPageInput:
      page_path: /web        # optional
      web_root: web          # optional; relative to the working directory, default: <repo>/web

Like Rasa's ``SocketBlueprint`` (which attaches socket.io to the app when it is registered), the
blueprint returned here registers a second blueprint for the page routes when Rasa registers it
under ``/webhooks/webpage/``: Sanic puts every route of one blueprint under its URL prefix.
"""

import gzip
import hashlib
import html
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Text, Tuple

from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa.core.channels.channel import InputChannel, UserMessage

logger = logging.getLogger(__name__)

DEFAULT_WEB_ROOT = Path(__file__).resolve().parent.parent / "web"
DEFAULT_PAGE_PATH = "/web"
# The socket.io client (protocol 5 / Engine.IO 4, as python-socketio 5 / python-engineio 4).
SOCKET_CLIENT = Path("node_modules") / "socket.io-client" / "dist" / "socket.io.min.js"
VENDOR = {"socket.io.min.js": SOCKET_CLIENT}

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
HTML_TYPE = "text/html; charset=utf-8"
# Already-compressed formats gain nothing from gzip; tiny files neither.
_COMPRESSIBLE = ("text/", "image/svg+xml")
_MIN_COMPRESS = 512
_STATIC_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
# What a Host header may look like (name or IPv4 or [IPv6], optional port).
_HOST = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$")
# Asset references in index.html that get the content hash appended.
_ASSET_REF = re.compile(r'(?P<attr>(?:src|href))="(?P<path>(?:static|vendor)/[A-Za-z0-9_.-]+)"')
_PLACEHOLDER = re.compile(r"\{\{([a-z_]+)\}\}")

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def content_security_policy(host: Optional[Text]) -> Text:
    """The page's CSP: scripts and styles only from this origin, sockets only to this host."""
    connect = ["'self'"]
    if host and _HOST.match(host):
        connect += [f"ws://{host}", f"wss://{host}"]
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
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
    }


# --- page settings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PageSettings:
    """What the footer says: who runs the page, how to reach a person, what is kept and how long."""

    operator: Text = "ICP Filing Help Center"
    contact_email: Text = "support@example.com"
    contact_phone: Text = ""
    retention_days: int = 30
    privacy_en: Text = ""
    privacy_zh: Text = ""

    @classmethod
    def from_env(cls, environ: Optional[Mapping[Text, Text]] = None) -> "PageSettings":
        env = os.environ if environ is None else environ
        defaults = cls()
        days_text = env.get("WEB_RETENTION_DAYS", "").strip() or str(defaults.retention_days)
        if not days_text.isdigit() or not 1 <= int(days_text) <= 3650:
            raise ValueError(f"WEB_RETENTION_DAYS must be a number of days (1–3650), got '{days_text}'")
        email = env.get("WEB_CONTACT_EMAIL", "").strip() or defaults.contact_email
        if not re.match(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$", email):
            raise ValueError(f"WEB_CONTACT_EMAIL is not an e-mail address: '{email}'")
        phone = env.get("WEB_CONTACT_PHONE", "").strip()
        if phone and not re.match(r"^\+?[0-9][0-9 ()-]{2,30}$", phone):
            raise ValueError(f"WEB_CONTACT_PHONE is not a phone number: '{phone}'")
        if email == defaults.contact_email:
            logger.warning(
                "The support page shows the placeholder contact %s: set WEB_CONTACT_EMAIL.", email
            )
        return cls(
            operator=env.get("WEB_OPERATOR", "").strip() or defaults.operator,
            contact_email=email,
            contact_phone=phone,
            retention_days=int(days_text),
            privacy_en=env.get("WEB_PRIVACY_EN", "").strip(),
            privacy_zh=env.get("WEB_PRIVACY_ZH", "").strip(),
        )

    def placeholders(self) -> Dict[Text, Text]:
        """index.html's ``{{name}}`` values, HTML-escaped."""
        days = self.retention_days
        privacy_en = self.privacy_en or (
            f"{self.operator} stores your chat messages and a random conversation id to answer "
            f"you and to improve the assistant, for {days} days. This browser keeps the "
            f"conversation (local storage) until you clear it."
        )
        privacy_zh = self.privacy_zh or (
            f"{self.operator}会保存您的聊天内容和一个随机会话编号，用于回答您的问题和改进助手，"
            f"保存 {days} 天。本浏览器会在本地存储中保留对话，直到您清除。"
        )
        phone = self.contact_phone
        phone_href = re.sub(r"[^0-9+]", "", phone)
        values = {
            "operator": self.operator,
            "contact_email": self.contact_email,
            "privacy_en": privacy_en,
            "privacy_zh": privacy_zh,
        }
        escaped = {key: html.escape(value, quote=True) for key, value in values.items()}
        escaped["contact_phone"] = (
            f' · <a href="tel:{html.escape(phone_href)}">{html.escape(phone)}</a>' if phone else ""
        )
        return escaped


# --- assets -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: Optional[bytes]
    digest: Text  # hex, first 16 characters of the SHA-256 of the body
    mime_type: Text

    @classmethod
    def of(cls, body: bytes, mime_type: Text) -> "Asset":
        compress = mime_type.startswith(_COMPRESSIBLE) and len(body) >= _MIN_COMPRESS
        # mtime=0: the same content always gives the same bytes
        gzipped = gzip.compress(body, compresslevel=9, mtime=0) if compress else None
        return cls(body, gzipped, hashlib.sha256(body).hexdigest()[:16], mime_type)


class AssetCache:
    """Files read, hashed and compressed once, again only when their size or mtime changes."""

    def __init__(self) -> None:
        self._assets: Dict[Path, Tuple[Tuple[int, int], Asset]] = {}

    def get(self, path: Path, mime_type: Text) -> Asset:
        stat = path.stat()
        key = (stat.st_mtime_ns, stat.st_size)
        cached = self._assets.get(path)
        if cached and cached[0] == key:
            return cached[1]
        asset = Asset.of(path.read_bytes(), mime_type)
        self._assets[path] = (key, asset)
        return asset


def accepts_gzip(request: Request) -> bool:
    for part in request.headers.get("accept-encoding", "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            q = re.search(r"q\s*=\s*([0-9.]+)", params)
            return not q or float(q.group(1) or 0) > 0
    return False


def asset_response(
    request: Request, asset: Asset, cache_control: Text, extra: Optional[Dict[Text, Text]] = None
) -> HTTPResponse:
    """The asset, gzip-compressed when the client accepts it, or 304 when its copy is current."""
    use_gzip = asset.gzipped is not None and accepts_gzip(request)
    # Each representation has its own strong validator.
    etag = f'"{asset.digest}{"-gz" if use_gzip else ""}"'
    headers = {
        **security_headers(request),
        **(extra or {}),
        "Cache-Control": cache_control,
        "ETag": etag,
        "Vary": "Accept-Encoding",
    }
    if_none_match = request.headers.get("if-none-match", "")
    if etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match.strip() == "*":
        return HTTPResponse(status=304, headers=headers)
    body = asset.gzipped if use_gzip else asset.body
    if use_gzip:
        headers["Content-Encoding"] = "gzip"
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(body))
        body = b""
    return response.raw(body, headers=headers, content_type=asset.mime_type)


class WebPageBlueprint(Blueprint):
    """The channel's webhook blueprint; registers the page blueprint alongside itself."""

    def __init__(self, page_blueprint: Blueprint, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ctx.page_blueprint = page_blueprint

    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        super().register(app, options)
        app.blueprint(self.ctx.page_blueprint)


class WebPageInput(InputChannel):
    """Serves the ICP filing help page and its chat (no messages come in here)."""

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
        self,
        web_root: Optional[Text] = None,
        page_path: Text = DEFAULT_PAGE_PATH,
        settings: Optional[PageSettings] = None,
    ) -> None:
        self.web_root = Path(web_root).resolve() if web_root else DEFAULT_WEB_ROOT
        page_path = "/" + str(page_path or DEFAULT_PAGE_PATH).strip("/")
        if page_path == "/" or not re.match(r"^/[A-Za-z0-9_/-]+$", page_path):
            raise ValueError(f"page_path must be a path below '/', e.g. /web (got '{page_path}')")
        self.page_path = page_path
        if not (self.web_root / "index.html").is_file():
            raise ValueError(f"No index.html in web_root '{self.web_root}'.")
        self.settings = settings or PageSettings.from_env()
        self._placeholders = self.settings.placeholders()
        template = (self.web_root / "index.html").read_text(encoding="utf-8")
        unknown = set(_PLACEHOLDER.findall(template)) - set(self._placeholders)
        if unknown:
            raise ValueError(f"index.html uses unknown placeholders: {sorted(unknown)}")
        self._assets = AssetCache()
        if not self.socket_client.is_file():
            logger.warning(
                f"The chat's socket.io client is not installed ({self.socket_client} is "
                f"missing): run `npm ci --prefix {self.web_root}`. The page will show that the "
                f"assistant is unavailable."
            )

    @property
    def socket_client(self) -> Path:
        return self.web_root / SOCKET_CLIENT

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

    def _referenced_asset(self, ref: Text) -> Optional[Asset]:
        folder, name = ref.split("/", 1)
        if folder == "vendor":
            path = self.web_root / VENDOR[name] if name in VENDOR else None
            if path is None or not path.is_file():
                return None
        else:
            path = self._static_file(name)
            if path is None:
                return None
        return self._assets.get(path, STATIC_TYPES[path.suffix.lower()])

    def render_page(self) -> Asset:
        """index.html with its settings filled in and ``?v=<hash>`` on every asset reference."""
        template = self._assets.get(self.web_root / "index.html", HTML_TYPE).body.decode("utf-8")

        def versioned(match: "re.Match[str]") -> Text:
            asset = self._referenced_asset(match.group("path"))
            if asset is None:  # missing: the browser gets the 404/503 and the page says so
                return match.group(0)
            return f'{match.group("attr")}="{match.group("path")}?v={asset.digest}"'

        page = _ASSET_REF.sub(versioned, template)
        page = _PLACEHOLDER.sub(lambda m: self._placeholders.get(m.group(1), ""), page)
        return Asset.of(page.encode("utf-8"), HTML_TYPE)

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """The health route under /webhooks/webpage/ and the page routes under page_path."""
        page = Blueprint(f"webpage_page_{type(self).__name__}", url_prefix=self.page_path)
        webhook = WebPageBlueprint(page, f"custom_webhook_{type(self).__name__}")

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "widget": self.socket_client.is_file()})

        def not_found(request: Request) -> HTTPResponse:
            return response.text("Not found", status=404, headers=security_headers(request))

        def cache_control_for(request: Request, asset: Asset) -> Text:
            # Only a URL naming the current content may be cached for good; any other one
            # (no ?v=, or an old hash) is revalidated with the ETag.
            return IMMUTABLE if request.args.get("v") == asset.digest else REVALIDATE

        @page.route("", methods=["GET", "HEAD"], strict_slashes=True)
        async def page_without_slash(request: Request) -> HTTPResponse:
            # The page uses relative URLs (static/…, vendor/…): they need the trailing slash.
            return response.redirect(f"{self.page_path}/", status=301)

        @page.route("/", methods=["GET", "HEAD"], strict_slashes=True)
        async def index(request: Request) -> HTTPResponse:
            return asset_response(request, self.render_page(), REVALIDATE)

        @page.route("/static/<name:str>", methods=["GET", "HEAD"])
        async def static(request: Request, name: Text) -> HTTPResponse:
            path = self._static_file(name)
            if path is None:
                return not_found(request)
            asset = self._assets.get(path, STATIC_TYPES[path.suffix.lower()])
            return asset_response(request, asset, cache_control_for(request, asset))

        @page.route("/vendor/<name:str>", methods=["GET", "HEAD"])
        async def vendor(request: Request, name: Text) -> HTTPResponse:
            if name not in VENDOR:
                return not_found(request)
            path = self.web_root / VENDOR[name]
            if not path.is_file():
                return response.text(
                    "The chat client is not installed: run `npm ci --prefix web`",
                    status=503,
                    headers=security_headers(request),
                )
            asset = self._assets.get(path, STATIC_TYPES[".js"])
            return asset_response(request, asset, cache_control_for(request, asset))

        return webhook
