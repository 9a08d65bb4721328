"""Every branch of every decision function, the Ask order per path, and input validation."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest

from knowledge.decisions import (
    ADVICE_CODES,
    APPROVED_SUFFIXES,
    DECISION_INPUTS,
    DECISIONS,
    INPUTS,
    MIIT_PUBLIC_QUERY,
    PASSWORD_RECOVERY_EN,
    PASSWORD_RECOVERY_ZH,
    Advice,
    Ask,
    Outcome,
    check_input,
    deregistration_route,
    diagnose_access,
    filing_needed,
    transfer_advice,
)
from knowledge.loader import url_problem
from knowledge.model import Knowledge
from knowledge.text import has_cjk
from tests.knowledge.knowledge_fixtures import S2, S4

def run(kb: Knowledge, decision: str, **inputs: Any) -> Outcome:
    if decision == "dereg":
        outcome = DECISIONS[decision](kb=kb, **inputs)
    else:
        outcome = DECISIONS[decision](**inputs)
    if isinstance(outcome, Advice):
        check_advice(kb, outcome)
    return outcome


def check_advice(kb: Knowledge, advice: Advice) -> None:
    stems = {s.stem for s in kb.sources}
    assert advice.sources and set(advice.sources) <= stems
    assert list(advice.sources) == sorted(set(advice.sources))
    for text in (advice.text, *advice.next_steps):
        assert text.en.strip() and text.zh.strip() and has_cjk(text.zh) and not has_cjk(text.en.replace("域名.信息", ""))
    for link in advice.links:
        assert url_problem(link.url) is None and set(link.sources) <= set(advice.sources)
    assert len(advice.text.en) < 700, "chat-sized"


# Each path: the inputs given so far and what must come next (an Ask slot or an advice code).
PATHS = [
    # filing
    ("filing", {}, Ask("server_location")),
    ("filing", {"server_location": "hong_kong"}, "filing_not_required_outside_mainland"),
    ("filing", {"server_location": "overseas"}, "filing_not_required_outside_mainland"),
    ("filing", {"server_location": "mainland"}, Ask("service_type")),
    ("filing", {"server_location": "mainland", "service_type": "none"}, "filing_not_required_unused"),
    ("filing", {"server_location": "mainland", "service_type": "website"}, Ask("domain_filing")),
    ("filing", {"server_location": "mainland", "service_type": "email"}, Ask("domain_filing")),
    ("filing", {"server_location": "mainland", "service_type": "website", "domain_filing": "this_provider"}, "filing_already_filed"),
    ("filing", {"server_location": "mainland", "service_type": "website", "domain_filing": "other_provider"}, "filing_transfer_required"),
    ("filing", {"server_location": "mainland", "service_type": "email", "domain_filing": "deregistered"}, "filing_deregistered"),
    ("filing", {"server_location": "mainland", "service_type": "website", "domain_filing": "none"}, "filing_required"),
    ("filing", {"server_location": "mainland", "service_type": "email", "domain_filing": "none"}, "filing_required"),
    # access
    ("access", {}, Ask("server_location")),
    ("access", {"server_location": "overseas"}, "access_outside_mainland"),
    ("access", {"server_location": "mainland"}, Ask("domain_filing")),
    ("access", {"server_location": "mainland", "domain_filing": "deregistered"}, "access_deregistered"),
    ("access", {"server_location": "mainland", "domain_filing": "none"}, Ask("application_stage")),
    ("access", {"server_location": "mainland", "domain_filing": "none", "application_stage": "not_applied"}, "access_not_filed"),
    ("access", {"server_location": "mainland", "domain_filing": "none", "application_stage": "in_review"}, "access_filing_in_review"),
    ("access", {"server_location": "mainland", "domain_filing": "none", "application_stage": "preliminarily_approved"}, "access_filing_in_review"),
    ("access", {"server_location": "mainland", "domain_filing": "none", "application_stage": "approved_today"}, "access_wait_sync"),
    ("access", {"server_location": "mainland", "domain_filing": "this_provider", "application_stage": "approved_today"}, "access_wait_sync"),
    ("access", {"server_location": "mainland", "domain_filing": "none", "application_stage": "approved_earlier"}, Ask("server_reachable")),
    ("access", {"server_location": "mainland", "domain_filing": "this_provider", "application_stage": "in_review"}, Ask("server_reachable")),
    ("access", {"server_location": "mainland", "domain_filing": "this_provider", "application_stage": "approved_earlier", "server_reachable": "yes"}, "access_server_issue"),
    ("access", {"server_location": "mainland", "domain_filing": "this_provider", "application_stage": "approved_earlier", "server_reachable": "no"}, "access_resolution_paused"),
    ("access", {"server_location": "mainland", "domain_filing": "other_provider", "application_stage": "approved_earlier", "server_reachable": "no"}, "access_resolution_paused"),
    ("access", {"server_location": "mainland", "domain_filing": "other_provider"}, Ask("application_stage")),
    ("access", {"server_location": "mainland", "domain_filing": "other_provider", "application_stage": "not_applied"}, "access_transfer_needed"),
    ("access", {"server_location": "mainland", "domain_filing": "other_provider", "application_stage": "in_review"}, "access_transfer_in_review"),
    ("access", {"server_location": "mainland", "domain_filing": "other_provider", "application_stage": "preliminarily_approved"}, Ask("server_reachable")),
    ("access", {"server_location": "mainland", "domain_filing": "other_provider", "application_stage": "preliminarily_approved", "server_reachable": "yes"}, "access_transfer_check_server"),
    ("access", {"server_location": "mainland", "domain_filing": "other_provider", "application_stage": "preliminarily_approved", "server_reachable": "no"}, "access_transfer_contact_support"),
    # deregistration
    ("dereg", {}, Ask("dereg_owner")),
    ("dereg", {"dereg_owner": "other_entity"}, Ask("province")),
    ("dereg", {"dereg_owner": "other_entity", "dereg_online": "yes", "dereg_scope": "entity"}, Ask("province")),
    ("dereg", {"dereg_owner": "other_entity", "province": "jiangsu"}, "dereg_other_entity_offline"),
    ("dereg", {"dereg_owner": "other_entity", "province": "shanghai"}, "dereg_other_entity_offline"),
    ("dereg", {"dereg_owner": "own"}, Ask("dereg_online")),
    ("dereg", {"dereg_owner": "own", "province": "jiangsu"}, Ask("dereg_online")),
    ("dereg", {"dereg_owner": "own", "dereg_online": "yes"}, Ask("dereg_scope")),
    ("dereg", {"dereg_owner": "own", "dereg_online": "yes", "dereg_scope": "entity"}, "dereg_online_entity"),
    ("dereg", {"dereg_owner": "own", "dereg_online": "yes", "dereg_scope": "website"}, "dereg_online_website"),
    ("dereg", {"dereg_owner": "own", "dereg_online": "no"}, Ask("province")),
    ("dereg", {"dereg_owner": "own", "dereg_online": "no", "dereg_scope": "entity"}, Ask("province")),
    ("dereg", {"dereg_owner": "own", "dereg_online": "no", "province": "guangdong"}, "dereg_own_offline"),
    ("dereg", {"dereg_owner": "own", "dereg_online": "no", "province": "hunan"}, "dereg_own_offline"),
    # transfer
    ("transfer", {}, Ask("server_location")),
    ("transfer", {"server_location": "hong_kong"}, "transfer_not_needed_outside_mainland"),
    ("transfer", {"server_location": "mainland"}, Ask("domain_filing")),
    ("transfer", {"server_location": "mainland", "domain_filing": "none"}, "transfer_new_filing_needed"),
    ("transfer", {"server_location": "mainland", "domain_filing": "this_provider"}, "transfer_not_needed"),
    ("transfer", {"server_location": "mainland", "domain_filing": "deregistered"}, "transfer_deregistered"),
    ("transfer", {"server_location": "mainland", "domain_filing": "other_provider"}, Ask("provider_change")),
    ("transfer", {"server_location": "mainland", "domain_filing": "other_provider", "provider_change": "add"}, "transfer_multiple_providers"),
    ("transfer", {"server_location": "mainland", "domain_filing": "other_provider", "provider_change": "switch"}, Ask("new_websites")),
    # adding a provider is answered before the server question: its rule covers mainland servers
    ("transfer", {"provider_change": "add"}, "transfer_multiple_providers"),
    ("transfer", {"provider_change": "add", "domain_filing": "this_provider"}, "transfer_multiple_providers"),
    ("transfer", {"provider_change": "add", "domain_filing": "none"}, Ask("server_location")),
    ("transfer", {"provider_change": "add", "domain_filing": "deregistered", "server_location": "mainland"}, "transfer_deregistered"),
    ("transfer", {"server_location": "mainland", "domain_filing": "other_provider", "provider_change": "switch", "new_websites": "yes"}, "transfer_then_new_websites"),
    ("transfer", {"server_location": "mainland", "domain_filing": "other_provider", "provider_change": "switch", "new_websites": "no"}, "transfer_required"),
]


@pytest.mark.parametrize("decision,inputs,expected", PATHS, ids=[f"{d}-{i}" for d, i, _ in PATHS])
def test_paths(kb: Knowledge, decision: str, inputs: Dict[str, str], expected: Any) -> None:
    outcome = run(kb, decision, **inputs)
    if isinstance(expected, Ask):
        assert outcome == expected
    else:
        assert isinstance(outcome, Advice) and outcome.code == expected
        assert expected in ADVICE_CODES[decision]


@pytest.mark.parametrize("decision", sorted(DECISIONS))
def test_asks_only_declared_inputs_in_declared_order(kb: Knowledge, decision: str) -> None:
    """Answering every Ask with each allowed value walks the whole tree; asks follow DECISION_INPUTS."""
    order = DECISION_INPUTS[decision]
    provinces = ["jiangsu", "sichuan"]

    def walk(inputs: Dict[str, str], asked: List[str]) -> None:
        outcome = run(kb, decision, **inputs)
        if isinstance(outcome, Advice):
            return
        assert outcome.slot in order and outcome.slot not in asked and outcome.slot != "domain_suffix"
        if asked:
            assert order.index(outcome.slot) > order.index(asked[-1]) or outcome.slot == "province"
        values = provinces if outcome.slot == "province" else INPUTS[outcome.slot]
        for value in values:
            walk({**inputs, outcome.slot: value}, asked + [outcome.slot])

    walk({}, [])


def test_every_advice_code_is_reachable(kb: Knowledge) -> None:
    reached = set()
    for decision, inputs, _ in PATHS:
        outcome = run(kb, decision, **inputs)
        if isinstance(outcome, Advice):
            reached.add(outcome.code)
    all_codes = [code for codes in ADVICE_CODES.values() for code in codes]
    assert len(all_codes) == len(set(all_codes))
    assert reached == set(all_codes)


# --------------------------------------------------------------------------- facts in the texts


def advice(outcome: Outcome) -> Advice:
    assert isinstance(outcome, Advice)
    return outcome


def everything(a: Advice) -> str:
    return " ".join([a.text.en, a.text.zh] + [s.en + " " + s.zh for s in a.next_steps])


def test_filing_texts() -> None:
    unused = advice(filing_needed(server_location="mainland", service_type="none"))
    assert "identity" in everything(unused) and "实名认证" in everything(unused)
    web = advice(filing_needed(server_location="mainland", service_type="website", domain_filing="none"))
    mail = advice(filing_needed(server_location="mainland", service_type="email", domain_filing="none"))
    assert "under construction" in everything(web) and "mail." in mail.text.en and "mail." not in web.text.en
    outside = advice(filing_needed(server_location="hong_kong"))
    assert "Hong Kong" in outside.text.en and "香港" in outside.text.zh
    second = advice(filing_needed(server_location="mainland", service_type="website", domain_filing="this_provider"))
    assert "second-level" in second.text.en and "二级域名" in second.text.zh


def test_access_texts() -> None:
    base = {"server_location": "mainland"}
    support = advice(diagnose_access(**base, domain_filing="other_provider", application_stage="preliminarily_approved", server_reachable="no"))
    assert "95716 (transfer 3)" in support.text.en and "95716 转 3" in support.text.zh
    assert "45 days" in everything(support) and "45天" in everything(support)
    wait = advice(diagnose_access(**base, domain_filing="none", application_stage="approved_today"))
    assert "half an hour" in wait.text.en and "半小时" in wait.text.zh
    gone = advice(diagnose_access(**base, domain_filing="deregistered"))
    assert "can't be recovered" in gone.text.en and "Communications Administration Bureau" in everything(gone)
    issue = advice(diagnose_access(**base, domain_filing="this_provider", application_stage="approved_earlier", server_reachable="yes"))
    assert "4009-100-100" in everything(issue)
    dns = advice(diagnose_access(server_location="overseas"))
    assert "48 hours" in everything(dns)


@pytest.mark.parametrize(
    "suffix,expected_en",
    [
        (None, "A .com or .net domain must pass identity verification within 5 days"),
        (".com", "A .com domain must pass identity verification within 5 days"),
        ("NET", "A .net domain must pass identity verification within 5 days"),
        (".cn", None),
    ],
)
def test_resolution_paused_depends_on_suffix(suffix: Optional[str], expected_en: Optional[str]) -> None:
    result = advice(
        diagnose_access(
            server_location="mainland",
            domain_filing="this_provider",
            application_stage="approved_earlier",
            server_reachable="no",
            domain_suffix=suffix,
        )
    )
    assert "registry" in result.text.en and "注册局" in result.text.zh
    if expected_en is None:
        assert "5 days" not in result.text.en and "5天" not in result.text.zh
    else:
        assert expected_en in result.text.en and "5天内" in result.text.zh


def test_dereg_other_entity_uses_the_province_links(kb: Knowledge) -> None:
    result = advice(deregistration_route(kb=kb, dereg_owner="other_entity", province="jiangsu"))
    jiangsu = kb.bureau("jiangsu")
    assert jiangsu is not None
    assert result.links[: len(jiangsu.forms)] == jiangsu.forms
    assert MIIT_PUBLIC_QUERY in result.links and APPROVED_SUFFIXES in result.links
    assert "Jiangsu" in result.text.en and "江苏" in result.text.zh and "Download" in result.text.en
    assert "only one website" in everything(result)


def test_dereg_special_online_provinces(kb: Knowledge) -> None:
    shanghai = advice(deregistration_route(kb=kb, dereg_owner="other_entity", province="shanghai"))
    assert "deregister as it requires" in everything(shanghai) and "按要求办理注销" in everything(shanghai)
    assert "form downloads" in everything(shanghai) and "online" not in shanghai.text.en
    hunan = advice(deregistration_route(kb=kb, dereg_owner="own", dereg_online="no", province="hunan"))
    assert "Friday" in everything(hunan) and "每周五" in everything(hunan)
    sichuan = advice(deregistration_route(kb=kb, dereg_owner="own", dereg_online="no", province="sichuan"))
    assert "register an account" in everything(sichuan)
    assert sichuan.links[0].url == "http://sc.beian.miit.gov.cn"


def test_dereg_own_offline_links(kb: Knowledge) -> None:
    result = advice(deregistration_route(kb=kb, dereg_owner="own", dereg_online="no", province="guangdong"))
    assert PASSWORD_RECOVERY_EN in result.links and PASSWORD_RECOVERY_ZH in result.links
    assert result.links[0].url.startswith("http://gd.beian.miit.gov.cn/")
    assert "identity documents" in result.text.en


def test_dereg_online_texts(kb: Knowledge) -> None:
    entity = advice(deregistration_route(kb=kb, dereg_owner="own", dereg_online="yes", dereg_scope="entity"))
    website = advice(deregistration_route(kb=kb, dereg_owner="own", dereg_online="yes", dereg_scope="website"))
    for result in (entity, website):
        assert "3 to 20 business days" in result.text.en and "3至20个工作日" in result.text.zh
        assert "ICP filing password" in everything(result)
        assert "submitted to the bureau" in everything(result)
    assert "all its websites" in entity.text.en and "other filed websites" in website.text.en


@pytest.mark.parametrize(
    "suffix,caution,disagreement",
    [(None, True, False), (".org", True, False), ("name", True, False), (".tv", True, True), (".CC", True, True), (".cn", False, False)],
)
def test_dereg_suffix_caution(kb: Knowledge, suffix: Optional[str], caution: bool, disagreement: bool) -> None:
    for inputs in (
        {"dereg_owner": "other_entity", "province": "beijing"},
        {"dereg_owner": "own", "dereg_online": "yes", "dereg_scope": "website"},
    ):
        result = advice(deregistration_route(kb=kb, domain_suffix=suffix, **inputs))
        text = everything(result)
        assert ("can't be filed again" in text) is caution
        assert (APPROVED_SUFFIXES in result.links) is caution
        assert ("sources disagree" in text) is disagreement
        assert (S2 in result.sources) is (caution or inputs["dereg_owner"] == "other_entity")
    if disagreement:
        assert S4 in result.sources


def test_transfer_texts() -> None:
    base = {"server_location": "mainland", "domain_filing": "other_provider", "provider_change": "switch"}
    required = advice(transfer_advice(**base, new_websites="no"))
    text = everything(required)
    for fact in ("up to 10 websites", "empty shell", "45 days", "can't be changed during a transfer", "filing number still exists"):
        assert fact in text
    first = advice(transfer_advice(**base, new_websites="yes"))
    assert "first" in first.text.en and "at the same time" in first.text.en
    several = advice(transfer_advice(server_location="mainland", domain_filing="other_provider", provider_change="add"))
    assert "doesn't need to be deregistered or changed" in several.text.en


# --------------------------------------------------------------------------- input validation


@pytest.mark.parametrize(
    "slot,value,expected",
    [
        ("server_location", None, None),
        ("server_location", "", None),
        ("server_location", "  Mainland ", "mainland"),
        ("server_reachable", True, "yes"),
        ("new_websites", False, "no"),
        ("domain_suffix", "org", ".org"),
        ("domain_suffix", ".COM.CN", ".com.cn"),
        ("province", " Jiangsu ", "jiangsu"),
    ],
)
def test_check_input(slot: str, value: Any, expected: Optional[str]) -> None:
    assert check_input(slot, value) == expected


@pytest.mark.parametrize(
    "slot,value,message",
    [
        ("colour", "red", "unknown input 'colour'"),
        ("server_location", "moon", "not one of mainland, hong_kong, overseas"),
        ("server_location", True, "expected text"),
        ("application_stage", 3, "expected text"),
        ("domain_suffix", "a b", "not a domain suffix"),
        ("domain_suffix", ".", "not a domain suffix"),
    ],
)
def test_check_input_rejects(slot: str, value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_input(slot, value)


def test_invalid_values_raise_even_off_path(kb: Knowledge) -> None:
    with pytest.raises(ValueError, match="service_type"):
        filing_needed(server_location="overseas", service_type="fax")
    with pytest.raises(ValueError, match="not a bureau id"):
        deregistration_route(kb=kb, dereg_owner="own", province="atlantis")


def test_inputs_table_matches_architecture() -> None:
    assert set(INPUTS) == {
        "server_location", "service_type", "domain_filing", "application_stage", "server_reachable",
        "dereg_owner", "dereg_scope", "dereg_online", "province", "provider_change", "new_websites", "domain_suffix",
    }
    assert INPUTS["province"] == () and INPUTS["domain_suffix"] == ()
    for inputs in DECISION_INPUTS.values():
        assert set(inputs) <= set(INPUTS)
