"""The support page and its chat in a real browser, against the real assistant.

What a visitor does: opens the page, gets the welcome in the page's language, asks for a
bureau's form (a link that opens in a new tab), asks in Chinese, answers with a quick-reply
button, reloads the page and still has the conversation, switches the language; and what an
attacker tries: HTML in a message (shown as text, nothing runs) and a page on another origin
(its socket is refused).
"""

from __future__ import annotations

import http.server
import json
import re
import threading
from contextlib import contextmanager
from typing import Iterator, List

import pytest
import requests

from tests.conftest import free_port
from tests.e2e.conftest import ARTIFACTS, conversation_id, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.model]

BOT_TEXT = "#chat-log .msg-bot .msg-text"
USER_TEXT = "#chat-log .msg-user .msg-text"
INPUT = "#chat-input"
QUICK_REPLY = "#chat-replies button"
CJK = re.compile(r"[\u4e00-\u9fff]")
# the hosts of Zhejiang's forms in the seed documents
ZHEJIANG_FORM_HOST = re.compile(
    r"^https?://(zj\.beian\.miit\.gov\.cn|zcainfo\.miitbeian\.gov\.cn)(/|$)"
)
INJECTION = '<img src=x onerror="window.__xss=true;alert(1)">'
REPLY_TIMEOUT_MS = 30_000
STORE_KEY = "icp-help.chat"


# --- helpers ----------------------------------------------------------------------------------


class Chat:
    def __init__(self, page) -> None:
        self.page = page
        self.dialogs: List[str] = []
        page.on("dialog", self._on_dialog)

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, url: str) -> "Chat":
        response = self.page.goto(url)
        assert response is not None and response.ok, url
        return self

    def bot_texts(self) -> List[str]:
        return self.page.locator(BOT_TEXT).all_inner_texts()

    def user_texts(self) -> List[str]:
        return self.page.locator(USER_TEXT).all_inner_texts()

    def wait_for_bot(self, count: int) -> List[str]:
        """Waits until there are more than ``count`` bot messages; returns the new ones."""
        self.page.locator(BOT_TEXT).nth(count).wait_for(timeout=REPLY_TIMEOUT_MS)
        self.page.wait_for_timeout(1500)  # the rest of a multi-message answer
        return self.bot_texts()[count:]

    def say(self, text: str) -> List[str]:
        before = len(self.bot_texts())
        self.page.fill(INPUT, text)
        self.page.press(INPUT, "Enter")
        return self.wait_for_bot(before)

    def session_id(self) -> str:
        stored = self.page.evaluate(f"window.localStorage.getItem('{STORE_KEY}')")
        return json.loads(stored)["sessionId"]

    def csp_violations(self) -> List[str]:
        return self.page.evaluate("window.__cspViolations")


@pytest.fixture
def chat(browser_context, bot, request) -> Iterator[Chat]:
    page = browser_context.new_page()
    chat = Chat(page)
    yield chat
    try:
        screenshot(page, request.node.name)
    except Exception:  # the page may be gone; the screenshot is only a help
        pass
    # whatever the test did, nothing ran from a message, nothing left this machine, and the
    # page logged nothing (no error, no debug line)
    assert not chat.dialogs, chat.dialogs
    assert browser_context.outside_requests == [], browser_context.outside_requests
    assert browser_context.console == [], browser_context.console


def has_cjk(texts: List[str]) -> bool:
    return any(CJK.search(t) for t in texts)


# --- the page ------------------------------------------------------------------------------------


def test_page_headers_and_welcome_in_english(chat, bot):
    response = chat.page.goto(bot.page_url + "?lang=en")
    directives = {
        part.split()[0]: part.split()[1:]
        for part in response.headers["content-security-policy"].split(";")
        if part.strip()
    }
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert chat.page.evaluate("document.documentElement.lang") == "en"
    welcome = chat.wait_for_bot(0)
    assert welcome and not has_cjk(welcome), welcome
    langs = chat.page.eval_on_selector_all("#chat-log .msg-bot", "ms => ms.map(m => m.lang)")
    assert set(langs) == {"en"}, langs
    assert chat.page.locator("h1").inner_text().startswith("Get your website")
    assert chat.csp_violations() == []
    # no second welcome arrives (the init payload is sent once)
    chat.page.wait_for_timeout(1500)
    assert len(chat.bot_texts()) == len(welcome)


def test_welcome_in_chinese(chat, bot):
    chat.open(bot.page_url + "?lang=zh")
    assert chat.page.evaluate("document.documentElement.lang") == "zh-CN"
    assert CJK.search(chat.page.locator("h1").inner_text())
    welcome = chat.wait_for_bot(0)
    assert has_cjk(welcome), welcome
    langs = chat.page.eval_on_selector_all("#chat-log .msg-bot", "ms => ms.map(m => m.lang)")
    assert set(langs) == {"zh-CN"}, langs
    assert chat.csp_violations() == []


def test_each_message_carries_its_language(chat, bot):
    """On the English page a Chinese answer is marked zh-CN (a screen reader switches voice)."""
    chat.open(bot.page_url + "?lang=en")
    chat.wait_for_bot(0)
    chat.say("注销主体和注销网站有什么区别？")
    langs = chat.page.eval_on_selector_all(
        "#chat-log .msg", "ms => ms.map(m => [m.className, m.lang])"
    )
    assert langs[0] == ["msg msg-bot", "en"]  # the English welcome
    assert ["msg msg-user", "zh-CN"] in langs
    assert langs[-1] == ["msg msg-bot", "zh-CN"], langs
    assert chat.page.evaluate("document.documentElement.lang") == "en"


def test_session_id_is_the_one_the_server_confirmed(chat, bot):
    """The page asks for a session without inventing an id, stores the id of session_confirm,
    and sends its messages under that id (the conversation Rasa keeps)."""
    frames: List[str] = []
    chat.page.on(
        "websocket", lambda ws: (
            ws.on("framesent", lambda f: frames.append(f"> {f}")),
            ws.on("framereceived", lambda f: frames.append(f"< {f}")),
        )
    )
    chat.open(bot.page_url + "?lang=en")
    chat.wait_for_bot(0)
    chat.say("where can I download the deregistration form for Zhejiang?")
    events = [json.loads(f[f.index("["):]) for f in frames if f[2:4] == "42"]
    sent = [e for e in frames if e.startswith("> 42")]
    requests_ = [json.loads(f[4:]) for f in sent if "session_request" in f]
    confirms = [json.loads(f[4:]) for f in frames if f.startswith("< 42") and "session_confirm" in f]
    assert requests_ and requests_[0][1] == {"session_id": None}, frames
    assert confirms, frames
    confirmed = confirms[0][1]
    confirmed = confirmed["session_id"] if isinstance(confirmed, dict) else confirmed
    assert chat.session_id() == confirmed
    uttered = [e[1] for e in events if e[0] == "user_uttered"]
    assert uttered and all(u["session_id"] == confirmed for u in uttered), uttered
    assert uttered[0]["customData"] == {"language": "en"}
    if bot.api_token:
        tracker = requests.get(
            f"{bot.url}/conversations/{conversation_id(confirmed)}/tracker",
            params={"token": bot.api_token}, timeout=30,
        ).json()
        texts = [e.get("text") for e in tracker["events"] if e["event"] == "user"]
        assert "where can I download the deregistration form for Zhejiang?" in texts


def test_english_bureau_link_opens_in_new_tab(chat, bot):
    chat.open(bot.page_url + "?lang=en")
    chat.wait_for_bot(0)
    answer = chat.say("where can I download the deregistration form for Zhejiang?")
    links = chat.page.eval_on_selector_all(
        BOT_TEXT + " a",
        "as => as.map(a => ({href: a.href, target: a.target, rel: a.rel}))",
    )
    zhejiang = [link for link in links if ZHEJIANG_FORM_HOST.match(link["href"])]
    assert zhejiang, (answer, links)
    for link in zhejiang:
        assert link["target"] == "_blank"
        assert "noopener" in link["rel"].split()


def test_chinese_deregistration_question(chat, bot):
    chat.open(bot.page_url + "?lang=zh")
    chat.wait_for_bot(0)
    answer = chat.say("注销主体和注销网站有什么区别？")
    assert has_cjk(answer), answer


def test_quick_reply_button(chat, bot):
    chat.open(bot.page_url + "?lang=en")
    chat.wait_for_bot(0)
    chat.say("I want to deregister my ICP filing")
    buttons = chat.page.locator(QUICK_REPLY)
    buttons.first.wait_for(timeout=REPLY_TIMEOUT_MS)
    title = buttons.first.inner_text().strip()
    before = len(chat.bot_texts())
    buttons.first.click()
    # the button's title is shown as the visitor's message and the bot answers it
    assert title in [t.strip() for t in chat.user_texts()]
    assert chat.wait_for_bot(before)


def test_topic_card_asks_the_assistant(chat, bot):
    chat.open(bot.page_url + "?lang=zh")
    chat.wait_for_bot(0)
    before = len(chat.bot_texts())
    card = chat.page.locator("button.ask").first
    question = card.get_attribute("data-ask-zh")
    card.click()
    assert question in chat.user_texts()
    assert has_cjk(chat.wait_for_bot(before))


def test_history_survives_reload(chat, bot):
    chat.open(bot.page_url + "?lang=en")
    chat.wait_for_bot(0)
    chat.say("where can I download the deregistration form for Zhejiang?")
    session = chat.session_id()
    bot_before, user_before = chat.bot_texts(), chat.user_texts()

    chat.page.reload()
    chat.page.locator(BOT_TEXT).nth(len(bot_before) - 1).wait_for(timeout=REPLY_TIMEOUT_MS)
    chat.page.wait_for_timeout(1500)
    assert chat.user_texts() == user_before
    assert chat.bot_texts() == bot_before  # same history, and no second welcome
    assert chat.session_id() == session
    # the reconnected socket is in its session again: a new question is answered
    assert chat.say("注销主体和注销网站有什么区别？")


def test_language_toggle(chat, bot):
    chat.open(bot.page_url + "?lang=en")
    chat.wait_for_bot(0)
    before = len(chat.bot_texts())
    chat.page.click("#lang-toggle")
    assert chat.page.evaluate("document.documentElement.lang") == "zh-CN"
    assert CJK.search(chat.page.locator("h1").inner_text())
    assert chat.page.get_attribute(INPUT, "placeholder") == "请输入您的问题…"
    assert chat.page.get_attribute("#chat-log", "aria-label") == "与助手的对话"
    # the page told the bot, which now answers in Chinese
    assert has_cjk(chat.wait_for_bot(before))
    # the choice is kept for the next visit
    chat.page.reload()
    assert chat.page.evaluate("document.documentElement.lang") == "zh-CN"


# --- what an attacker tries ----------------------------------------------------------------------


def test_html_in_a_user_message_is_shown_as_text(chat, bot):
    chat.open(bot.page_url + "?lang=en")
    chat.wait_for_bot(0)
    chat.say(INJECTION)
    assert INJECTION in chat.user_texts()
    assert chat.page.locator("#chat-log img").count() == 0
    assert chat.page.evaluate("window.__xss") is False


def test_html_in_a_bot_message_is_shown_as_text(chat, bot):
    """A bot message with HTML and script links (sent through Rasa's HTTP API to this page's
    conversation) is shown as text; markdown still works; its links cannot run script."""
    if not bot.api_token:
        pytest.skip("needs Rasa's HTTP API (started by this fixture, or BOT_API_TOKEN)")
    chat.open(bot.page_url + "?lang=en")
    chat.wait_for_bot(0)
    before = len(chat.bot_texts())
    text = (
        f"{INJECTION} <script>window.__xss=true</script> **bold** "
        "[run](javascript:alert(document.domain)) [data](data:text/html,<b>x</b>)"
    )
    response = requests.post(
        f"{bot.url}/conversations/{conversation_id(chat.session_id())}/tracker/events",
        params={"output_channel": "latest", "execute_side_effects": "true",
                "token": bot.api_token},
        json=[{"event": "bot", "text": text}],
        timeout=30,
    )
    assert response.ok, response.text
    shown = chat.wait_for_bot(before)[-1]
    message = chat.page.locator(BOT_TEXT).last
    assert INJECTION in shown and "<script>window.__xss=true</script>" in shown
    assert message.locator("img, script").count() == 0
    assert message.locator("strong").inner_text() == "bold"
    # script/data links are shown as their label, not as links
    assert message.locator("a").count() == 0, message.inner_html()
    assert "run" in shown and "data" in shown
    assert chat.page.evaluate("window.__xss") is False


@contextmanager
def other_site(bot_url: str) -> Iterator[str]:
    """A page on another origin (another port of this machine) that tries to use the bot."""
    root = ARTIFACTS / "other-site"
    root.mkdir(parents=True, exist_ok=True)
    socket_url = bot_url.replace("http://", "ws://").replace("https://", "wss://")
    (root / "index.html").write_text(
        f"""<!DOCTYPE html><meta charset="utf-8"><title>another site</title>
<script>
window.result = {{ws: 'pending', polling: 'pending'}};
var ws = new WebSocket('{socket_url}/socket.io/?EIO=4&transport=websocket');
ws.onopen = function () {{ window.result.ws = 'open'; }};
ws.onerror = function () {{ window.result.ws = 'refused'; }};
fetch('{bot_url}/socket.io/?EIO=4&transport=polling')
  .then(function (r) {{ return r.text(); }})
  .then(function (t) {{ window.result.polling = 'read: ' + t.slice(0, 40); }})
  .catch(function () {{ window.result.polling = 'refused'; }});
</script>""",
        encoding="utf-8",
    )

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/index.html"
    finally:
        server.shutdown()
        server.server_close()


def test_another_origin_is_refused(chat, bot):
    # 1. without a browser: engine.io answers 400 to a foreign Origin, 200 to the page's own
    handshake = f"{bot.url}/socket.io/?EIO=4&transport=polling"
    foreign = requests.get(handshake, headers={"Origin": "http://evil.example"}, timeout=10)
    assert foreign.status_code == 400
    assert requests.get(handshake, headers={"Origin": bot.url}, timeout=10).ok

    # 2. a page on another origin, in the browser: no WebSocket, no polling
    with other_site(bot.url) as url:
        chat.open(url)
        chat.page.wait_for_function(
            "window.result.ws !== 'pending' && window.result.polling !== 'pending'",
            timeout=15_000,
        )
        result = chat.page.evaluate("window.result")
    assert result == {"ws": "refused", "polling": "refused"}, result

    # 3. our own page loaded under another name of the same server is another origin too:
    #    its chat never connects, and the page says so
    if "127.0.0.1" in bot.url:
        chat.open(bot.url.replace("127.0.0.1", "localhost") + "/web/?lang=en")
        chat.page.wait_for_timeout(4000)
        assert chat.bot_texts() == []
        # (a locator, not wait_for_function: the page's CSP rightly forbids Playwright's eval)
        chat.page.locator("#chat-status", has_text="not available").wait_for(timeout=15_000)
    # the refused connections are the browser's own console errors here, and only those
    refused = re.compile(r"^error: (WebSocket connection to .* failed|Failed to load resource|"
                         r"Access to (XMLHttpRequest|fetch) at .* blocked by CORS)")
    unexpected = [m for m in chat.page.context.console if not refused.match(m)]
    assert unexpected == [], unexpected
    chat.page.context.console.clear()
