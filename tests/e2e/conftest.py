"""Browser tests: Debian's Chromium, driven by Playwright for Python, against the real servers.

The session fixture ``bot`` either uses a running assistant (env ``BOT_URL``, e.g.
``BOT_URL=http://127.0.0.1:5005``; its WEB_ALLOWED_ORIGINS must allow that URL) or the shared
``running_bot`` of tests/conftest.py (action server + Rasa from models/icp.tar.gz on free ports).

No browser is downloaded: Playwright drives /usr/bin/chromium (env ``CHROMIUM`` overrides).
Requests for other hosts go to a proxy that does not exist (so they fail) and are recorded: tests
assert there were none. (Not Playwright's ``route()``: routing turns the HTTP cache off, and the
reload tests measure what the cache saves.) Every console message and page error is recorded too;
a page that is quiet logs nothing.
Screenshots, axe-core results, page weights and server logs go to tests/e2e/artifacts/
(gitignored).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Anything not on this machine goes to a closed port: nothing leaves (loopback is exempt).
    "--proxy-server=http://127.0.0.1:9",
]
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
DEVICES: Dict[str, dict] = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    # a small phone, held upright: 360 px is the narrowest width the page is made for
    "phone": {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
              "device_scale_factor": 2},
}
# Requests the page may make: only to this machine.
LOCAL_URL = re.compile(r"^(https?|wss?)://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/|$)")

def wait_until_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up within {timeout:.0f}s")


@dataclass
class Bot:
    url: str                       # e.g. http://127.0.0.1:5005 (no trailing slash)
    api_token: Optional[str]       # Rasa's HTTP API token, when the API is on

    @property
    def page_url(self) -> str:
        return f"{self.url}/web/"


@pytest.fixture(scope="session")
def bot(request) -> Iterator[Bot]:
    """A running assistant: the one at $BOT_URL, else the shared ``running_bot``."""
    given = os.environ.get("BOT_URL")
    if given:
        url = given.rstrip("/")
        wait_until_up(f"{url}/webhooks/webpage/")
        yield Bot(url=url, api_token=os.environ.get("BOT_API_TOKEN"))
        return
    running = request.getfixturevalue("running_bot")
    yield Bot(url=running.url, api_token=running.api_token)


# Package scope: sync Playwright keeps an asyncio loop running on the main thread while it is
# open, and later tests that run their own loop (asyncio.run) would fail with "Cannot run the
# event loop while another loop is running".
@pytest.fixture(scope="package")
def playwright_instance():
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} not found: `scripts/setup.sh --browser` installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture
def device(request) -> str:
    """The viewport a test runs in: desktop unless the test is parametrized with ``device``."""
    return getattr(request, "param", "desktop")


@pytest.fixture
def browser_context(playwright_instance, tmp_path, device):
    """A fresh Chromium profile per test, with its HTTP cache; outside requests are recorded."""
    user_data_dir = tmp_path / "chromium-profile"
    context = playwright_instance.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        headless=True,
        locale="en-US",
        **DEVICES[device],
    )
    context.outside_requests = []
    context.console = []

    def on_request(request):
        if not LOCAL_URL.match(request.url) and not request.url.startswith(("data:", "about:")):
            context.outside_requests.append(request.url)

    def on_page(page):
        page.on("console", lambda m: context.console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: context.console.append(f"pageerror: {e}"))

    context.on("request", on_request)
    context.on("page", on_page)
    for page in context.pages:
        on_page(page)
    context.add_init_script(
        """
        window.__xss = false;
        window.__cspViolations = [];
        document.addEventListener('securitypolicyviolation', function (e) {
          window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
        });
        """
    )
    try:
        yield context
    finally:
        with contextlib.suppress(Exception):
            context.close()
        shutil.rmtree(user_data_dir, ignore_errors=True)


def conversation_id(session_id: str) -> str:
    """Rasa's conversation (sender) id of a session id the server confirmed.

    The server may confirm a signed token ``<conversation>.<expiry>.<signature>`` instead of the
    bare id (channels/socketio.py with channels/sessions.py); the tracker is kept under the first
    part. A bare id is its own conversation id.
    """
    return session_id.split(".", 1)[0]


def run_axe(page, name: str) -> List[dict]:
    """Runs axe-core (web/node_modules, from npm) in the page; saves and returns its violations.

    Playwright evaluates the script through the DevTools protocol, which the page's CSP (rightly)
    does not cover, so the page keeps its CSP while it is checked.
    """
    if not AXE.is_file():
        pytest.fail(f"{AXE} missing: run `npm ci --prefix web` (axe-core is a devDependency)")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
              id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))"""
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"axe-{name}.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return result


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
