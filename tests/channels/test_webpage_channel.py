"""channels.webpage.WebPageInput: the page, its assets, their caching and security headers."""

import gzip
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Dict, List, Tuple

import aiohttp
import pytest

from channels.webpage import (
    SOCKET_CLIENT,
    PageSettings,
    WebPageInput,
    content_security_policy,
)

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "web"
WIDGET_INSTALLED = (WEB / SOCKET_CLIENT).is_file()
needs_widget = pytest.mark.skipif(
    not WIDGET_INSTALLED, reason="socket.io-client not installed: run `npm ci --prefix web`"
)
GZIP = {"Accept-Encoding": "gzip, deflate, br"}
IDENTITY = {"Accept-Encoding": "identity"}


def csp_directives(header: str) -> Dict[str, List[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: List[Tuple[str, Dict[str, str]]] = []
        self.script_bodies: List[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_bodies.append(data)


def route_paths(channels):
    import rasa.core.run

    app = rasa.core.run.configure_app(channels, port=5005, enable_api=False)
    return {route.path for route in app.router.routes_all.values()}


def test_routes_are_registered(sanic_test_mode):
    paths = route_paths([WebPageInput()])
    assert "webhooks/webpage" in paths  # the health route, where Rasa mounts every channel
    assert {"web", "web/", "web/static/<name:str>", "web/vendor/<name:str>"} <= paths


def test_page_path_is_configurable(sanic_test_mode):
    paths = route_paths([WebPageInput.from_credentials({"page_path": "/help/"})])
    assert {"help/", "help/static/<name:str>", "webhooks/webpage"} <= paths
    assert "web/" not in paths


@pytest.mark.parametrize("bad", ["/", "/../x", "/web?x=1", "/a b"])
def test_bad_page_path_is_refused(bad):
    with pytest.raises(ValueError):
        WebPageInput(page_path=bad)


def test_empty_page_path_means_the_default():
    assert WebPageInput(page_path="").page_path == "/web"


def test_web_root_without_page_is_refused(tmp_path):
    with pytest.raises(ValueError):
        WebPageInput(web_root=str(tmp_path))


def test_csp_is_strict():
    csp = csp_directives(content_security_policy("bot.example.com:5005"))
    assert csp["script-src"] == ["'self'"]  # no inline script, no eval, no CDN
    assert csp["style-src"] == ["'self'"]  # no inline style either
    assert csp["default-src"] == ["'none'"]
    assert csp["connect-src"] == [
        "'self'",
        "ws://bot.example.com:5005",
        "wss://bot.example.com:5005",
    ]
    assert csp["frame-ancestors"] == ["'none'"]
    # a Host header that is not a host name gets no extra source
    assert csp_directives(content_security_policy("evil.com 'unsafe-eval'"))["connect-src"] == [
        "'self'"
    ]


@pytest.mark.asyncio
async def test_health_and_page(serve):
    async with serve([WebPageInput()]) as (base, _app):
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/webhooks/webpage/") as r:
                assert r.status == 200
                assert await r.json() == {"status": "ok", "widget": WIDGET_INSTALLED}

            async with session.get(f"{base}/web", allow_redirects=False) as r:
                assert r.status == 301
                assert r.headers["Location"] == "/web/"

            async with session.get(f"{base}/web/") as r:
                assert r.status == 200
                assert r.headers["Content-Type"].startswith("text/html")
                csp = csp_directives(r.headers["Content-Security-Policy"])
                host = base.split("://", 1)[1]
                assert csp["script-src"] == ["'self'"]
                assert csp["connect-src"] == ["'self'", f"ws://{host}", f"wss://{host}"]
                assert r.headers["X-Content-Type-Options"] == "nosniff"
                assert r.headers["X-Frame-Options"] == "DENY"
                html = await r.text()
    assert "ICP" in html and "备案" in html


@pytest.mark.asyncio
async def test_assets_and_traversal(serve):
    async with serve([WebPageInput()]) as (base, _app):
        async with aiohttp.ClientSession() as session:
            for name, mime in [
                ("app.js", "text/javascript"),
                ("app.css", "text/css"),
                ("favicon.svg", "image/svg+xml"),
            ]:
                async with session.get(f"{base}/web/static/{name}") as r:
                    assert r.status == 200, name
                    assert r.headers["Content-Type"].startswith(mime)
                    assert "Content-Security-Policy" in r.headers
            for bad in [
                "../index.html",
                "..%2Findex.html",
                "%2e%2e%2f%2e%2e%2fchannels%2fwebpage.py",
                ".hidden.js",
                "missing.js",
                "app.py",
            ]:
                async with session.get(f"{base}/web/static/{bad}") as r:
                    assert r.status == 404, bad
            async with session.get(f"{base}/web/node_modules/rasa-webchat/package.json") as r:
                assert r.status == 404


@needs_widget
@pytest.mark.asyncio
async def test_socket_client_is_served_from_node_modules(serve):
    expected = (WEB / SOCKET_CLIENT).read_bytes()
    async with serve([WebPageInput()]) as (base, _app):
        async with aiohttp.ClientSession(auto_decompress=False) as session:
            async with session.get(f"{base}/web/vendor/socket.io.min.js", headers=IDENTITY) as r:
                assert r.status == 200
                assert r.headers["Content-Type"].startswith("text/javascript")
                assert "Content-Encoding" not in r.headers
                assert await r.read() == expected
            async with session.get(f"{base}/web/vendor/socket.io.min.js", headers=GZIP) as r:
                assert r.headers["Content-Encoding"] == "gzip"
                body = await r.read()
                assert gzip.decompress(body) == expected
                assert len(body) < len(expected) / 2
            async with session.get(f"{base}/web/vendor/other.js") as r:
                assert r.status == 404


@pytest.mark.asyncio
async def test_missing_socket_client_is_reported(serve, tmp_path):
    root = tmp_path / "web"
    shutil.copytree(WEB, root, ignore=shutil.ignore_patterns("node_modules"))
    channel = WebPageInput(web_root=str(root))
    async with serve([channel]) as (base, _app):
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/web/vendor/socket.io.min.js") as r:
                assert r.status == 503
                assert "npm ci" in await r.text()
            async with session.get(f"{base}/webhooks/webpage/") as r:
                assert (await r.json())["widget"] is False


def asset_urls(html: str) -> List[str]:
    return re.findall(r'(?:src|href)="((?:static|vendor)/[^"]+)"', html)


@pytest.mark.asyncio
async def test_assets_are_versioned_compressed_and_cached(serve):
    async with serve([WebPageInput()]) as (base, _app):
        async with aiohttp.ClientSession(auto_decompress=False) as session:
            async with session.get(f"{base}/web/", headers=GZIP) as r:
                assert r.headers["Content-Encoding"] == "gzip"
                assert r.headers["Cache-Control"] == "no-cache"  # always revalidated…
                page_etag = r.headers["ETag"]
                html = gzip.decompress(await r.read()).decode("utf-8")
            # …and unchanged, it is a 304 without a body
            async with session.get(
                f"{base}/web/", headers={**GZIP, "If-None-Match": page_etag}
            ) as r:
                assert r.status == 304
                assert await r.read() == b""
            urls = asset_urls(html)
            assert {u.split("?")[0] for u in urls} >= {
                "static/app.css", "static/app.js", "static/chat.js", "static/favicon.svg",
            } | ({"vendor/socket.io.min.js"} if WIDGET_INSTALLED else set())
            for url in urls:
                path, _, query = url.partition("?")
                assert re.fullmatch(r"v=[0-9a-f]{16}", query), url
                async with session.get(f"{base}/web/{url}", headers=GZIP) as r:
                    assert r.status == 200, url
                    assert "immutable" in r.headers["Cache-Control"], url
                    assert "max-age=31536000" in r.headers["Cache-Control"], url
                    assert r.headers["Vary"] == "Accept-Encoding"
                    etag = r.headers["ETag"]
                    if not path.endswith(".svg") or r.headers.get("Content-Encoding"):
                        assert r.headers["Content-Encoding"] == "gzip", url
                # without the current hash: revalidate, never cached for good
                async with session.get(f"{base}/web/{path}?v=0000", headers=GZIP) as r:
                    assert r.headers["Cache-Control"] == "no-cache"
                async with session.get(
                    f"{base}/web/{path}", headers={**GZIP, "If-None-Match": etag}
                ) as r:
                    assert r.status == 304, url


@pytest.mark.asyncio
async def test_changed_asset_gets_a_new_url(serve, tmp_path):
    root = tmp_path / "web"
    shutil.copytree(WEB, root, ignore=shutil.ignore_patterns("node_modules"))
    async with serve([WebPageInput(web_root=str(root))]) as (base, _app):
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/web/") as r:
                before = [u for u in asset_urls(await r.text()) if "app.css" in u]
            (root / "static" / "app.css").write_text("body { color: #000; }\n")
            async with session.get(f"{base}/web/") as r:
                after = [u for u in asset_urls(await r.text()) if "app.css" in u]
            async with session.get(f"{base}/web/{after[0]}") as r:
                assert await r.text() == "body { color: #000; }\n"
    assert before and after and before != after


@pytest.mark.asyncio
async def test_footer_settings_come_from_the_environment(serve):
    settings = PageSettings.from_env(
        {
            "WEB_OPERATOR": "Example <Co>",
            "WEB_CONTACT_EMAIL": "help@example.org",
            "WEB_CONTACT_PHONE": "+86 10 1234 5678",
            "WEB_RETENTION_DAYS": "14",
        }
    )
    async with serve([WebPageInput(settings=settings)]) as (base, _app):
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/web/") as r:
                html = await r.text()
    assert "{{" not in html
    assert 'href="mailto:help@example.org"' in html
    assert 'href="tel:+861012345678"' in html
    assert "Example &lt;Co&gt;" in html and "<Co>" not in html  # escaped
    assert "for 14 days" in html and "保存 14 天" in html


def test_footer_defaults_and_overrides():
    defaults = PageSettings.from_env({})
    assert defaults.contact_email == "support@example.com" and defaults.retention_days == 30
    assert defaults.placeholders()["contact_phone"] == ""
    custom = PageSettings.from_env({"WEB_PRIVACY_EN": "We keep nothing.", "WEB_PRIVACY_ZH": "不保存。"})
    assert custom.placeholders()["privacy_en"] == "We keep nothing."
    assert custom.placeholders()["privacy_zh"] == "不保存。"


@pytest.mark.parametrize(
    "env",
    [
        {"WEB_RETENTION_DAYS": "forever"},
        {"WEB_RETENTION_DAYS": "0"},
        {"WEB_CONTACT_EMAIL": "not an address"},
        {"WEB_CONTACT_EMAIL": 'x@y.z"><script>'},
        {"WEB_CONTACT_PHONE": "call us"},
    ],
)
def test_bad_footer_settings_are_refused(env):
    with pytest.raises(ValueError):
        PageSettings.from_env(env)


def test_page_has_no_inline_script_and_no_cdn():
    parser = _Collector()
    parser.feed((WEB / "index.html").read_text(encoding="utf-8"))
    scripts = [attrs for tag, attrs in parser.tags if tag == "script"]
    assert scripts, "the page loads its scripts"
    for attrs in scripts:
        src = attrs.get("src", "")
        assert src and not re.match(r"^(https?:)?//", src), f"script must be local: {attrs}"
    assert not "".join(parser.script_bodies).strip(), "inline script found"
    for tag, attrs in parser.tags:
        assert not [a for a in attrs if a.startswith("on")], f"inline handler on <{tag}>"
        assert "style" not in attrs, f"inline style on <{tag}>"
        if tag == "link" and attrs.get("rel") == "stylesheet":
            assert not re.match(r"^(https?:)?//", attrs["href"])
        if tag == "a" and attrs.get("target") == "_blank":
            assert "noopener" in attrs.get("rel", "")


def test_page_script_has_no_host_written_in():
    code = (WEB / "static" / "app.js").read_text(encoding="utf-8")
    for host in ("localhost", "127.0.0.1", "5005", "http://", "https://", "ws://", "wss://"):
        assert host not in code, host
    assert "window.location" in code
