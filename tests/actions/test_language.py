import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.language import ActionChangeLanguage, ActionDetectLanguage, requested_language
from tests.factories import entity, make_tracker


@pytest.mark.parametrize(
    "slots, message, expected",
    [
        ({}, {"text": "hello", "language": "en"}, [SlotSet("language", "en")]),
        ({"language": "en"}, {"text": "你好", "language": "zh"}, [SlotSet("language", "zh")]),
        ({"language": "zh"}, {"text": "你好", "language": "zh"}, []),
        # emoji only: nothing to go by, keep the current language
        ({"language": "zh"}, {"text": "👍"}, []),
        # the web page's first message names the language
        (
            {"language": "en"},
            {"text": '/greet{"language":"zh"}', "entities": [entity("language", "zh")]},
            [SlotSet("language", "zh")],
        ),
        # an explicit preference wins over the language the message is written in
        (
            {"language": "en", "language_preference": "en"},
            {"text": "注销要多久", "language": "zh"},
            [],
        ),
        # ... until the page's toggle names another language
        (
            {"language": "en", "language_preference": "en"},
            {"text": "/greet", "entities": [entity("language", "zh")]},
            [SlotSet("language_preference", "zh"), SlotSet("language", "zh")],
        ),
        ({}, {"text": "x", "entities": [entity("language", "fr")], "language": "en"}, [SlotSet("language", "en")]),
    ],
)
async def test_detect_language(slots, message, expected):
    tracker = make_tracker(slots=slots, **message)
    assert await ActionDetectLanguage().run(CollectingDispatcher(), tracker, {}) == expected


@pytest.mark.parametrize(
    "text, slots, wanted",
    [
        ("请用英文回答", {"language": "zh"}, "en"),
        ("can you speak chinese", {"language": "en"}, "zh"),
        ("不要中文，用英文", {"language": "zh"}, "en"),
        ("switch language", {"language": "en"}, "zh"),
        ("换个语言", {"language": "zh"}, "en"),
        ("换个语言", {"language": "zh", "language_preference": "en"}, "zh"),
    ],
)
async def test_change_language(text, slots, wanted):
    dispatcher = CollectingDispatcher()
    events = await ActionChangeLanguage().run(dispatcher, make_tracker(slots=slots, text=text), {})
    assert events == [SlotSet("language", wanted), SlotSet("language_preference", wanted)]
    assert dispatcher.messages == []  # the rule utters the confirmation afterwards


@pytest.mark.parametrize("page_language", ["zh", "en"])
async def test_page_toggle_names_the_language(page_language):
    # The detect action has already set `language` to the page language, so
    # "switch to the other one" would be wrong here: the entity decides.
    tracker = make_tracker(
        slots={"language": page_language},
        text=f'/change_language{{"language":"{page_language}"}}',
        entities=[entity("language", page_language)],
    )
    events = await ActionChangeLanguage().run(CollectingDispatcher(), tracker, {})
    assert events == [
        SlotSet("language", page_language),
        SlotSet("language_preference", page_language),
    ]


@pytest.mark.parametrize(
    "text, expected",
    [("english please", "en"), ("说中文", "zh"), ("hello", None), ("說國語普通話", "zh")],
)
def test_requested_language(text, expected):
    assert requested_language(text) == expected
