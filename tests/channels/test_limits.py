"""channels.limits: the checks every channel runs before a message reaches Rasa."""
import json
from pathlib import Path

import pytest
import yaml

from channels import limits
from channels.limits import InputRejected, Limits

ROOT = Path(__file__).resolve().parents[2]
SMALL = Limits(
    max_message_chars=10,
    max_sender_chars=12,
    max_metadata_bytes=40,
    max_metadata_depth=2,
    max_request_bytes=1000,
)


# --- configuration ---------------------------------------------------------------------------------


def test_defaults_when_nothing_is_set():
    assert Limits.from_env({}) == Limits()
    assert Limits().max_message_chars == 2000 and Limits().max_request_bytes == 65536


def test_env_overrides_and_empty_values_keep_defaults():
    env = {
        "INPUT_MAX_MESSAGE_CHARS": "500",
        "INPUT_MAX_SENDER_CHARS": " 64 ",
        "INPUT_MAX_METADATA_BYTES": "",
        "INPUT_SENDER_PATTERN": "[a-z]+",
    }
    got = Limits.from_env(env)
    assert (got.max_message_chars, got.max_sender_chars) == (500, 64)
    assert got.max_metadata_bytes == Limits().max_metadata_bytes
    assert got.sender_pattern == "[a-z]+"


@pytest.mark.parametrize(
    "env",
    [
        {"INPUT_MAX_MESSAGE_CHARS": "lots"},
        {"INPUT_MAX_REQUEST_BYTES": "0"},
        {"INPUT_MAX_METADATA_DEPTH": "-1"},
        {"INPUT_SENDER_PATTERN": "[unclosed"},
    ],
)
def test_unusable_configuration_is_an_error(env):
    with pytest.raises(limits.LimitsConfigurationError):
        Limits.from_env(env)


# --- text ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, cleaned",
    [
        ("你好", "你好"),
        ("a\x00b", "ab"),  # NUL
        ("a\x07\x1b[31mb", "a[31mb"),  # bell, escape
        ("line1\r\nline2\rline3", "line1\nline2\nline3"),
        ("tab\tkept", "tab\tkept"),
        ("\u202eevil\u202c", "evil"),  # right-to-left override
        ("\u2067x\u2069\u200f", "x"),  # isolates, RLM
        ("\ufeffzero\u200bwidth", "zerowidth"),
        ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),  # ZWJ sequence kept
        ("", ""),
    ],
)
def test_text_is_cleaned(raw, cleaned):
    checked = limits.check_text(raw, SMALL)
    assert checked.text == cleaned


@pytest.mark.parametrize("bad", ["x\udc00", "\ud800", "ok \udfff ok"])
def test_lone_surrogates_are_rejected(bad):
    with pytest.raises(InputRejected) as refused:
        limits.check_text(bad, SMALL)
    assert refused.value.status == 400 and "Unicode" in refused.value.reason


@pytest.mark.parametrize("bad", [None, 42, ["hi"], {"text": "hi"}])
def test_text_must_be_a_string(bad):
    with pytest.raises(InputRejected):
        limits.check_text(bad, SMALL)


def test_too_long_is_marked_not_truncated():
    assert not limits.check_text("x" * 10, SMALL).too_long
    checked = limits.check_text("x" * 11, SMALL)
    assert checked.too_long and checked.text == "x" * 11
    # counted after cleaning: control characters do not count
    assert not limits.check_text("x" * 10 + "\x00" * 50, SMALL).too_long


def test_too_long_reply_is_bilingual_and_names_the_limit():
    reply = limits.reply_text("too_long", SMALL)
    assert "10" in reply and "shorten" in reply and "精简" in reply


# --- sender id -------------------------------------------------------------------------------------


@pytest.mark.parametrize("good", ["u1", "abc-DEF_1.2", "o6_bmjrPTlm6_2sgVt7hMZOPfL2M", "a@b.c", "x:y+z="])
def test_good_sender_ids(good):
    assert limits.check_sender(good, Limits()) == good


@pytest.mark.parametrize(
    "bad",
    ["", " ", "../x", "a/b", "a b", "x\r\nSet-Cookie: y", "x\u202e", "x\u200f", "x\udc00",
     "-leading", ".hidden", "名字", None, 7, ["u1"]],
)
def test_bad_sender_ids(bad):
    with pytest.raises(InputRejected) as refused:
        limits.check_sender(bad, Limits())
    assert refused.value.status == 400


def test_sender_length():
    assert limits.check_sender("a" * 12, SMALL)
    with pytest.raises(InputRejected, match="longer than 12"):
        limits.check_sender("a" * 13, SMALL)
    with pytest.raises(InputRejected):
        limits.check_sender("a" * 100_000, Limits())


# --- metadata --------------------------------------------------------------------------------------


def nested(depth):
    value = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


@pytest.mark.parametrize("value, depth", [(1, 0), ({}, 1), ([], 1), ({"a": [1]}, 2), (nested(5), 5)])
def test_json_depth(value, depth):
    assert limits.json_depth(value) == depth


def test_json_depth_of_deep_nesting_does_not_recurse():
    assert limits.json_depth(nested(100_000)) == 100_000


def test_metadata_within_limits_is_kept():
    assert limits.check_metadata(None, SMALL) is None
    assert limits.check_metadata({"language": "zh"}, SMALL) == {"language": "zh"}
    assert limits.check_metadata({"a": {"b": 1}}, SMALL) == {"a": {"b": 1}}


@pytest.mark.parametrize(
    "bad, status",
    [
        (nested(3), 400),
        (nested(1000), 400),
        ({"a": "x" * 40}, 413),
        ({"a": "中" * 12}, 413),  # counted in UTF-8 bytes
        ({"a": "x\udc00"}, 400),
        ({"x\udc00": 1}, 400),
        ("string", 400),
        ([1], 400),
    ],
)
def test_metadata_outside_limits_is_rejected(bad, status):
    with pytest.raises(InputRejected) as refused:
        limits.check_metadata(bad, SMALL)
    assert refused.value.status == status


# --- /intent{...} shortcuts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "hello",
        "浙江管局注销申请表在哪下载",
        "/greet",
        '/inform{"province":"jiangsu"}',
        '/inform{"province":"inner_mongolia"}',
        '/inform{"server_location":"hong_kong"}',
        '/inform{"domain":"example.com.cn"}',
        '/inform{"domain":"xn--fsqu00a.xn--fiqs8s"}',
        '/inform{"domain_suffix":".com.cn"}',
        '/request_human{"handoff_reason":"fallback"}',
        '/faq{"faq_id":"dereg_duration"}',
        "/faq/dereg_duration",
        '/greet{"language":"zh"}',
        '/inform{"icp_number":"京ICP备11018762号-1"}',
    ],
)
def test_well_formed_texts_and_shortcuts_pass_unchanged(text):
    assert limits.clean_shortcut(text) == text


@pytest.mark.parametrize(
    "text, cleaned",
    [
        ('/inform{"domain":"<img src=x onerror=alert(1)>"}', "/inform"),
        ('/inform{"domain":"[click](http://evil.example)"}', "/inform"),
        ('/inform{"province":"{slot}"}', "/inform"),
        ('/inform{"province":"{{7*7}}"}', "/inform"),
        ('/inform{"province":"%s"}', "/inform"),
        ('/inform{"province":"x\'; DROP TABLE events;--"}', "/inform"),
        ('/inform{"province":"jiangsu","domain":"<b>"}', '/inform{"province":"jiangsu"}'),
        ('/inform{"server_location":"moon"}', "/inform"),
        ('/inform{"language":"fr"}', "/inform"),
        ('/inform{"handoff_status":"waiting"}', "/inform"),  # not an entity a user may set
        ('/inform{"province":["jiangsu","zhejiang"]}', "/inform"),
        ('/inform{"province":7}', "/inform"),
        ('/inform{"province":{"nested":"x"}}', "/inform"),
        ('/inform{"icp_number":"京ICP备<x>号"}', "/inform"),
        ("/inform{not json}", "/inform"),
        ('/inform@0.1{"province":"jiangsu"}', '/inform{"province":"jiangsu"}'),
        ('/inform{"province":"jiangsu"}trailing', '/inform{"province":"jiangsu"}'),
        ("  /greet  ", "/greet"),
        ("/session_start", "session_start"),
        ("/session_start{}", "session_start{}"),
        ("/<script>", "<script>"),
        ("/", ""),
        ("/ hello there", "hello there"),
    ],
)
def test_shortcuts_keep_only_well_formed_values(text, cleaned):
    assert limits.clean_shortcut(text) == cleaned


def test_domain_format():
    assert limits.valid_entity("domain", "例子.中国")
    assert limits.valid_entity("domain", "EXAMPLE.com")
    assert not limits.valid_entity("domain", "localhost")
    assert not limits.valid_entity("domain", "a" * 64 + ".com")
    assert not limits.valid_entity("domain", "x.com/<script>")
    assert not limits.valid_entity("domain", "x\udc00.com")


def test_every_domain_entity_has_a_format():
    """A new entity must be added to ENTITY_FORMATS, or shortcuts would silently drop it."""
    entities = set()
    for path in sorted((ROOT / "domain").glob("*.yml")):
        for entity in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("entities") or []:
            entities.add(entity if isinstance(entity, str) else next(iter(entity)))
    assert entities, "no entities found in domain/"
    assert entities <= set(limits.ENTITY_FORMATS), entities - set(limits.ENTITY_FORMATS)


def test_cleaned_shortcut_is_compact_json():
    cleaned = limits.clean_shortcut('/inform{ "province" : "jiangsu" }')
    assert cleaned == "/inform" + json.dumps({"province": "jiangsu"}, separators=(",", ":"))


# --- request size ----------------------------------------------------------------------------------


class _App:
    class config:  # noqa: N801 - stands in for Sanic's app.config
        REQUEST_MAX_SIZE = 100_000_000


def test_request_size_is_lowered_never_raised():
    app = _App()
    assert limits.request_size_limit(app, SMALL) == 1000
    assert limits.request_size_limit(app, Limits(max_request_bytes=5000)) == 1000
