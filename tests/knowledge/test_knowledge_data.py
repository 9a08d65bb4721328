"""The real data: provenance of every link, the link-order rule, coverage of the seeds."""

from __future__ import annotations

import re
from typing import Dict, List, Set, Tuple
from urllib.parse import urlsplit

import pytest

from knowledge.loader import DEFAULT_DATA_DIR, completeness_problems, load_knowledge, url_problem
from knowledge.model import Bureau, FormLink, Knowledge
from knowledge.provinces import find_province
from knowledge.text import normalize
from tests.knowledge.knowledge_fixtures import S0, S1, S2, SEEDS_DIR, real_bureau_documents

REGIONS = {
    "beijing", "tianjin", "hebei", "shanxi", "inner_mongolia", "liaoning", "jilin", "heilongjiang",
    "shanghai", "jiangsu", "zhejiang", "anhui", "fujian", "jiangxi", "shandong", "henan", "hubei",
    "hunan", "guangdong", "guangxi", "hainan", "chongqing", "sichuan", "guizhou", "yunnan", "tibet",
    "shaanxi", "gansu", "qinghai", "ningxia", "xinjiang",
}
SEED_ORDER = [S0, S1, S2]
needs_seeds = pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason="seed documents not available")


def seed_text(stem: str) -> str:
    return (SEEDS_DIR / f"{stem}.txt").read_text(encoding="utf-8")


def all_links(kb: Knowledge) -> List[Tuple[Bureau, FormLink]]:
    return [(b, link) for b in kb.bureaus for link in b.forms]


def test_real_data_directory_validates() -> None:
    """The one test on the whole real data folder, FAQ files included."""
    kb = load_knowledge(DEFAULT_DATA_DIR)
    assert completeness_problems(kb) == []
    assert len(kb.faq) > 0


def test_all_31_regions(kb: Knowledge) -> None:
    assert {b.id for b in kb.bureaus} == REGIONS


def test_sources(kb: Knowledge) -> None:
    assert {s.stem: s.provider for s in kb.sources} == {
        "000_5eec36d1171024e1": "jdcloud",
        "001_1d8438718bd87752": "jdcloud",
        "002_2977cad4243cd2f8": "aliyun",
        "003_fd6b92674a718eb9": "tencent",
        "004_e1c45e547fecafdd": "tencent",
    }
    assert [s.language for s in kb.sources] == ["en", "zh", "zh", "en", "en"]


def test_every_link_is_well_formed_with_provenance(kb: Knowledge) -> None:
    stems = {s.stem for s in kb.sources}
    for bureau, link in all_links(kb):
        assert url_problem(link.url) is None, (bureau.id, link.url)
        assert link.sources and set(link.sources) <= stems
        assert link.source == link.sources[0]
        assert list(link.sources) == sorted(link.sources, key=SEED_ORDER.index)


@needs_seeds
def test_every_link_is_copied_exactly_from_each_cited_seed(kb: Knowledge) -> None:
    for bureau, link in all_links(kb):
        for stem in link.sources:
            assert f"({link.url})" in seed_text(stem), (bureau.id, stem, link.url)


def _markdown_links(stem: str) -> List[Tuple[str, str]]:
    return re.findall(r"\[([^\]]+)\]\((http[^)]+)\)", seed_text(stem))


@needs_seeds
def test_every_region_link_of_every_seed_is_kept(kb: Knowledge) -> None:
    by_zh = {b.name.zh: b for b in kb.bureaus}
    by_en = {b.name.en: b for b in kb.bureaus}
    expected: Set[Tuple[str, str, str]] = set()
    for stem in (S1, S2):
        for text, url in _markdown_links(stem):
            if text in by_zh:
                expected.add((by_zh[text].id, url, stem))
    for text, url in _markdown_links(S0):
        if text in by_en:
            expected.add((by_en[text].id, url, S0))
    assert len([e for e in expected if e[2] == S1]) == 31
    assert len([e for e in expected if e[2] == S2]) == 31
    assert {e[0] for e in expected if e[2] == S0} == {"shanghai", "sichuan", "hunan"}
    kept = {(b.id, link.url, stem) for b, link in all_links(kb) for stem in link.sources}
    assert kept == expected


@needs_seeds
def test_hosts_come_from_seed_000(kb: Knowledge) -> None:
    rows = re.findall(r"^\| (.+?)\s*\| ([a-z]+\.beian\.miit\.gov\.cn) \|$", seed_text(S0), flags=re.M)
    assert len(rows) == 28
    for region, host in rows:
        match = find_province(kb, region)  # also proves "Heâ€™nan Province" resolves to Henan
        assert match.bureau is not None and match.bureau.host == host, region
    assert {b.id for b in kb.bureaus if b.host is None} == {"shanghai", "hunan"}
    sichuan = kb.bureau("sichuan")
    assert sichuan is not None and sichuan.host == "sc.beian.miit.gov.cn"
    assert all(b.host_source == S0 for b in kb.bureaus if b.host)


def link_rank(link: FormLink) -> Tuple[int, int, bool, int]:
    """The link-order rule documented in bureaus.yml and knowledge/README.md."""
    host = urlsplit(link.url).hostname or ""
    if host.endswith(".beian.miit.gov.cn"):
        tier = 0
    elif host.endswith("miitbeian.gov.cn"):
        tier = 3
    elif host.endswith(".gov.cn"):
        tier = 1
    elif re.fullmatch(r"[\d.]+", host):
        tier = 2
    else:
        tier = 4
    return (tier, -len(link.sources), ";jsessionid=" in link.url, min(SEED_ORDER.index(s) for s in link.sources))


def test_links_follow_the_ordering_rule(kb: Knowledge) -> None:
    for bureau in kb.bureaus:
        assert list(bureau.forms) == sorted(bureau.forms, key=link_rank), bureau.id


@pytest.mark.parametrize(
    "bureau_id,first_url",
    [
        ("beijing", "http://bj.beian.miit.gov.cn/state/outPortal/queryMutualityDownloadInfo.action?id=7"),
        ("shanghai", "https://beian.shca.gov.cn/"),
        ("hunan", "http://hunca.miit.gov.cn/TGJCMS/bgfjxz2/3082.htm"),
        ("sichuan", "http://sc.beian.miit.gov.cn"),
        ("jiangxi", "http://jxca.miit.gov.cn/show.aspx?id=5903"),
        ("ningxia", "http://nxca.miit.gov.cn/nxtxglj/articleView.do?articleId=819"),
    ],
)
def test_first_links(kb: Knowledge, bureau_id: str, first_url: str) -> None:
    bureau = kb.bureau(bureau_id)
    assert bureau is not None and bureau.forms[0].url == first_url


def test_special_procedures(kb: Knowledge) -> None:
    # Seeds 000/001 send these three to a site "to deregister as requested", 002 lists them among
    # form downloads; no seed says it is done online, so no bureau claims it (issue 12, point 3).
    assert not any(b.dereg_online for b in kb.bureaus)
    site = {b.id: n.sources for b in kb.bureaus for n in b.notes if "deregister as it requires" in n.text.en}
    assert site == {"shanghai": (S0, S1, S2), "sichuan": (S0, S1, S2), "hunan": (S0, S1, S2)}
    notes: Dict[str, str] = {b.id: " ".join(n.text.en + n.text.zh for n in b.notes) for b in kb.bureaus if b.notes}
    assert set(notes) == {"shanghai", "sichuan", "hunan"}
    assert "online" not in notes["shanghai"] and "在线" not in notes["shanghai"]
    assert "register an account" in notes["sichuan"] and "注册账户" in notes["sichuan"]
    assert "Friday" in notes["hunan"] and "每周五" in notes["hunan"]
    hunan = kb.bureau("hunan")
    shanghai = kb.bureau("shanghai")
    assert hunan is not None and shanghai is not None
    # Seeds 000 and 001 disagree on the Shanghai and Hunan addresses: both are kept.
    assert {link.url for link in shanghai.forms} == {"https://beian.shca.gov.cn/", "http://114.80.217.250/"}
    assert {link.url for link in hunan.forms} == {
        "http://hunca.miit.gov.cn/TGJCMS/bgfjxz2/3082.htm",
        "http://www.xca.gov.cn/TGJCMS/zwdt/index.htm",
    }
    ningxia = kb.bureau("ningxia")
    assert ningxia is not None and ningxia.forms[0].note is not None
    assert "bottom" in ningxia.forms[0].note.en and ningxia.forms[0].sources == (S2,)
    annotated = [(b.id, link.url) for b, link in all_links(kb) if link.note is not None]
    assert annotated == [("ningxia", ningxia.forms[0].url)]


def test_icp_prefixes(kb: Knowledge) -> None:
    prefixes = "".join(p for b in kb.bureaus for p in b.icp_prefixes)
    assert sorted(prefixes) == sorted("京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川蜀黔贵滇云藏陕甘陇青宁新")


def test_traditional_and_suffix_aliases(kb: Knowledge) -> None:
    names = {normalize(name) for b in kb.bureaus for name in b.names}
    for written in ("江蘇", "廣東", "廣西壯族自治區", "广西壮族自治区", "Guangxi Zhuang Autonomous Region", "北京市", "Jiangsu Sheng"):
        assert normalize(written) in names


@pytest.mark.parametrize(
    "zh",
    [
        "注销备案", "注销主体", "注销网站", "取消接入", "接入备案", "空壳主体", "通信管理局", "管局", "工信部",
        "备案号", "备案密码", "备案授权码", "公安备案", "经营性备案", "ICP许可证", "网络文化经营许可证",
        "短信核验", "初审", "接入商", "域名实名认证",
    ],
)
def test_glossary_has_key_terms(kb: Knowledge, zh: str) -> None:
    assert any(zh in (t.term.zh,) + t.aliases_zh for t in kb.glossary)


def test_glossary_cites_sources(kb: Knowledge) -> None:
    stems = {s.stem for s in kb.sources}
    assert all(t.sources and set(t.sources) <= stems for t in kb.glossary)
    assert kb.term("bureau") is not None and kb.term("nope") is None


def test_bureau_documents_helper_matches_loaded_data(kb: Knowledge) -> None:
    assert [d["id"] for d in real_bureau_documents()] == [b.id for b in kb.bureaus]
