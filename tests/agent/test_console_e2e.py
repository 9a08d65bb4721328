"""The agent console in Debian's Chromium (Playwright), against the real servers and model.

An agent signs in with the keyboard (a wrong token first), finds a waiting user in the queue,
opens the conversation with the keyboard, sees the facts and a transcript in which the user's
HTML is shown as text, copies a suggested Chinese answer into the reply box, sends it with
Ctrl+Enter, hands the conversation back, and switches the console to Chinese. Screenshots go to
tests/e2e/artifacts/agent-console-*.png.
"""
from __future__ import annotations

import uuid

import pytest

from knowledge import load_knowledge
from tests.e2e.conftest import CHROMIUM, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.model]

INJECTION = '<img src=x onerror="window.__xss=true">'
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def playwright_instance():
    """Playwright for this module only: its sync API keeps an event loop running, which would
    stop the asyncio tests collected after this module (the e2e package's one is per session)."""
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} not found: `scripts/setup.sh --browser` installs it")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture
def page(browser_context):
    page = browser_context.new_page()
    yield page
    assert page.evaluate("window.__xss") is False
    assert browser_context.outside_requests == []
    page.close()


def tab_to(page, selector: str, limit: int = 40) -> None:
    """Presses Tab until the element matching ``selector`` has the focus (keyboard only)."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement === document.querySelector(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never got the keyboard focus")


def test_an_agent_takes_a_conversation_with_the_keyboard(agent_bot, page):
    kb = load_knowledge()
    user = f"console-{uuid.uuid4().hex[:8]}"
    agent_bot.say(user, "浙江的备案")
    agent_bot.say(user, "转人工")
    agent_bot.say(user, INJECTION)
    agent_bot.say(user, "注销备案一般几个工作日能办好？")

    response = page.goto(f"{agent_bot.url}/agent/")
    assert response.ok and "default-src 'none'" in response.headers["content-security-policy"]
    page.wait_for_selector("#token-input:focus", timeout=TIMEOUT_MS)
    screenshot(page, "agent-console-1-sign-in")

    # a wrong token is refused, and the form asks again
    page.keyboard.type("wrong-token")
    page.keyboard.press("Enter")
    page.wait_for_selector("#token-error:has-text('refused')", timeout=TIMEOUT_MS)
    page.keyboard.type(agent_bot.token)
    page.keyboard.press("Enter")
    item = page.locator(f"button.queue-item[data-sender='{user}']")
    item.wait_for(timeout=TIMEOUT_MS)
    # kept for the tab: a reload does not ask again
    page.reload()
    item.wait_for(timeout=TIMEOUT_MS)
    assert page.locator("#token-form").is_hidden()
    screenshot(page, "agent-console-2-queue")

    tab_to(page, f"button.queue-item[data-sender='{user}']")
    page.keyboard.press("Enter")
    page.wait_for_selector("#transcript .from-user", timeout=TIMEOUT_MS)
    facts = page.locator("#facts").inner_text()
    assert facts.count("zhejiang") == 1
    assert "Province" in facts and "province" not in facts  # readable names, not slot names
    user_texts = page.locator("#transcript .from-user .msg-text").all_inner_texts()
    assert INJECTION in user_texts  # shown as text
    assert page.locator("#transcript img").count() == 0

    # suggestions for the last question, side by side, with sources and the province's links
    page.wait_for_selector("#suggestions .suggestion", timeout=TIMEOUT_MS)
    first = page.locator("#suggestions .suggestion").first
    assert first.locator(".sid").inner_text() == "dereg_duration"
    entry = kb.faq_by_id("dereg_duration")
    assert first.locator(".side-en .a").inner_text().strip() == entry.answer.en
    assert first.locator(".side-zh .a").inner_text().strip() == entry.answer.zh
    assert "Tencent Cloud" in first.locator(".sources").inner_text()
    bureau_links = page.locator("#bureau a")
    assert bureau_links.count() >= 1
    assert bureau_links.first.get_attribute("target") == "_blank"
    screenshot(page, "agent-console-3-conversation")

    # copy the Chinese answer with the keyboard, send it with Ctrl+Enter
    tab_to(page, "#suggestions .suggestion:first-child .side-zh button.use")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "reply"
    assert page.input_value("#reply") == entry.answer.zh
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#transcript .from-agent", timeout=TIMEOUT_MS)
    assert page.locator("#transcript .from-agent .msg-text").last.inner_text().strip() == entry.answer.zh
    assert "Stored" in page.locator("#reply-status").inner_text()  # a REST user: no push
    events = agent_bot.tracker(user)["events"]
    assert [e["text"] for e in events if (e.get("metadata") or {}).get("from_agent")] == [entry.answer.zh]
    screenshot(page, "agent-console-4-sent")

    tab_to(page, "#release")
    page.keyboard.press("Enter")
    page.wait_for_selector("#reply-status:has-text('Handed back')", timeout=TIMEOUT_MS)
    assert agent_bot.tracker(user)["slots"]["handoff_status"] is None

    tab_to(page, "#lang-toggle")
    page.keyboard.press("Enter")
    assert page.locator("#assist-title").inner_text() == "建议答复"
    assert page.locator("#suggestions .side-zh button.use").first.inner_text() == "使用中文"
    page.wait_for_selector("#facts .facts-title:has-text('已收集信息')", timeout=TIMEOUT_MS)
    page.wait_for_selector("#facts dt:has-text('省份')", timeout=TIMEOUT_MS)
    screenshot(page, "agent-console-5-chinese")
