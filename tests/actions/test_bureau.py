"""Bureau links: the province's links with their sources and notes; asking for the province."""
import pytest
from rasa_sdk.events import SlotSet

from actions.bureau import ActionAskProvince, ActionBureauLink, ValidateBureauForm
from tests.factories import make_form_tracker, make_tracker
from tests.knowledge.knowledge_fixtures import S0, S2

JIANGSU_FORM = "http://js.beian.miit.gov.cn/state/outPortal/queryMutualityDownloadInfo.action?id=2"
HUNAN_FORM = "http://hunca.miit.gov.cn/TGJCMS/bgfjxz2/3082.htm"


@pytest.mark.parametrize(
    "lang, expected",
    [
        (
            "en",
            {
                "response": "utter_bureau_links",
                "province": "Jiangsu",
                "links": (
                    f"1. [js.beian.miit.gov.cn]({JIANGSU_FORM}) — Form page (Deregistering another entity's filing ({S2}))\n"
                    "2. [js.beian.miit.gov.cn](http://js.beian.miit.gov.cn) — The bureau's filing system; the deregistration"
                    f" form can be downloaded there. (Offline deregistration ({S0}))"
                ),
                "notes": "",
            },
        ),
        (
            "zh",
            {
                "response": "utter_bureau_links",
                "province": "江苏",
                "links": (
                    f"1. [js.beian.miit.gov.cn]({JIANGSU_FORM}) — 表格页面 (注销其他单位备案 ({S2}))\n"
                    f"2. [js.beian.miit.gov.cn](http://js.beian.miit.gov.cn) — 管局备案系统，可在此下载注销申请表。 (线下注销 ({S0}))"
                ),
                "notes": "",
            },
        ),
    ],
)
async def test_links_preferred_first_with_sources_and_host(kb, dispatcher, lang, expected):
    tracker = make_tracker(slots={"province": "jiangsu", "language": lang}, intent="ask_bureau_link")
    assert await ActionBureauLink(kb).run(dispatcher, tracker, {}) == []
    assert dispatcher.messages[0]["response"] == expected["response"]
    for key in ("province", "links", "notes"):
        assert dispatcher.messages[0][key] == expected[key], key


async def test_online_bureau_with_its_special_procedure(kb, dispatcher):
    tracker = make_tracker(slots={"province": "hunan", "language": "zh"})
    await ActionBureauLink(kb).run(dispatcher, tracker, {})
    message = dispatcher.messages[0]
    assert message["response"] == "utter_bureau_links_online"
    assert message["province"] == "湖南"
    assert message["links"] == f"1. [hunca.miit.gov.cn]({HUNAN_FORM}) (线下注销 ({S0}); 注销其他单位备案 ({S2}))"
    assert message["notes"] == "\n\n- 每周五统一处理。"


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
