"""channels.webpage.WebPageInput: the page, its assets and their security headers."""

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Dict, List, Tuple

import aiohttp
import pytest

from channels.webpage import WIDGET_BUNDLE, WebPageInput, content_security_policy

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "web"
WIDGET_INSTALLED = (WEB / WIDGET_BUNDLE).is_file()
needs_widget = pytest.mark.skipif(
    not WIDGET_INSTALLED, reason="rasa-webchat not installed: run `npm ci --prefix web`"
)


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
    assert {"web", "web/", "web/static/<name:str>", "web/vendor/rasa-webchat.js"} <= paths


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
async def test_widget_bundle_is_served_from_node_modules(serve):
    expected = (WEB / WIDGET_BUNDLE).read_bytes()
    async with serve([WebPageInput()]) as (base, _app):
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/web/vendor/rasa-webchat.js") as r:
                assert r.status == 200
                assert r.headers["Content-Type"].startswith("text/javascript")
                assert await r.read() == expected


@pytest.mark.asyncio
async def test_missing_widget_is_reported(serve, tmp_path):
    root = tmp_path / "web"
    shutil.copytree(WEB, root, ignore=shutil.ignore_patterns("node_modules"))
    channel = WebPageInput(web_root=str(root))
    async with serve([channel]) as (base, _app):
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/web/vendor/rasa-webchat.js") as r:
                assert r.status == 503
                assert "npm ci" in await r.text()
            async with session.get(f"{base}/webhooks/webpage/") as r:
                assert (await r.json())["widget"] is False


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
