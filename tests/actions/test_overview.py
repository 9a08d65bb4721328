"""Answer first: dialog openers answered before any question, follow-ups in the last topic, one
message per answer within the length budget."""
import pytest
from rasa_sdk.events import SlotSet

from actions.accessibility import ActionAccessibilityOverview
from actions.deregistration import ActionDeregistrationOverview
from actions.dialog import ActionStopDialog
from actions.fallback import ActionStrayAnswer
from actions.overview import ActionReplyNo, opener_value
from actions.reply import ActionMoreDetails, bureau_answer
from tests.factories import entity, make_tracker

MAX_REPLY = 700


def rendered(domain, message, lang):
    """The message as the user gets it: the domain text filled in, plus button titles."""
    variations = domain["responses"][message["response"]]
    variation = next(v for v in variations if (v.get("condition") or [{}])[0].get("value") == lang) if lang == "zh" else variations[-1]
    keys = {k: v for k, v in message.items() if isinstance(v, str)}
    text = variation["text"].format(**{**{"intro": ""}, **keys})
    titles = [b["title"] for b in (variation.get("buttons") or []) + (message.get("buttons") or [])]
    return text + "".join(titles)


def slot_events(events, name):
    return [e["value"] for e in events if e.get("name") == name]


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_a_province_and_deregistration_get_that_provinces_form_at_once(real_kb, dispatcher, domain, lang):
    tracker = make_tracker(slots={"province": "zhejiang", "language": lang}, text="zhejiang deregistration form",
                           intent="request_deregistration", entities=[entity("province", "zhejiang")])
    events = await ActionDeregistrationOverview(real_kb).run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["response"] in ("utter_answer", "utter_answer_more")
    assert "zj.beian.miit.gov.cn" in message["body"] and ";jsessionid" not in message["body"]
    assert {"en": "Zhejiang deregistration form", "zh": "浙江注销申请表"}[lang] in message["body"]
    assert "\n\n" not in message["body"] and "000_" not in message["source"]
    assert slot_events(events, "topic") == ["deregistration"]


@pytest.mark.parametrize("lang, words", [("en", "apply online through it"), ("zh", "在线申请注销")])
async def test_how_do_i_deregister_gets_the_general_route_then_the_province_question(real_kb, dispatcher, domain, lang, words):
    tracker = make_tracker(slots={"language": lang}, text="how do I deregister", intent="request_deregistration")
    await ActionDeregistrationOverview(real_kb).run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_deregistration_overview"
    assert words in message["body"]
    assert len(rendered(domain, message, lang)) < MAX_REPLY + 100


async def test_another_entitys_filing_with_the_province_said_before(real_kb, dispatcher, domain):
    tracker = make_tracker(slots={"province": "jiangsu", "language": "en"}, text="and if it's another company's filing?",
                           intent="request_deregistration")
    events = await ActionDeregistrationOverview(real_kb).run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["intro"].startswith("For Jiangsu, as you said before")
    assert "Another entity's filing" in message["body"]
    assert "js.beian.miit.gov.cn" in message["body"]
    assert slot_events(events, "dereg_owner") == ["other_entity"]


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_site_cant_be_opened_gets_the_common_causes_and_an_offer(real_kb, dispatcher, domain, lang):
    # server_location from an earlier dialog is a fact of that case: not used, and forgotten
    tracker = make_tracker(slots={"language": lang, "server_location": "overseas"}, text="my site won't open",
                           intent="check_accessibility")
    events = await ActionAccessibilityOverview(real_kb).run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_accessibility_overview"
    assert message["body"] == real_kb.faq_by_id("access_why_inaccessible").answer.get(lang).strip()
    assert SlotSet("server_location", None) in events
    payloads = [b["payload"] for b in domain["responses"]["utter_accessibility_overview"][0]["buttons"]]
    assert "/affirm" in payloads


async def test_a_message_that_says_enough_gets_the_advice(real_kb, dispatcher, domain):
    tracker = make_tracker(slots={"language": "en", "server_location": "hong_kong"}, text="my hong kong site won't open",
                           intent="check_accessibility", entities=[entity("server_location", "hong_kong")])
    await ActionAccessibilityOverview(real_kb).run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["response"] in ("utter_answer", "utter_answer_more")
    assert "outside mainland China" in message["body"]


@pytest.mark.parametrize("lang, text, province, name", [("zh", "那福建呢", "fujian", "福建"), ("en", "what about yunnan", "yunnan", "Yunnan")])
async def test_an_elliptical_follow_up_gets_the_same_topic_for_the_new_province(real_kb, dispatcher, domain, lang, text, province, name):
    tracker = make_tracker(slots={"language": lang, "province": province, "topic": "deregistration"}, text=text,
                           intent="inform", entities=[entity("province", province)])
    events = await ActionStrayAnswer(real_kb).run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["response"] in ("utter_answer", "utter_answer_more")
    assert name in message["body"] and "http" in message["body"]
    assert message["intro"] == ""


async def test_a_follow_up_in_the_accessibility_topic_keeps_the_rest_of_the_case(real_kb, dispatcher, domain):
    slots = {"language": "en", "topic": "accessibility", "server_location": "hong_kong"}
    tracker = make_tracker(slots=slots, text="what about a hong kong server", intent="inform",
                           entities=[entity("server_location", "hong_kong")])
    await ActionStrayAnswer(real_kb).run(dispatcher, tracker, domain)
    assert "outside mainland China" in dispatcher.messages[0]["body"]


async def test_without_a_topic_a_province_is_noted(real_kb, dispatcher, domain):
    tracker = make_tracker(slots={"language": "zh", "province": "jiangsu"}, text="江苏", intent="inform",
                           entities=[entity("province", "jiangsu")])
    await ActionStrayAnswer(real_kb).run(dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_noted", "utter_capabilities"]


async def test_skip_inside_a_dialog_gives_the_general_answer(real_kb, dispatcher, domain):
    events = [{"event": "active_loop", "name": "transfer_form"}, {"event": "user", "text": "skip"}]
    tracker = make_tracker(slots={"language": "en"}, events=events, text="skip", intent="stop")
    await ActionStopDialog(real_kb).run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["intro"] == "OK, no more questions. In general:\n"
    assert message["body"] == real_kb.faq_by_id("transfer_when_required").answer.en


@pytest.mark.parametrize("details, response", [("- step two", "utter_more_details"), (None, "utter_no_more_details")])
async def test_more_details(dispatcher, details, response):
    events = await ActionMoreDetails().run(dispatcher, make_tracker(slots={"more_details": details}), {})
    assert dispatcher.messages[0]["response"] == response
    assert events == ([SlotSet("more_details", None)] if details else [])


@pytest.mark.parametrize(
    "slot, text, value",
    [
        ("dereg_owner", "how do I deregister another company's filing on my domain?", "other_entity"),
        ("dereg_owner", "新买的域名上有别人的备案怎么注销", "other_entity"),
        ("dereg_scope", "我想注销整个主体", "entity"),
        ("dereg_owner", "how do I deregister my own filing", "own"),
        ("dereg_owner", "can I own a filing", None),  # "own" alone is too short to trust in a question
    ],
)
def test_answer_words_in_an_opening_question(slot, text, value):
    assert opener_value(slot, text) == value


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_provinces_answer_fits_in_a_chat_message(real_kb, domain, lang):
    """p95 under 700 characters, buttons included: every province's deregistration answer is under it."""
    lengths = []
    for bureau in real_kb.bureaus:
        from rasa_sdk.executor import CollectingDispatcher

        dispatcher = CollectingDispatcher()
        tracker = make_tracker(slots={"language": lang, "province": bureau.id}, entities=[entity("province", bureau.id)])
        bureau_answer(dispatcher, tracker, domain, real_kb, bureau, deregistration=True)
        [message] = dispatcher.messages
        text = rendered(domain, message, lang)
        assert "\n\n" not in text and ";jsessionid" not in text
        lengths.append(len(text))
    assert max(lengths) < MAX_REPLY, max(lengths)


async def test_a_follow_up_in_words_changes_the_case(real_kb, dispatcher, domain):
    """"and if it's another company's filing?" after a Jiangsu answer: no entity, but the
    deregistration dialog's answer words."""
    tracker = make_tracker(slots={"language": "en", "province": "jiangsu", "topic": "deregistration"},
                           text="and if it's another company's filing?", intent="inform", confidence=0.23)
    events = await ActionStrayAnswer(real_kb).run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert "Another entity's filing" in message["body"] and "js.beian.miit.gov.cn" in message["body"]
    assert slot_events(events, "dereg_owner") == ["other_entity"]


async def test_a_value_with_words_around_it_is_read_in_the_topic_the_nlu_ranked_next(real_kb, dispatcher, domain):
    ranking = [{"name": "inform", "confidence": 0.42}, {"name": "request_deregistration", "confidence": 0.27}]
    tracker = make_tracker(slots={"language": "zh", "province": "hunan"}, text="注消湖南的备案", intent="inform",
                           confidence=0.42, intent_ranking=ranking, entities=[entity("province", "hunan", 2, 4)])
    await ActionStrayAnswer(real_kb).run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert "湖南" in message["body"] and "hunca.miit.gov.cn" in message["body"]


async def test_long_details_come_in_chat_sized_parts(dispatcher, domain):
    lines = [f"- step {n}: " + "x" * 150 for n in range(6)]
    events = await ActionMoreDetails().run(dispatcher, make_tracker(slots={"more_details": "\n".join(lines), "language": "en"}), domain)
    [message] = dispatcher.messages
    assert message["details"].splitlines() == lines[:2]
    assert [b["payload"] for b in message["buttons"]] == ["/more_details"]
    assert events == [SlotSet("more_details", "\n".join(lines[2:]))]


def test_many_sources_are_named_by_provider(real_kb):
    from actions.render import source_titles

    stems = [source.stem for source in real_kb.sources]
    assert source_titles(real_kb, stems, "en") == "JD Cloud; Alibaba Cloud; Tencent Cloud"
    assert source_titles(real_kb, stems[3:], "zh") == "腾讯云 备案号常见问题；腾讯云 ICP 备案常见问题"


def after_overview(topic):
    """Events of a conversation whose last bot reply was the topic's overview (the offer)."""
    return [
        {"event": "user", "text": "question"},
        {"event": "action", "name": f"action_{topic}_overview"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "reply"},
    ]


async def test_a_reply_to_the_offer_in_words_starts_the_dialog_with_what_it_says(real_kb, dispatcher, domain):
    tracker = make_tracker(slots={"language": "en", "topic": "transfer"}, events=after_overview("transfer"),
                           text="the filing was done with our previous hosting company", intent="nlu_fallback")
    events = await ActionStrayAnswer(real_kb).run(dispatcher, tracker, domain)
    assert slot_events(events, "domain_filing") == ["other_provider"]
    assert [e["name"] for e in events if e.get("event") == "followup"] == ["transfer_form"]


async def test_a_reply_to_the_offer_that_says_enough_gets_the_advice(real_kb, dispatcher, domain):
    tracker = make_tracker(slots={"language": "en", "topic": "deregistration", "province": "hunan"},
                           events=after_overview("deregistration"),
                           text="it belongs to whoever owned the domain before me", intent="inform")
    events = await ActionStrayAnswer(real_kb).run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["response"] in ("utter_answer", "utter_answer_more")
    assert slot_events(events, "dereg_owner") == ["other_entity"]
    assert not [e for e in events if e.get("event") == "followup"]


async def test_skip_right_after_the_offer_gives_the_general_answer(real_kb, dispatcher, domain):
    tracker = make_tracker(slots={"language": "en"}, events=after_overview("deregistration"),
                           text="skip, just tell me the general answer", intent="stop")
    await ActionStopDialog(real_kb).run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message.get("response") != "utter_dialog_stopped"
    assert "offline" in str(message)


@pytest.mark.parametrize("lang, words", [("en", "no separate rule for Guangdong"), ("zh", "没有广东的单独规定")])
async def test_a_province_after_a_national_answer_gets_that_answer_for_it(real_kb, dispatcher, domain, lang, words):
    events = [
        {"event": "user", "text": "question"},
        {"event": "action", "name": "action_answer_faq"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "guangdong"},
    ]
    tracker = make_tracker(slots={"language": lang, "topic": "password", "last_faq_id": "password_reset",
                                  "province": "guangdong"},
                           events=events, text="guangdong", intent="inform", entities=[entity("province", "guangdong")])
    await ActionStrayAnswer(real_kb).run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_faq_answer"
    assert real_kb.faq_by_id("password_reset").answer.get(lang).strip() in message["answer"]
    if "utter_intro_same_in_province" in domain["responses"]:  # the domain of branch answer2-nlu
        assert words in message["answer"]


async def test_another_entitys_filing_with_its_province_in_the_question_gets_the_form(real_kb, dispatcher, domain):
    from actions.faq import ActionAnswerFaq

    tracker = make_tracker(slots={"language": "en", "province": "sichuan"},
                           text="old filing on a domain I bought, bureau is in sichuan, what's the link", intent="faq",
                           entities=[entity("province", "sichuan")],
                           response_key="faq/dereg_other_entity")
    events = await ActionAnswerFaq(real_kb).run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["response"] in ("utter_answer", "utter_answer_more")
    assert "sc.beian.miit.gov.cn" in str(message) or "Sichuan" in str(message)
    assert slot_events(events, "dereg_owner") == ["other_entity"]


async def test_a_reply_to_the_offer_with_only_a_province_is_a_follow_up(real_kb, dispatcher, domain):
    tracker = make_tracker(slots={"language": "zh", "province": "guangdong", "topic": "deregistration"},
                           events=after_overview("deregistration"), text="粤ICP备17123456号", intent="inform",
                           entities=[entity("province", "guangdong")])
    events = await ActionStrayAnswer(real_kb).run(dispatcher, tracker, domain)
    assert not [e for e in events if e.get("event") == "followup"]
    assert "gd.beian.miit.gov.cn" in str(dispatcher.messages)


async def test_another_province_after_a_provinces_form_gets_that_provinces_form(real_kb, dispatcher, domain):
    """"上海的呢 also offline?" after Zhejiang's form: "offline" would answer the deregistration
    case's question, but the form already is the offline route; the user wants Shanghai's."""
    events = [{"event": "user", "text": "浙江的deregistration form在哪里"}, {"event": "action", "name": "action_bureau_link"},
              {"event": "user", "text": "上海的呢 also offline?"}]
    tracker = make_tracker(slots={"language": "zh", "province": "shanghai", "topic": "bureau"}, events=events,
                           text="上海的呢 also offline?", intent="inform", entities=[entity("province", "shanghai")])
    events = await ActionStrayAnswer(real_kb).run(dispatcher, tracker, domain)
    assert not [e for e in events if e.get("event") == "followup"]
    assert "sh.beian.miit.gov.cn" in str(dispatcher.messages) or "上海" in str(dispatcher.messages[0])
    assert "dereg_owner" not in str(dispatcher.messages)


@pytest.mark.parametrize(
    "lang, text", [("zh", "不是我的，是这个域名上一任主人的"), ("en", "no, it is the previous owner's old filing")]
)
async def test_a_no_that_answers_the_offered_case_goes_on_with_it(real_kb, dispatcher, domain, lang, text):
    tracker = make_tracker(slots={"language": lang, "topic": "deregistration"}, events=after_overview("deregistration"),
                           text=text, intent="deny")
    events = await ActionReplyNo(real_kb).run(dispatcher, tracker, domain)
    assert slot_events(events, "dereg_owner") == ["other_entity"]
    # the dialog goes on from there (its form asks what is still missing)
    assert [e["name"] for e in events if e.get("event") == "followup"] == ["deregistration_form"]
    assert "utter_anything_else" not in str(dispatcher.messages)


@pytest.mark.parametrize("text, topic", [("不用了，谢谢", "filing"), ("no thanks", "transfer"), ("没有了", "deregistration"),
                                         ("no, the previous owner's filing is not mine", None)])
async def test_a_plain_no_gets_anything_else(real_kb, dispatcher, domain, text, topic):
    events = after_overview(topic) if topic else [{"event": "user", "text": "q"}, {"event": "action", "name": "action_answer_faq"},
                                                   {"event": "user", "text": text}]
    tracker = make_tracker(slots={"language": "zh"}, events=events, text=text, intent="deny")
    assert await ActionReplyNo(real_kb).run(dispatcher, tracker, domain) == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_anything_else"]


@pytest.mark.parametrize("topic, advised", [("deregistration", True), ("transfer", False), (None, False)])
async def test_another_entitys_filing_as_a_follow_up_on_a_known_province(real_kb, dispatcher, domain, topic, advised):
    """"and if it's another company's filing?" after Zhejiang's deregistration answer: Zhejiang's
    form for that case; after another topic, the general answer (which asks for the province)."""
    from actions.faq import ActionAnswerFaq

    tracker = make_tracker(slots={"language": "en", "province": "zhejiang", "topic": topic},
                           text="and if it's another company's filing?", intent="faq",
                           response_key="faq/dereg_other_entity")
    events = await ActionAnswerFaq(real_kb).run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert ("zj.beian.miit.gov.cn" in str(message)) is advised
    assert (slot_events(events, "dereg_owner") == ["other_entity"]) is advised
