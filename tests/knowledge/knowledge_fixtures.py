"""Test data builders for the knowledge tests (used by conftest.py and the test modules)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Dict, List

import yaml

from knowledge.loader import DEFAULT_DATA_DIR, TOPIC_PREFIXES

S0 = "000_5eec36d1171024e1"
S1 = "001_1d8438718bd87752"
S2 = "002_2977cad4243cd2f8"
S3 = "003_fd6b92674a718eb9"
S4 = "004_e1c45e547fecafdd"
SEEDS_DIR = Path(__file__).resolve().parents[3] / "shared" / "seeds"

DataDict = Dict[str, Any]

DIALOG_TOPICS = {
    "accessibility": "check_accessibility",
    "deregistration": "request_deregistration",
    "transfer": "ask_transfer_needed",
    "filing": "ask_filing_needed",
}


def minimal_data() -> DataDict:
    """A small valid data set: two sources, two bureaus, one glossary term, two FAQ files."""
    return {
        "sources.yml": {
            "sources": [
                {
                    "stem": S0,
                    "provider": "jdcloud",
                    "provider_name": {"en": "JD Cloud", "zh": "京东云"},
                    "language": "en",
                    "title": {"en": "Offline deregistration", "zh": "线下注销"},
                },
                {
                    "stem": S2,
                    "provider": "aliyun",
                    "provider_name": {"en": "Alibaba Cloud", "zh": "阿里云"},
                    "language": "zh",
                    "title": {"en": "Deregistering another entity's filing", "zh": "注销其他单位备案"},
                },
            ]
        },
        "bureaus.yml": {
            "bureaus": [
                {
                    "id": "jiangsu",
                    "name": {"en": "Jiangsu", "zh": "江苏"},
                    "aliases": ["江苏省", "Jiangsu Province"],
                    "icp_prefixes": ["苏"],
                    "host": "js.beian.miit.gov.cn",
                    "host_source": S0,
                    "forms": [
                        {
                            "url": "http://js.beian.miit.gov.cn/state/outPortal/queryMutualityDownloadInfo.action?id=2",
                            "sources": [S2],
                            "note": {"en": "Form page", "zh": "表格页面"},
                        }
                    ],
                },
                {
                    "id": "hunan",
                    "name": {"en": "Hunan", "zh": "湖南"},
                    "aliases": ["湖南省"],
                    "icp_prefixes": ["湘"],
                    "forms": [{"url": "http://hunca.miit.gov.cn/TGJCMS/bgfjxz2/3082.htm", "sources": [S0, S2]}],
                    "notes": [{"text": {"en": "Handled on Fridays.", "zh": "每周五统一处理。"}, "sources": [S2]}],
                },
            ]
        },
        "glossary.yml": {
            "terms": [
                {
                    "id": "bureau",
                    "term": {"en": "Communications Administration Bureau", "zh": "通信管理局"},
                    "aliases": {"en": ["bureau"], "zh": ["管局"]},
                    "definition": {"en": "The provincial regulator.", "zh": "省级监管机构。"},
                    "sources": [S0],
                }
            ]
        },
        "faq/deregistration.yml": {
            "entries": [
                {
                    "id": "dereg_how",
                    "intent": "request_deregistration",
                    "question": {"en": "How do I deregister?", "zh": "怎么注销备案？"},
                    "answer": {"en": "Offline with the bureau's form.", "zh": "用管局的表格线下注销。"},
                    "sources": [S0],
                    "related": ["dereg_duration"],
                },
                {
                    "id": "dereg_duration",
                    "question": {"en": "How long does deregistration take?", "zh": "注销要多久？"},
                    "answer": {"en": "3 to 20 business days.", "zh": "3至20个工作日。"},
                    "sources": [S0],
                },
            ]
        },
        "faq/password.yml": {
            "entries": [
                {
                    "id": "password_reset",
                    "question": {"en": "I forgot my filing password", "zh": "忘记备案密码怎么办？"},
                    "answer": {"en": "Reset it at MIIT.", "zh": "在工信部网站找回。"},
                    "sources": [S2],
                }
            ]
        },
    }


def complete_faq() -> Dict[str, DataDict]:
    """One FAQ entry per topic, with the four dialog openers, so completeness checks pass."""
    files: Dict[str, DataDict] = {}
    for topic, prefix in TOPIC_PREFIXES.items():
        entry: DataDict = {
            "id": f"{prefix}sample",
            "question": {"en": f"A question about {topic}?", "zh": "关于这个主题的问题？"},
            "answer": {"en": f"An answer about {topic}.", "zh": "关于这个主题的回答。"},
            "sources": [S0],
        }
        if topic in DIALOG_TOPICS:
            entry["intent"] = DIALOG_TOPICS[topic]
        files[f"faq/{topic}.yml"] = {"entries": [entry]}
    files["faq/password.yml"]["entries"].append(
        {
            "id": "password_reset",
            "question": {"en": "How do I reset a forgotten ICP filing password?", "zh": "忘记备案密码怎么找回？"},
            "answer": {"en": "Reset it on MIIT's website.", "zh": "在工信部网站重置。"},
            "sources": [S0],
            "related": ["password_sample"],
        }
    )
    return files


def write_data(root: Path, data: DataDict) -> Path:
    """Write ``data`` (relative file name -> YAML document, or raw str/bytes) under ``root``."""
    (root / "faq").mkdir(parents=True, exist_ok=True)
    for name, document in data.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(document, bytes):
            path.write_bytes(document)
        elif isinstance(document, str):
            path.write_text(document, encoding="utf-8")
        else:
            path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


def real_data_with_fixture_faq(root: Path) -> Path:
    """Real sources, bureaus, glossary and citations with the small complete FAQ fixture."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("sources.yml", "bureaus.yml", "glossary.yml", "citations.yml"):
        shutil.copy(DEFAULT_DATA_DIR / name, root / name)
    return write_data(root, complete_faq())


def real_bureau_documents() -> List[DataDict]:
    """The raw bureau entries, read at collection time to parametrize tests."""
    with (DEFAULT_DATA_DIR / "bureaus.yml").open(encoding="utf-8") as handle:
        return list(yaml.safe_load(handle)["bureaus"])
