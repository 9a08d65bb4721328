"""channels.wechat_render: bot messages of one turn as WeChat plain text."""
import re

import pytest

from channels.wechat_render import MAX_BYTES, guess_language, note, plain_text, render_turn, split_text, welcome

LONG_URL = "https://beian.miit.gov.cn/" + "a" * 120


@pytest.mark.parametrize(
    "markdown, text",
    [
        ("See [beian.miit.gov.cn](https://beian.miit.gov.cn/).", "See beian.miit.gov.cn: https://beian.miit.gov.cn/."),
        ("[https://x.cn/a](https://x.cn/a)", "https://x.cn/a"),
        ("[](https://x.cn/a)", "https://x.cn/a"),
        ("下载表格：\n\n- [江苏](https://js.example/a.doc)\n- [浙江](https://zj.example/b.doc)",
         "下载表格：\n\n江苏: https://js.example/a.doc\n浙江: https://zj.example/b.doc"),
        ("**注意**：需要法人身份证", "注意：需要法人身份证"),
        ("plain text stays", "plain text stays"),
    ],
)
def test_plain_text(markdown, text):
    assert plain_text(markdown) == text


def test_a_turn_is_merged_into_one_text_with_numbered_options():
    rendered = render_turn(
        [
            {"text": "好的，我们来确认注销方式。"},
            {"text": "备案在谁名下？", "buttons": [
                {"title": "我自己的", "payload": '/inform{"dereg_owner":"own"}'},
                {"title": "其他主体的", "payload": '/inform{"dereg_owner":"other_entity"}'},
            ]},
        ],
        "zh",
    )
    assert rendered.parts == ["好的，我们来确认注销方式。\n\n备案在谁名下？\n\n【1】我自己的\n【2】其他主体的\n回复 1 / 2 选择"]
    assert rendered.payloads == ['/inform{"dereg_owner":"own"}', '/inform{"dereg_owner":"other_entity"}']


def test_options_of_several_messages_are_numbered_on():
    rendered = render_turn(
        [{"text": "A", "buttons": [{"title": "a", "payload": "/a"}]},
         {"text": "B", "buttons": [{"title": "b", "payload": "/b"}, {"title": "[c](https://c.cn)", "payload": "/c"}]}],
        "en",
    )
    assert rendered.parts == ["A\n\n[1] a\n\nB\n\n[2] b\n[3] c: https://c.cn\nReply 1 / 2 / 3 to choose"]
    assert rendered.payloads == ["/a", "/b", "/c"]


def test_language_of_the_hint_follows_the_user_or_the_bot_text():
    buttons = [{"title": "x", "payload": "/x"}]
    assert render_turn([{"text": "Which one?", "buttons": buttons}], "zh").parts[0].endswith("回复 1 选择")
    assert render_turn([{"text": "您要哪一个？", "buttons": buttons}]).parts[0].endswith("回复 1 选择")
    assert render_turn([{"text": "Which one? 江苏", "buttons": buttons}]).parts[0].endswith("Reply 1 to choose")
    assert guess_language(["See [江苏管局](https://js.example) for the form"]) == "en"


def test_numbered_lines_of_an_answer_are_not_options():
    rendered = render_turn(
        [{"text": "常见原因：\n1. 自行注销；\n2. 域名过期。", "buttons": [{"title": "能恢复吗？", "payload": "/faq"}]},
         {"text": "Anything else?"}],
        "zh",
    )
    assert rendered.parts == ["常见原因：\n1. 自行注销；\n2. 域名过期。\n\n【1】能恢复吗？\n\nAnything else?\n\n回复 1 选择"]


def test_empty_turn_and_images():
    assert render_turn([], "en").parts == []
    assert render_turn([{"image": "https://x.cn/a.png"}], "en").parts == ["https://x.cn/a.png"]


def test_notes_in_the_user_language_or_both():
    assert note("not_text", "en").startswith("Sorry")
    assert note("not_text", "zh").startswith("抱歉")
    both = note("not_text", None)
    assert "抱歉" in both and "Sorry" in both


def _links_intact(parts, urls):
    joined_parts = "\n".join(parts)
    return all(url in joined_parts for url in urls)


@pytest.mark.parametrize("unit", ["备案信息 ", "filing info ", "备"])
def test_split_keeps_every_part_within_2048_bytes_and_every_link_whole(unit):
    urls = [f"{LONG_URL}{n}" for n in range(30)]
    text = "\n\n".join(f"{unit * 40}[link {n}]({url})" for n, url in enumerate(urls))
    rendered = render_turn([{"text": text}], "zh")
    assert len(rendered.parts) > 1
    assert all(len(p.encode("utf-8")) <= MAX_BYTES for p in rendered.parts)
    assert _links_intact(rendered.parts, urls)
    # nothing lost but whitespace at the cuts
    assert re.sub(r"\s", "", "".join(rendered.parts)) == re.sub(r"\s", "", plain_text(text))


def test_split_prefers_paragraphs_then_lines_then_spaces():
    para = "x" * 1000
    # a blank line is preferred even where a line break would fill the part more
    assert split_text(f"{para}\n\n{para}\n{para}") == [para, f"{para}\n{para}"]
    assert split_text(f"{para}\n{para}\n{para}") == [f"{para}\n{para}", para]
    words = " ".join(["word"] * 600)
    parts = split_text(words)
    assert all(p.endswith("word") and p.startswith("word") for p in parts)


def test_a_link_that_straddles_the_limit_moves_to_the_next_part():
    text = "备" * 660 + LONG_URL  # 1,980 bytes of text, then an address without a space before it
    parts = split_text(text)
    assert parts == ["备" * 660, LONG_URL]


def test_welcome_pairs_the_menu_titles_of_both_languages():
    menu_buttons = {
        "zh": [{"title": "注销备案", "payload": "/request_deregistration"}, {"title": "网站打不开", "payload": "/check_accessibility"}],
        "en": [{"title": "Deregister a filing", "payload": "/request_deregistration"}, {"title": "Website can't be accessed", "payload": "/check_accessibility"}],
    }
    rendered = welcome(
        {"zh": [{"text": "您好！"}], "en": [{"text": "Hi!"}]},
        {lang: [{"text": intro, "buttons": menu_buttons[lang]}] for lang, intro in (("zh", "我可以帮您："), ("en", "I can help with:"))},
    )
    assert rendered.parts == [
        "您好！\n\nHi!\n\n我可以帮您： / I can help with:\n"
        "【1】注销备案 / Deregister a filing\n【2】网站打不开 / Website can't be accessed\n"
        "回复 1 / 2 选择 / Reply 1 / 2 to choose"
    ]
    assert rendered.payloads == ["/request_deregistration", "/check_accessibility"]
