"""Topic terms of short follow-ups, and how much of a question they cover."""
import pytest

from knowledge.text import content_terms, coverage


@pytest.mark.parametrize(
    "text, terms",
    [
        ("how many per server?", {"many", "server"}),
        ("How many servers?", {"many", "server"}),  # plural folded
        ("access", {"access"}),  # "ss" is not a plural
        ("有效期呢", {"有效", "效期"}),
        ("那北京呢", {"北京"}),
        ("港", {"港"}),  # a lone character counts
        ("是吗？", set()),
        ("what is it?", set()),
        ("ICP备案 for shops", {"icp", "备案", "shop"}),
    ],
)
def test_content_terms(text, terms):
    assert content_terms(text) == terms


@pytest.mark.parametrize(
    "query, question, expected",
    [
        ("有效期呢", "网络文化经营许可证有效期多久？到期要续办吗？", 1.0),
        ("how many per server?", "How many ICP filing authorization codes can one server generate?", 1.0),
        ("how many per server?", "How many websites can one application include?", 0.5),
        ("反过来呢", "怎么申请变更备案？", 0.0),
        ("吗？", "怎么申请变更备案？", 0.0),  # nothing to cover
    ],
)
def test_coverage(query, question, expected):
    assert coverage(query, question) == expected
