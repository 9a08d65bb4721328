"""Issue 12: the decision logic and answers checked line by line against the seeds, one test per point.

These read the real data (knowledge/data), FAQ included: each point is about what the assistant
actually says.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from knowledge.decisions import (
    APPROVED_SUFFIXES,
    BEIJING_FILEABLE,
    BEIJING_UNFILEABLE,
    BRANCHES,
    UNAPPROVED_SUFFIX_EXAMPLES,
    Advice,
    Outcome,
    deregistration_route,
    diagnose_access,
    filing_needed,
    transfer_advice,
)
from knowledge.loader import DEFAULT_DATA_DIR, load_knowledge
from knowledge.model import Knowledge
from tests.knowledge.knowledge_fixtures import S0, S1, S2, S3, S4

README = Path(__file__).resolve().parents[2] / "knowledge" / "README.md"
MAINLAND = {"server_location": "mainland"}
APPROVED = {"server_location": "mainland", "domain_filing": "this_provider", "application_stage": "approved_earlier"}
TRANSFER_WAITING = {"server_location": "mainland", "domain_filing": "other_provider", "application_stage": "preliminarily_approved"}
SWITCH = {"server_location": "mainland", "domain_filing": "other_provider", "provider_change": "switch"}


@pytest.fixture(scope="module")
def real() -> Knowledge:
    return load_knowledge(DEFAULT_DATA_DIR)


def advice(outcome: Outcome) -> Advice:
    assert isinstance(outcome, Advice)
    return outcome


def everything(a: Advice) -> str:
    return " ".join([a.text.en, a.text.zh] + [s.en + " " + s.zh for s in a.next_steps])


def answer(kb: Knowledge, entry_id: str) -> str:
    entry = kb.faq_by_id(entry_id)
    assert entry is not None, entry_id
    return entry.answer.en + "\n" + entry.answer.zh


def every_advice(kb: Knowledge) -> List[Advice]:
    """Walk every decision tree with every value (a few provinces and suffixes)."""
    from knowledge.decisions import DECISIONS, INPUTS, Ask

    found: List[Advice] = []

    def walk(decision: str, inputs: Dict[str, Any]) -> None:
        call = DECISIONS[decision]
        outcome = call(kb=kb, **inputs) if decision == "dereg" else call(**inputs)
        if isinstance(outcome, Ask):
            values = ["shanghai", "jiangsu"] if outcome.slot == "province" else INPUTS[outcome.slot]
            for value in values:
                walk(decision, {**inputs, outcome.slot: value})
        else:
            found.append(outcome)

    for decision in DECISIONS:
        walk(decision, {})
    for suffix in (".org", ".cc", ".info", ".xyz", ".com", None):
        walk("dereg", {"domain_suffix": suffix})
        walk("access", {"domain_suffix": suffix})
    return found


# --------------------------------------------------------------------------- 1. unapproved suffixes


@pytest.mark.parametrize(
    "suffix, branches, says, sources",
    [
        # shown as fileable by seed 004 (Beijing's list): no warning at all
        (".com", ("suffix_fileable",), None, ()),
        (".xin", ("suffix_fileable",), None, ()),
        (".com.cn", ("suffix_fileable",), None, ()),
        (".我爱你", ("suffix_fileable",), None, ()),
        # named unapproved by seed 002: the firm warning (.org also on 004's Beijing "cannot" list)
        (".name", ("suffix_unapproved",), "names .name among the suffixes MIIT has not approved", (S2,)),
        (".org", ("suffix_unapproved", "suffix_beijing_unfileable"), "agrees for Beijing", (S2, S4)),
        # named by 002, fileable in Beijing by 004: both versions
        (".tv", ("suffix_disputed",), "The sources disagree", (S2, S4)),
        (".cc", ("suffix_disputed",), "The sources disagree", (S2, S4)),
        # seed 004's suffixes Beijing won't file
        (".info", ("suffix_beijing_unfileable",), "can't be filed in Beijing", (S2, S4)),
        (".me", ("suffix_beijing_unfileable",), "can't be filed in Beijing", (S2, S4)),
        (".asia", ("suffix_beijing_unfileable",), "can't be filed in Beijing", (S2, S4)),
        # anything else: check MIIT's list, no invented verdict
        (".xyz", ("suffix_check_list",), "Check that .xyz is on MIIT's approved list (http://域名.信息) before deregistering", (S2,)),
        (".io", ("suffix_check_list",), "if it isn't, the domain can't be filed again", (S2,)),
        (None, ("suffix_unknown",), "every suffix missing from MIIT's approved list (http://域名.信息) is unapproved", (S2,)),
    ],
)
def test_1_suffix_warning_follows_what_the_seeds_show(
    real: Knowledge, suffix: Optional[str], branches: tuple, says: Optional[str], sources: tuple
) -> None:
    for inputs in (
        {"dereg_owner": "other_entity", "province": "beijing"},
        {"dereg_owner": "own", "dereg_online": "yes", "dereg_scope": "entity"},
        {"dereg_owner": "own", "dereg_online": "no", "province": "jiangsu"},
    ):
        result = advice(deregistration_route(kb=real, domain_suffix=suffix, **inputs))
        assert result.branches[1:] == branches
        text = everything(result)
        if says is None:
            assert "http://域名.信息" not in text and "Careful" not in text and APPROVED_SUFFIXES not in result.links
            assert "if its suffix allows" not in result.text.en
        else:
            assert says in text and APPROVED_SUFFIXES in result.links
            assert set(sources) <= set(result.sources)


def test_1_suffix_lists_are_the_seeds_own() -> None:
    assert UNAPPROVED_SUFFIX_EXAMPLES == (".org", ".cc", ".tv", ".name")
    assert {".info", ".me", ".co", ".asia", ".hk", ".tw", ".jp", ".so", ".org"} == set(BEIJING_UNFILEABLE)
    assert {".com", ".cn", ".gov", ".net", ".top", ".xin"} <= set(BEIJING_FILEABLE)


# --------------------------------------------------------------------------- 2. blacklisting, the four causes


def test_2_all_four_causes_with_what_follows(real: Knowledge) -> None:
    text = answer(real, "dereg_why_number_deregistered")
    for fact in (
        "applied itself",
        "only that website, and the others keep their filing",
        "spot check",
        "MIIT",
        "blacklisted and can't re-apply with its identity document number or website name",
        "列入黑名单",
        "抽查",
    ):
        assert fact in text, fact
    gone = advice(diagnose_access(**MAINLAND, domain_filing="deregistered"))
    for fact in ("spot check", "blacklisted", "only one", "列入黑名单"):
        assert fact in everything(gone), fact


@pytest.mark.parametrize("entry_id", ["dereg_refile_after", "dereg_recover_number", "dereg_how"])
def test_2_re_applying_depends_on_the_cause(real: Knowledge, entry_id: str) -> None:
    text = answer(real, entry_id)
    assert "blacklisted" in text and "黑名单" in text
    assert not text.startswith("Yes.")


@pytest.mark.parametrize(
    "decision, inputs",
    [
        (filing_needed, {**MAINLAND, "service_type": "website", "domain_filing": "deregistered"}),
        (transfer_advice, {**MAINLAND, "domain_filing": "deregistered"}),
    ],
)
def test_2_re_filing_advice_names_the_blacklist_exception(decision: Any, inputs: Dict[str, str]) -> None:
    text = everything(advice(decision(**inputs)))
    assert "blacklisted" in text and "identity document number or website name" in text


# --------------------------------------------------------------------------- 3. Shanghai, Sichuan, Hunan


@pytest.mark.parametrize("province", ["shanghai", "sichuan", "hunan"])
def test_3_special_provinces_say_what_the_seeds_say(real: Knowledge, province: str) -> None:
    bureau = real.bureau(province)
    assert bureau is not None and not bureau.dereg_online
    for inputs in ({"dereg_owner": "other_entity"}, {"dereg_owner": "own", "dereg_online": "no"}):
        result = advice(deregistration_route(kb=real, province=province, **inputs))
        text = everything(result)
        assert "deregister as it requires" in text and "form downloads" in text
        assert "online on the bureau's own website" not in text and "在线办理" not in text
        assert {S0, S1, S2} <= set(result.sources)
    faq = answer(real, "dereg_province_specifics")
    assert "deregister as it requires" in faq and "form downloads" in faq and "online" not in faq.split("Sichuan:")[0]
    assert "online in the bureau's own system" not in README.read_text(encoding="utf-8").split("## Where the seeds disagree")[0]


# --------------------------------------------------------------------------- 4. ping checks


@pytest.mark.parametrize("suffix", [None, ".com", ".cn"])
def test_4_approved_filing_gets_only_the_after_approval_causes(suffix: Optional[str]) -> None:
    answers = advice(diagnose_access(**APPROVED, server_reachable="yes", domain_suffix=suffix))
    silent = advice(diagnose_access(**APPROVED, server_reachable="no", domain_suffix=suffix))
    for result in (answers, silent):
        assert "permission" not in everything(result) and "program" not in everything(result)
        assert "权限" not in everything(result)
        assert ("5 days" in result.text.en) is (suffix != ".cn")
    assert "paused" in answers.text.en and "registry" in silent.text.en


def test_4_permissions_or_program_only_for_a_preliminarily_approved_transfer() -> None:
    result = advice(diagnose_access(**TRANSFER_WAITING, server_reachable="yes"))
    assert "permissions may be configured on the server" in result.text.en and "权限" in result.text.zh


# --------------------------------------------------------------------------- 5. the provider a seed speaks for


def test_5_provider_named_for_3_to_20_days(real: Knowledge) -> None:
    for scope in ("entity", "website"):
        result = advice(deregistration_route(kb=real, dereg_owner="own", dereg_online="yes", dereg_scope=scope))
        assert "Tencent Cloud's FAQ: through Tencent Cloud" in result.text.en and "3 to 20 business days" in result.text.en
        assert "腾讯云" in result.text.zh and "3至20个工作日" in result.text.zh
    text = answer(real, "dereg_duration")
    assert "through Tencent Cloud" in text and "3 to 20 business days" in text and "通过腾讯云" in text


@pytest.mark.parametrize(
    "entry_id, fact",
    [
        ("transfer_max_websites", "up to 10 websites"),
        ("access_transfer_45_days", "45 days"),
        ("access_bureau_not_synced", "1-2 business days"),
    ],
)
def test_5_other_tencent_cloud_rules_name_tencent_cloud(real: Knowledge, entry_id: str, fact: str) -> None:
    text = answer(real, entry_id)
    assert fact in text and "Tencent Cloud's FAQ" in text and "腾讯云" in text


def test_5_provider_named_for_the_filing_platform(real: Knowledge) -> None:
    result = advice(deregistration_route(kb=real, dereg_owner="other_entity", province="jiangsu"))
    for text in (everything(result), answer(real, "dereg_other_entity")):
        assert "Alibaba Cloud's filing platform" in text and "阿里云备案平台" in text
        assert "a provider's filing" not in text


# --------------------------------------------------------------------------- 6. email domains


def test_6_email_rule_is_unconditional_in_faq_decision_and_glossary(real: Knowledge) -> None:
    mail = advice(filing_needed(**MAINLAND, service_type="email", domain_filing="none"))
    assert "must be filed" in mail.text.en and "on a server in mainland China" not in mail.text.en
    outside = advice(filing_needed(server_location="overseas"))
    assert outside.text.en.startswith("No ICP filing is needed for a website")
    steps = " ".join(s.en + s.zh for s in outside.next_steps)
    assert "mail.<domain>) must be filed, and sets no condition on where the server is" in steps and "未对服务器所在地设条件" in steps
    faq = answer(real, "filing_needed")
    assert "no condition on where the mail server is" in faq and "未对邮箱服务器所在地设条件" in faq
    term = real.term("icp_filing") or next(t for t in real.glossary if "email" in t.definition.en)
    assert "no condition on the server" in term.definition.en


# --------------------------------------------------------------------------- 7. missing cases


def test_7_ip_change_within_the_same_provider() -> None:
    for result in (
        advice(transfer_advice(**MAINLAND, domain_filing="this_provider")),
        advice(filing_needed(**MAINLAND, service_type="website", domain_filing="this_provider")),
    ):
        text = everything(result)
        assert "operational ICP licence" in text and "information change with the new IP" in text and "经营性" in text


def test_7_access_cancelled_by_the_provider() -> None:
    for reachable in ("yes", "no"):
        text = everything(advice(diagnose_access(**APPROVED, server_reachable=reachable)))
        assert "cancelled the site's access" in text and "inspection notice isn't rectified" in text
        assert "can no longer be accessed" in text and "取消接入" in text


def test_7_transfer_waiting_at_the_bureau() -> None:
    for result in (
        advice(transfer_advice(**SWITCH, new_websites="no")),
        advice(transfer_advice(**SWITCH, new_websites="yes")),
        advice(transfer_advice(**MAINLAND, domain_filing="other_provider", provider_change="add")),
    ):
        text = everything(result)
        assert "waiting at the bureau" in text and "95716 transfer 3" in text and "permissions on the server" in text


def test_7_wait_a_short_while_after_preliminary_approval() -> None:
    for reachable in ("yes", "no"):
        result = advice(diagnose_access(**TRANSFER_WAITING, server_reachable=reachable))
        assert "a short while after the transfer's preliminary approval" in result.text.en and "稍等片刻" in result.text.zh


def test_7_domain_registered_outside_mainland_china() -> None:
    for result in (
        advice(filing_needed(**MAINLAND, service_type="website", domain_filing="none")),
        advice(filing_needed(**MAINLAND, service_type="email", domain_filing="none")),
        advice(transfer_advice(**MAINLAND, domain_filing="none")),
        advice(diagnose_access(**MAINLAND, domain_filing="none", application_stage="not_applied")),
    ):
        assert "transfer the domain to a competent service provider in mainland China" in everything(result)


# --------------------------------------------------------------------------- 8. Guangdong gaming


def test_8_guangdong_gaming_keeps_its_last_step(real: Knowledge) -> None:
    text = answer(real, "province_guangdong_gaming")
    assert "industrial and commercial administration asks you to file additional permits and business scope" in text
    assert "工商管理部门" in text and "经营范围" in text


# --------------------------------------------------------------------------- 9. suffix caveat where re-filing is promised


@pytest.mark.parametrize("entry_id", ["dereg_other_entity", "dereg_filing_already_exists"])
def test_9_refiling_promise_carries_the_suffix_caveat(real: Knowledge, entry_id: str) -> None:
    text = answer(real, entry_id)
    assert "can't be filed again" in text and "http://域名.信息" in text and "无法再次备案" in text
    entry = real.faq_by_id(entry_id)
    assert entry is not None and S2 in entry.sources


def test_9_decision_promise_points_at_the_caveat(real: Knowledge) -> None:
    result = advice(deregistration_route(kb=real, dereg_owner="other_entity", province="zhejiang"))
    assert "apply for filing for the domain (if its suffix allows: see below)" in result.text.en
    assert "can't be filed again" in everything(result)


# --------------------------------------------------------------------------- the six added disagreements


def test_disagreement_deregistered_website_reachability(real: Knowledge) -> None:
    text = answer(real, "dereg_entity_vs_website")
    assert "the deregistered website itself can no longer be accessed" in text and "its websites can be accessed normally" in text
    result = advice(deregistration_route(kb=real, dereg_owner="own", dereg_online="yes", dereg_scope="website"))
    assert "the deregistered site can no longer be accessed" in result.text.en


def test_disagreement_when_the_password_is_needed(real: Knowledge) -> None:
    result = advice(deregistration_route(kb=real, dereg_owner="own", dereg_online="yes", dereg_scope="website"))
    assert "asks for it on any deregistration submitted through Tencent Cloud" in everything(result)
    assert "names only transfers and entity deregistrations" in everything(result)


def test_disagreement_who_deregisters_an_empty_shell() -> None:
    text = everything(advice(transfer_advice(**SWITCH, new_websites="no")))
    assert "the original provider will then deregister the entity" in text and "the bureau deregisters an empty shell" in text


def test_disagreement_hunan_friday(real: Knowledge) -> None:
    hunan = real.bureau("hunan")
    assert hunan is not None
    friday = next(n for n in hunan.notes if "Friday" in n.text.en)
    assert "online applications" in friday.text.en and "deregistration applications" in friday.text.en
    assert friday.sources == (S0, S1, S2)


def test_disagreement_where_the_form_comes_from(real: Knowledge) -> None:
    result = advice(deregistration_route(kb=real, dereg_owner="own", dereg_online="no", province="jiangsu"))
    assert "Communications Administration Bureau System" in everything(result) and S3 in result.sources
    assert "Communications Administration Bureau System" in answer(real, "dereg_how")


def test_readme_lists_all_eighteen_disagreements() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Where the seeds disagree")[1].split("## Garbled fragments")[0]
    for heading in (
        "Deregistered website reachable?",
        "When the filing password is needed.",
        "Who deregisters an empty shell.",
        "Is re-filing unconditional?",
        "What Hunan's Friday rule applies to.",
        "Where the form comes from.",
    ):
        assert f"**{heading}**" in section, heading
    assert section.count("Handled:") >= 6


# --------------------------------------------------------------------------- DNSPod name servers


def test_dnspod_name_servers_are_kept_and_not_called_garbled(real: Knowledge) -> None:
    assert "F1g1ns1.dnspod.net" in answer(real, "access_dns_servers")
    garbled = README.read_text(encoding="utf-8").split("## Garbled fragments left out")[1]
    assert "dnspod" not in garbled.lower()


# --------------------------------------------------------------------------- cosmetic


def test_one_term_for_mainland_china(real: Knowledge) -> None:
    texts = [e.question.zh + e.answer.zh for e in real.faq] + [t.definition.zh for t in real.glossary]
    texts += [everything(a) for a in every_advice(real)]
    assert not [t for t in texts if "中国大陆" in t]
    assert any("中国内地" in t for t in texts)


def test_translations_of_english_only_sources_are_marked(real: Knowledge) -> None:
    letter = answer(real, "province_guangdong_finance_letter")
    assert "译文" in letter and "Letter of Undertaking" in letter
    assert "“承诺书”" not in letter and "“……" not in letter
    contact = answer(real, "province_guangdong_contact")
    assert "Room 401, Guangdong Tongjian Building" in contact.split("\n", 3)[-1] and "译文" in contact
    finance = answer(real, "province_guangdong_finance")
    assert "“承诺书”" not in finance


def test_number_lookup_has_the_same_primary_link_in_both_languages(real: Knowledge) -> None:
    entry = real.faq_by_id("number_lookup")
    assert entry is not None
    first = [re.search(r"https?://[^\s)）,，]+", text).group(0) for text in (entry.answer.en, entry.answer.zh)]  # type: ignore[union-attr]
    assert first == ["https://www.beian.miit.gov.cn", "https://www.beian.miit.gov.cn"]


# --------------------------------------------------------------------------- every branch is cited


def test_every_advice_names_its_branches_and_each_is_cited(real: Knowledge) -> None:
    seen = set()
    for result in every_advice(real):
        assert result.branches[0] == result.code
        for branch in result.branches:
            assert branch in BRANCHES and real.cites(branch), branch
            seen.add(branch)
    assert seen == set(BRANCHES)
