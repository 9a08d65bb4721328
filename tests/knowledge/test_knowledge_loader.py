"""Loader: valid data loads; every kind of broken data names its file, entry and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, NamedTuple, Optional

import pytest

from knowledge.loader import KnowledgeError, completeness_problems, load_knowledge, url_problem
from knowledge.model import Bilingual, Citation
from tests.knowledge.knowledge_fixtures import S0, S2, S4, DataDict, complete_faq, minimal_data, write_data


def test_minimal_data_loads(make_data: Callable[..., Path]) -> None:
    kb = load_knowledge(make_data())
    assert [b.id for b in kb.bureaus] == ["jiangsu", "hunan"]
    jiangsu = kb.bureau("jiangsu")
    assert jiangsu is not None and jiangsu.host == "js.beian.miit.gov.cn" and jiangsu.host_source == S0
    assert jiangsu.forms[0].note == Bilingual("Form page", "表格页面")
    hunan = kb.bureau("hunan")
    assert hunan is not None and not hunan.dereg_online and hunan.host is None
    assert hunan.forms[0].sources == (S0, S2) and hunan.notes[0].sources == (S2,)
    entry = kb.faq_by_id("dereg_duration")
    assert entry is not None and entry.intent == "faq/dereg_duration" and entry.topic == "deregistration"
    assert kb.faq_by_intent("request_deregistration") == kb.faq_by_id("dereg_how")
    assert kb.glossary[0].aliases_zh == ("管局",)
    assert [s.provider for s in kb.sources] == ["jdcloud", "aliyun"]


def test_load_accepts_str_path(make_data: Callable[..., Path]) -> None:
    assert len(load_knowledge(str(make_data())).bureaus) == 2


def test_glossary_aliases_are_optional(make_data: Callable[..., Path]) -> None:
    kb = load_knowledge(make_data(lambda d: d["glossary.yml"]["terms"][0].pop("aliases")))
    assert kb.glossary[0].aliases_en == () and kb.glossary[0].aliases_zh == ()


def test_text_is_stripped(make_data: Callable[..., Path]) -> None:
    def mutate(d: DataDict) -> None:
        d["faq/password.yml"]["entries"][0]["answer"]["en"] = "  Reset it.  \n"

    kb = load_knowledge(make_data(mutate))
    entry = kb.faq_by_id("password_reset")
    assert entry is not None and entry.answer.en == "Reset it."


# --------------------------------------------------------------------------- broken data


def bureau(d: DataDict, index: int = 0) -> DataDict:
    return d["bureaus.yml"]["bureaus"][index]


def faq(d: DataDict, file: str = "deregistration", index: int = 0) -> DataDict:
    return d[f"faq/{file}.yml"]["entries"][index]


def term(d: DataDict) -> DataDict:
    return d["glossary.yml"]["terms"][0]


def source(d: DataDict, index: int = 0) -> DataDict:
    return d["sources.yml"]["sources"][index]


def setitem(target: Callable[[DataDict], Any], key: Any, value: Any) -> Callable[[DataDict], None]:
    def mutate(d: DataDict) -> None:
        target(d)[key] = value

    return mutate


def delitem(target: Callable[[DataDict], Any], key: Any) -> Callable[[DataDict], None]:
    def mutate(d: DataDict) -> None:
        del target(d)[key]

    return mutate


def raw_file(name: str, content: Any) -> Callable[[DataDict], None]:
    def mutate(d: DataDict) -> None:
        d[name] = content

    return mutate


def form0(d: DataDict) -> DataDict:
    return bureau(d)["forms"][0]


def add_faq_entry(file: str, entry: DataDict) -> Callable[[DataDict], None]:
    def mutate(d: DataDict) -> None:
        d.setdefault(f"faq/{file}.yml", {"entries": []})["entries"].append(entry)

    return mutate


def entry(entry_id: str, **extra: Any) -> DataDict:
    base: DataDict = {
        "id": entry_id,
        "question": {"en": "Q?", "zh": "问题？"},
        "answer": {"en": "A.", "zh": "回答。"},
        "sources": [S0],
    }
    base.update(extra)
    return base


def second_bureau(**fields: Any) -> Callable[[DataDict], None]:
    def mutate(d: DataDict) -> None:
        new = {
            "id": "zhejiang",
            "name": {"en": "Zhejiang", "zh": "浙江"},
            "aliases": ["浙江省"],
            "icp_prefixes": ["浙"],
            "forms": [{"url": "http://zj.beian.miit.gov.cn/", "sources": [S2]}],
        }
        new.update(fields)
        d["bureaus.yml"]["bureaus"].append(new)

    return mutate


class Case(NamedTuple):
    name: str
    mutate: Callable[[DataDict], Any]
    file: str  # expected file name (suffix of the path)
    entry: Optional[str]
    field: Optional[str]
    fragment: str


SOURCES, BUREAUS, GLOSSARY, CITATIONS = "sources.yml", "bureaus.yml", "glossary.yml", "citations.yml"
QUOTE = "You can logout offline if the filing information"


def citations(*entries: Any) -> Callable[[DataDict], None]:
    return raw_file(CITATIONS, {"branches": list(entries)})


def cite(branch: Any = "dereg_own_offline", source: Any = S0, quote: Any = QUOTE, **extra: Any) -> DataDict:
    return {"branch": branch, "cites": [{"source": source, "quote": quote, **extra}]}
DEREG, PASSWORD = "faq/deregistration.yml", "faq/password.yml"

CASES = [
    # whole files
    Case("missing file", lambda d: d.pop(GLOSSARY), GLOSSARY, None, None, "file is missing"),
    Case("invalid yaml", raw_file(BUREAUS, "bureaus: [\n"), BUREAUS, None, None, "not valid UTF-8 YAML"),
    Case("not utf-8", raw_file(SOURCES, b"sources: [\xff]\n"), SOURCES, None, None, "not valid UTF-8 YAML"),
    Case("duplicate yaml key", raw_file(GLOSSARY, "terms: []\nterms: []\n"), GLOSSARY, None, None, "duplicate key 'terms'"),
    Case("unhashable yaml key", raw_file(GLOSSARY, "{[a]: 1}\n"), GLOSSARY, None, None, "plain value"),
    Case("top level not a mapping", raw_file(GLOSSARY, "- a\n"), GLOSSARY, None, None, "single key 'terms'"),
    Case("empty file", raw_file(GLOSSARY, ""), GLOSSARY, None, None, "single key 'terms'"),
    Case("top level wrong key", raw_file(GLOSSARY, "glossary: []\n"), GLOSSARY, None, "glossary", "unknown field"),
    Case("top level list missing", raw_file(GLOSSARY, "{}\n"), GLOSSARY, None, "terms", "missing"),
    Case("top level not a list", raw_file(GLOSSARY, "terms: {}\n"), GLOSSARY, None, "terms", "must be a list"),
    Case("entry not a mapping", raw_file(GLOSSARY, "terms: [hello]\n"), GLOSSARY, "#1", None, "must be a mapping"),
    # sources.yml
    Case("bad stem", setitem(source, "stem", "005_nothex"), SOURCES, "005_nothex", "stem", "not a seed stem"),
    Case("duplicate stem", setitem(lambda d: source(d, 1), "stem", S0), SOURCES, S0, "stem", "duplicate id"),
    Case("stem not text", setitem(source, "stem", 5), SOURCES, "#1", "stem", "must be text"),
    Case("bad provider", setitem(source, "provider", "aws"), SOURCES, S0, "provider", "'aws' is not one of"),
    Case("bad language", setitem(source, "language", "fr"), SOURCES, S0, "language", "'fr' is not one of"),
    Case("source missing title", delitem(source, "title"), SOURCES, S0, "title", "missing"),
    Case("source unknown field", setitem(source, "url", "x"), SOURCES, S0, "url", "unknown field"),
    # bureaus.yml: fields
    Case("bureau id not snake", setitem(bureau, "id", "Jiang-su"), BUREAUS, "Jiang-su", "id", "not snake_case"),
    Case("name missing zh", delitem(lambda d: bureau(d)["name"], "zh"), BUREAUS, "jiangsu", "name.zh", "missing language"),
    Case("name extra language", setitem(lambda d: bureau(d)["name"], "fr", "x"), BUREAUS, "jiangsu", "name.fr", "unknown language"),
    Case("name not mapping", setitem(bureau, "name", "Jiangsu"), BUREAUS, "jiangsu", "name", "must be a mapping"),
    Case("zh without chinese", setitem(lambda d: bureau(d)["name"], "zh", "Jiangsu"), BUREAUS, "jiangsu", "name.zh", "no Chinese"),
    Case("empty text", setitem(lambda d: bureau(d)["name"], "en", "  "), BUREAUS, "jiangsu", "name.en", "must not be empty"),
    Case("yaml boolean as text", setitem(lambda d: bureau(d)["name"], "en", False), BUREAUS, "jiangsu", "name.en", "got bool"),
    Case("zh equals en", setitem(lambda d: bureau(d)["name"], "en", "江苏"), BUREAUS, "jiangsu", "name.zh", "same text as name.en"),
    Case("aliases not list", setitem(bureau, "aliases", "江苏省"), BUREAUS, "jiangsu", "aliases", "must be a list"),
    Case("aliases empty", setitem(bureau, "aliases", []), BUREAUS, "jiangsu", "aliases", "must not be empty"),
    Case("alias repeated", setitem(bureau, "aliases", ["江苏省", "江苏省"]), BUREAUS, "jiangsu", "aliases[1]", "duplicate value"),
    Case("alias one char", setitem(bureau, "aliases", ["苏"]), BUREAUS, "jiangsu", "aliases[0]", "shorter than two"),
    Case("alias same as name", setitem(bureau, "aliases", ["JIANG SU"]), BUREAUS, "jiangsu", "aliases[0]", "same as name.en"),
    Case("prefix not one char", setitem(bureau, "icp_prefixes", ["苏州"]), BUREAUS, "jiangsu", "icp_prefixes[0]", "single Chinese"),
    Case("prefix latin", setitem(bureau, "icp_prefixes", ["S"]), BUREAUS, "jiangsu", "icp_prefixes[0]", "single Chinese"),
    Case("bad host", setitem(bureau, "host", "js beian"), BUREAUS, "jiangsu", "host", "malformed host name"),
    Case("host without source", delitem(bureau, "host_source"), BUREAUS, "jiangsu", "host_source", "missing"),
    Case("host source unknown", setitem(bureau, "host_source", "004_e1c45e547fecafdd"), BUREAUS, "jiangsu", "host_source[0]", "unknown source stem"),
    Case("host source without host", setitem(lambda d: bureau(d, 1), "host_source", S0), BUREAUS, "hunan", "host_source", "without a host"),
    # No seed says a bureau deregisters online (issue 12): the old field is refused, not ignored.
    Case("dereg_online is gone", setitem(bureau, "dereg_online", True), BUREAUS, "jiangsu", "dereg_online", "unknown field"),
    Case("bureau unknown field", setitem(bureau, "links", []), BUREAUS, "jiangsu", "links", "unknown field"),
    Case("bureau missing forms", delitem(bureau, "forms"), BUREAUS, "jiangsu", "forms", "missing"),
    # bureaus.yml: links
    Case("forms empty", setitem(bureau, "forms", []), BUREAUS, "jiangsu", "forms", "non-empty list"),
    Case("form not mapping", setitem(bureau, "forms", ["http://a.cn"]), BUREAUS, "jiangsu", "forms[0]", "must be a mapping"),
    Case("form missing sources", delitem(form0, "sources"), BUREAUS, "jiangsu", "forms[0].sources", "missing"),
    Case("form unknown field", setitem(form0, "source", S0), BUREAUS, "jiangsu", "forms[0].source", "unknown field"),
    Case("form empty sources", setitem(form0, "sources", []), BUREAUS, "jiangsu", "forms[0].sources", "must not be empty"),
    Case("form unknown stem", setitem(form0, "sources", ["001_1d8438718bd87752"]), BUREAUS, "jiangsu", "forms[0].sources[0]", "unknown source stem"),
    Case("url with space", setitem(form0, "url", "http://js.beian.miit.gov.cn/a b"), BUREAUS, "jiangsu", "forms[0].url", "malformed URL"),
    Case("url bad scheme", setitem(form0, "url", "ftp://js.beian.miit.gov.cn/"), BUREAUS, "jiangsu", "forms[0].url", "http:// or https://"),
    Case("url no scheme", setitem(form0, "url", "js.beian.miit.gov.cn"), BUREAUS, "jiangsu", "forms[0].url", "http:// or https://"),
    Case("url bad port", setitem(form0, "url", "http://js.beian.miit.gov.cn:99999/"), BUREAUS, "jiangsu", "forms[0].url", "invalid port"),
    Case("url no host", setitem(form0, "url", "http:///path"), BUREAUS, "jiangsu", "forms[0].url", "has no host"),
    Case("url bad host", setitem(form0, "url", "http://js..cn/"), BUREAUS, "jiangsu", "forms[0].url", "malformed host"),
    Case("url single label", setitem(form0, "url", "http://localhost/"), BUREAUS, "jiangsu", "forms[0].url", "malformed host"),
    Case("note missing zh", delitem(lambda d: form0(d)["note"], "zh"), BUREAUS, "jiangsu", "forms[0].note.zh", "missing language"),
    Case(
        "duplicate url in bureau",
        lambda d: bureau(d)["forms"].append(dict(bureau(d)["forms"][0])),
        BUREAUS, "jiangsu", "forms[1].url", "duplicate URL",
    ),
    # bureaus.yml: notes
    Case("notes not list", setitem(bureau, "notes", {}), BUREAUS, "jiangsu", "notes", "must be a list"),
    Case("note item unknown field", setitem(lambda d: bureau(d, 1)["notes"][0], "url", "x"), BUREAUS, "hunan", "notes[0].url", "unknown field"),
    Case("note unknown stem", setitem(lambda d: bureau(d, 1)["notes"][0], "sources", ["x"]), BUREAUS, "hunan", "notes[0].sources[0]", "unknown source stem"),
    # bureaus.yml: across bureaus
    Case("duplicate bureau id", setitem(lambda d: bureau(d, 1), "id", "jiangsu"), BUREAUS, "jiangsu", "id", "duplicate id"),
    Case("alias of two bureaus", second_bureau(aliases=["Jiangsu Province"]), BUREAUS, "zhejiang", "aliases", "maps to two bureaus: 'jiangsu'"),
    Case("prefix of two bureaus", second_bureau(icp_prefixes=["苏"]), BUREAUS, "zhejiang", "icp_prefixes", "maps to two bureaus"),
    Case(
        "url of two bureaus",
        second_bureau(forms=[{"url": "http://hunca.miit.gov.cn/TGJCMS/bgfjxz2/3082.htm", "sources": [S0]}]),
        BUREAUS, "zhejiang", "forms", "also listed for bureau 'hunan'",
    ),
    # glossary.yml
    Case("duplicate term id", lambda d: d[GLOSSARY]["terms"].append(dict(term(d), term={"en": "x", "zh": "某"}, aliases={})), GLOSSARY, "bureau", "id", "duplicate id"),
    Case("term name reused", setitem(term, "aliases", {"en": ["Communications  administration bureau"]}), GLOSSARY, "bureau", "aliases.en[0]", "already names term 'bureau'"),
    Case("term alias language", setitem(term, "aliases", {"fr": ["x"]}), GLOSSARY, "bureau", "aliases.fr", "unknown field"),
    Case("term aliases not mapping", setitem(term, "aliases", ["x"]), GLOSSARY, "bureau", "aliases", "must be a mapping"),
    Case("term missing definition", delitem(term, "definition"), GLOSSARY, "bureau", "definition", "missing"),
    Case("term no sources", setitem(term, "sources", []), GLOSSARY, "bureau", "sources", "must not be empty"),
    # faq
    Case("faq missing language", delitem(lambda d: faq(d)["answer"], "zh"), DEREG, "dereg_how", "answer.zh", "missing language"),
    Case("faq unknown source", setitem(faq, "sources", ["999_0000000000000000"]), DEREG, "dereg_how", "sources[0]", "unknown source stem"),
    Case("faq unknown field", setitem(faq, "examples", []), DEREG, "dereg_how", "examples", "unknown field"),
    Case("faq wrong prefix", setitem(faq, "id", "transfer_how"), DEREG, "transfer_how", "id", "must start with 'dereg_'"),
    Case("faq duplicate id", add_faq_entry("deregistration", entry("dereg_how")), DEREG, "dereg_how", "id", "duplicate id 'dereg_how'"),
    Case("faq intent mismatch", setitem(lambda d: faq(d, "password"), "intent", "faq/other"), PASSWORD, "password_reset", "intent", "must be 'faq/password_reset'"),
    Case("faq intent unknown", setitem(lambda d: faq(d, "password"), "intent", "greet"), PASSWORD, "password_reset", "intent", "neither faq/<id>"),
    Case("faq intent used twice", setitem(lambda d: faq(d, "password"), "intent", "request_deregistration"), PASSWORD, "password_reset", "intent", "used by two entries"),
    Case("faq related missing", setitem(faq, "related", ["dereg_nope"]), DEREG, "dereg_how", "related[0]", "does not exist"),
    Case("faq related self", setitem(faq, "related", ["dereg_how"]), DEREG, "dereg_how", "related[0]", "related to itself"),
    Case("faq related not list", setitem(faq, "related", "dereg_duration"), DEREG, "dereg_how", "related", "must be a list"),
    Case("faq unknown topic", raw_file("faq/misc.yml", {"entries": []}), "faq/misc.yml", None, None, "unknown topic 'misc'"),
    Case("faq yaml extension", raw_file("faq/transfer.yaml", {"entries": []}), "faq/transfer.yaml", None, None, "must end in .yml"),
    Case("faq entry without id", add_faq_entry("password", {"question": {}}), PASSWORD, "#2", "id", "missing"),
    # citations.yml (optional file; which branches it must cover is checked by knowledge.citations)
    Case("citations not a list", raw_file(CITATIONS, {"branches": {}}), CITATIONS, None, "branches", "must be a list"),
    Case("citation not a mapping", citations("x"), CITATIONS, "#1", None, "must be a mapping"),
    Case("citation unknown field", citations({**cite(), "why": "x"}), CITATIONS, "dereg_own_offline", "why", "unknown field"),
    Case("citation bad branch", citations(cite(branch="Dereg Own")), CITATIONS, "Dereg Own", "branch", "not snake_case"),
    Case("citation duplicate", citations(cite(), cite()), CITATIONS, "dereg_own_offline", "branch", "duplicate branch"),
    Case("citation no cites", citations({"branch": "dereg_own_offline", "cites": []}), CITATIONS, "dereg_own_offline", "cites", "non-empty list"),
    Case("cite not a mapping", citations({"branch": "dereg_own_offline", "cites": ["x"]}), CITATIONS, "dereg_own_offline", "cites[0]", "must be a mapping"),
    Case("cite unknown field", citations(cite(line=5)), CITATIONS, "dereg_own_offline", "cites[0].line", "unknown field"),
    Case("cite unknown source", citations(cite(source=S4)), CITATIONS, "dereg_own_offline", "cites[0].source[0]", "unknown source stem"),
    Case("cite quote not text", citations(cite(quote=5)), CITATIONS, "dereg_own_offline", "cites[0].quote", "must be text"),
    Case("cite quote too short", citations(cite(quote="logout")), CITATIONS, "dereg_own_offline", "cites[0].quote", "10 to 300 characters"),
    Case("cite quote too long", citations(cite(quote="x" * 301)), CITATIONS, "dereg_own_offline", "cites[0].quote", "got 301"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_data_names_file_entry_and_field(make_data: Callable[..., Path], case: Case) -> None:
    root = make_data(case.mutate)
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(root)
    error = info.value
    assert error.file.replace("\\", "/").endswith(case.file)
    assert error.entry == case.entry
    assert error.field == case.field
    assert case.fragment in error.problem
    message = str(error)
    assert message.startswith(error.file)
    for part in (case.entry, case.field):
        if part is not None:
            assert f"'{part}'" in message


def test_citations_load_and_are_optional(make_data: Callable[..., Path]) -> None:
    assert load_knowledge(make_data()).citations == ()
    kb = load_knowledge(make_data(citations(cite(quote=f"  {QUOTE} "))))
    assert kb.cites("dereg_own_offline") == (Citation(S0, QUOTE),)
    assert kb.cites("filing_required") == ()


def test_missing_faq_directory(tmp_path: Path) -> None:
    data = minimal_data()
    for name in [n for n in data if n.startswith("faq/")]:
        del data[name]
    root = tmp_path / "data"
    root.mkdir()
    for name in ("sources.yml", "bureaus.yml", "glossary.yml"):
        write_data(root, {name: data[name]})
    (root / "faq").rmdir()
    with pytest.raises(KnowledgeError, match="FAQ directory is missing"):
        load_knowledge(root)


def test_error_message_format() -> None:
    assert str(KnowledgeError("a.yml", "bad", "x", "f.g")) == "a.yml: entry 'x': field 'f.g': bad"
    assert str(KnowledgeError("a.yml", "bad")) == "a.yml: bad"


@pytest.mark.parametrize(
    "url",
    [
        "http://域名.信息",
        "http://114.80.217.250/",
        "http://aliyun_portal_storage.oss-cn-hangzhou.aliyuncs.com/help%2Fbeian%2Fa.doc?spm=1&file=x",
        "https://beian.shca.gov.cn/",
        "http://x.cn:8080/a;jsessionid=1?id=2",
    ],
)
def test_url_problem_accepts_seed_style_urls(url: str) -> None:
    assert url_problem(url) is None


def test_completeness(tmp_path: Path, make_data: Callable[..., Path]) -> None:
    problems = completeness_problems(load_knowledge(make_data()))
    assert "faq/transfer.yml: no entries for topic 'transfer'" in problems
    assert any("check_accessibility" in p for p in problems)
    assert not any("request_deregistration" in p for p in problems)
    data = minimal_data()
    for name in [n for n in data if n.startswith("faq/")]:
        del data[name]
    data.update(complete_faq())
    assert completeness_problems(load_knowledge(write_data(tmp_path / "full", data))) == []
