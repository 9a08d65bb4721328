"""static/chat.js's Markdown subset and language marking, run in the page itself (Chromium).

What the bot's texts use — `[label](url)` links, "- " and "1. " lists, blank-line paragraphs,
**bold**, bare URLs — becomes DOM nodes; everything else, HTML included, stays text.
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e]

RENDER = """(text) => {
  const box = document.createElement('div');
  window.IcpChat.renderText(box, text);
  return box.innerHTML;
}"""

CASES = [
    ("plain", "Hello", "<p>Hello</p>"),
    ("paragraphs", "One\n\nTwo\nthree", "<p>One</p><p>Two<br>three</p>"),
    (
        "link",
        "See [MIIT](https://beian.miit.gov.cn/).",
        '<p>See <a href="https://beian.miit.gov.cn/" target="_blank" rel="noopener noreferrer">'
        "MIIT</a>.</p>",
    ),
    (
        "bare URL before CJK punctuation",
        "访问 https://beian.miit.gov.cn。",
        '<p>访问 <a href="https://beian.miit.gov.cn" target="_blank" rel="noopener noreferrer">'
        "https://beian.miit.gov.cn</a>。</p>",
    ),
    ("bold", "a **b** c", "<p>a <strong>b</strong> c</p>"),
    ("list after text", "Steps:\n- one\n- two", "<p>Steps:</p><ul><li>one</li><li>two</li></ul>"),
    ("numbered list", "2. b\n3. c", '<ol start="2"><li>b</li><li>c</li></ol>'),
    ("html is text", "<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>"),
    ("script link is text", "[run](javascript:alert(1))", "<p>run</p>"),
    ("data link is text", "[d](data:text/html,<b>x</b>)", "<p>d</p>"),
    ("mailto stays a link", "[mail](mailto:a@b.cn)", '<p><a href="mailto:a@b.cn">mail</a></p>'),
    (
        "html in a label is text",
        "[<b>x</b>](https://a.cn)",
        '<p><a href="https://a.cn" target="_blank" rel="noopener noreferrer">&lt;b&gt;x&lt;/b&gt;'
        "</a></p>",
    ),
]

LANGUAGES = [
    ("Hi! How can I help?", "en"),
    ("您好！请问有什么可以帮您？", "zh-CN"),
    ("ICP filing (备案) is needed for sites hosted in mainland China.", "en"),
    ("浙江管局的表格：[zj.beian.miit.gov.cn](https://zj.beian.miit.gov.cn/)", "zh-CN"),
    ("备案transfer怎么弄", "zh-CN"),
]


@pytest.fixture
def page(browser_context, bot):
    page = browser_context.new_page()
    page.goto(bot.page_url + "?lang=en")
    page.wait_for_load_state("load")  # the deferred scripts have run
    yield page
    assert browser_context.console == [], browser_context.console


def test_markdown_subset(page):
    got = {name: page.evaluate(RENDER, text) for name, text, _ in CASES}
    assert got == {name: html for name, _, html in CASES}


def test_message_language(page):
    got = [page.evaluate("(t) => window.IcpChat.messageLanguage(t)", t) for t, _ in LANGUAGES]
    assert got == [lang for _, lang in LANGUAGES]
