"""Browser tests: Debian's Chromium, driven by Playwright for Python, against the real servers.

The session fixture ``bot`` either uses a running assistant (env ``BOT_URL``, e.g.
``BOT_URL=http://127.0.0.1:5005``; its WEB_ALLOWED_ORIGINS must allow that URL) or the shared
``running_bot`` of tests/conftest.py (action server + Rasa from models/icp.tar.gz on free ports).

No browser is downloaded: Playwright drives /usr/bin/chromium (env ``CHROMIUM`` overrides),
and every request for a host other than the local servers is aborted by the test.
Screenshots and server logs go to tests/e2e/artifacts/ (gitignored).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

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
]
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


@pytest.fixture(scope="session")
def playwright_instance():
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} not found: `scripts/setup.sh --browser` installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture
def browser_context(playwright_instance, tmp_path, request):
    """A fresh Chromium profile per test; requests that would leave this machine are aborted."""
    user_data_dir = tmp_path / "chromium-profile"
    context = playwright_instance.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        headless=True,
        viewport={"width": 1280, "height": 900},
        locale="en-US",
    )
    context.outside_requests = []

    def guard(route):
        if LOCAL_URL.match(route.request.url):
            route.continue_()
        else:
            context.outside_requests.append(route.request.url)
            route.abort()

    context.route(re.compile(r".*"), guard)
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


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
