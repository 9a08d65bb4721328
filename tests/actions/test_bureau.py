"""Bureau links: the province's links with their sources and notes; asking for the province."""
import pytest
from rasa_sdk.events import SlotSet

from actions.bureau import ActionAskProvince, ActionBureauLink, ValidateBureauForm
from tests.factories import entity, make_form_tracker, make_tracker

JIANGSU_FORM = "http://js.beian.miit.gov.cn/state/outPortal/queryMutualityDownloadInfo.action?id=2"
HUNAN_FORM = "http://hunca.miit.gov.cn/TGJCMS/bgfjxz2/3082.htm"


@pytest.mark.parametrize(
    "lang, lead, link, source",
    [
        (
            "en",
            "To deregister a Jiangsu filing offline, download the Jiangsu Communications Administration Bureau's form",
            f"- [Jiangsu deregistration form (bureau system)]({JIANGSU_FORM}) — Form page",
            "JD Cloud Offline deregistration; Alibaba Cloud Deregistering another entity's filing",
        ),
        (
            "zh",
            "江苏的备案线下注销：下载江苏通信管理局的注销申请表",
            f"- [江苏注销申请表（管局备案系统）]({JIANGSU_FORM}) — 表格页面",
            "京东云 线下注销；阿里云 注销其他单位备案",
        ),
    ],
)
async def test_links_in_one_message_labelled_with_readable_sources(kb, dispatcher, domain, lang, lead, link, source):
    tracker = make_tracker(
        slots={"province": "jiangsu", "language": lang}, intent="ask_bureau_link", entities=[entity("province", "jiangsu")]
    )
    events = await ActionBureauLink(kb).run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_answer"
    assert message["intro"] == ""
    body = message["body"].splitlines()
    assert body[0].startswith(lead)
    assert body[1] == link
    # the host is the filing system, labelled as such, not by its name
    assert body[2].startswith("- [") and "](http://js.beian.miit.gov.cn)" in body[2]
    assert message["source"] == source
    assert SlotSet("topic", "bureau") in events


async def test_bureau_with_its_special_procedure(kb, dispatcher, domain):
    # No seed says a bureau deregisters online in its own system (issue 12, point 3): the form
    # lead line, then the bureau's own notes.
    tracker = make_tracker(slots={"province": "hunan", "language": "zh"}, entities=[entity("province", "hunan")])
    await ActionBureauLink(kb).run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["body"].splitlines() == [
        "湖南的备案线下注销：下载湖南通信管理局的注销申请表，按表格要求填写，并按表中说明的方式连同证件一起提交。",
        f"- [湖南通信管理局网站]({HUNAN_FORM})",
        "- 每周五统一处理。",
    ]


async def test_a_province_from_an_earlier_message_is_named(kb, dispatcher, domain):
    tracker = make_tracker(slots={"province": "jiangsu", "language": "en"}, intent="ask_bureau_link")
    await ActionBureauLink(kb).run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["intro"].startswith("For Jiangsu, as you said before")


async def test_shanxi_in_latin_letters_is_asked(kb, dispatcher, domain):
    tracker = make_tracker(
        slots={"province": "shanxi", "language": "en"}, text="shanxi form", entities=[entity("province", "shanxi", 0, 6)]
    )
    events = await ActionBureauLink(kb).run(dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_shanxi_or_shaanxi"]
    assert SlotSet("province", None) in events


@pytest.mark.parametrize("province", [None, "atlantis"])
async def test_without_a_province_offers_province_buttons(kb, dispatcher, province):
    """Only reachable inside another dialog (bureau_form asks otherwise)."""
    tracker = make_tracker(slots={"province": province}, intent="ask_bureau_link", active_loop="transfer_form")
    assert await ActionBureauLink(kb).run(dispatcher, tracker, {}) == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_bureau_which_province"]


@pytest.mark.parametrize(
    "requested, candidates, text, intent, expected",
    [
        # the province came with the question (slot mapping): the form is done at once
        (None, {"province": "jiangsu"}, "江苏管局链接", "ask_bureau_link", [SlotSet("province", "jiangsu")]),
        # opened without one: nothing to validate, Rasa asks for it
        (None, {}, "where is the deregistration form for my province", "ask_bureau_link", []),
        # typed answers the extractor missed
        ("province", {}, "jiang su sheng", "inform", [SlotSet("province", "jiangsu")]),
        ("province", {}, "湘", "inform", [SlotSet("province", "hunan")]),
        ("province", {}, "Jiangsu bureau link please", "ask_bureau_link", [SlotSet("province", "jiangsu")]),
        # an unknown place: the closest names, or none
        ("province", {}, "jaingsu", "inform", [SlotSet("province_candidates", ["jiangsu"])]),
        ("province", {}, "Atlantis", "nlu_fallback", [SlotSet("province_candidates", [])]),
        # another question: left to the rules
        ("province", {}, "how long does deregistration take", "faq", []),
        # a stale value is dropped
        (None, {"province": "atlantis"}, "/inform", "inform", [SlotSet("province", None)]),
    ],
)
async def test_validate_bureau_form(kb, dispatcher, domain, requested, candidates, text, intent, expected):
    tracker = make_form_tracker("bureau_form", requested=requested, candidates=candidates, text=text, intent=intent)
    assert await ValidateBureauForm(kb).run(dispatcher, tracker, domain) == expected
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    "candidates, lang, response, buttons",
    [
        (None, "en", "utter_ask_province", []),
        (["jiangsu", "hunan"], "en", "utter_ask_province_candidates", [("Jiangsu", "jiangsu"), ("Hunan", "hunan")]),
        (["jiangsu"], "zh", "utter_ask_province_candidates", [("江苏", "jiangsu")]),
        ([], "zh", "utter_ask_province_unknown", []),
    ],
)
async def test_ask_province_offers_did_you_mean(kb, dispatcher, candidates, lang, response, buttons):
    tracker = make_tracker(slots={"province_candidates": candidates, "language": lang, "requested_slot": "province"})
    events = await ActionAskProvince(kb).run(dispatcher, tracker, {})
    message = dispatcher.messages[0]
    assert message["response"] == response
    assert [(b["title"], b["payload"]) for b in message["buttons"]] == [
        (title, f'/inform{{"province":"{bureau_id}"}}') for title, bureau_id in buttons
    ]
    assert events == ([] if candidates is None else [SlotSet("province_candidates", None)])
