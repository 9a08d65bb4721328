from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.entities import EntityMatcher, KnowledgeEntityExtractor, build_table
from knowledge import iter_alias_table, load_knowledge

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = ROOT / "knowledge" / "data"
LEXICON = ROOT / "components" / "lexicon.yml"


@pytest.fixture(scope="module")
def matcher():
    return EntityMatcher(build_table(KNOWLEDGE, LEXICON))


def found(matcher, text):
    return [(text[s:e], entity, value) for s, e, entity, value in matcher.find(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("where can I download the deregistration form for Zhejiang?", [("Zhejiang", "province", "zhejiang")]),
        ("浙江管局注销申请表在哪下载", [("浙江", "province", "zhejiang")]),
        ("苏ICP备12345678号-1 要注销", [("苏", "province", "jiangsu")]),
        ("京ICP证030173号", [("京", "province", "beijing")]),
        ("粤管局电话多少", [("粤", "province", "guangdong")]),
        ("jiangsu province", [("jiangsu province", "province", "jiangsu")]),
        ("JIANGSU", [("JIANGSU", "province", "jiangsu")]),
        ("江蘇省的表", [("江蘇省", "province", "jiangsu")]),
        ("苏", [("苏", "province", "jiangsu")]),
        ("Shaanxi or Shanxi?", [("Shaanxi", "province", "shaanxi"), ("Shanxi", "province", "shanxi")]),
        ("内蒙古自治区", [("内蒙古自治区", "province", "inner_mongolia")]),
        ("my server is in hong kong", [("hong kong", "server_location", "hong_kong")]),
        ("服务器在国外", [("国外", "server_location", "overseas")]),
        ("outside mainland china", [("outside mainland china", "server_location", "overseas")]),
        ("is example.com.cn filed", [("example.com.cn", "domain", "example.com.cn")]),
        ("example.com备案了吗", [("example.com", "domain", "example.com")]),
        (".org 域名注销后还能备案吗", [(".org", "domain_suffix", ".org")]),
        ("阿里云的备案转到腾讯云", [("阿里云", "provider", "aliyun"), ("腾讯云", "provider", "tencent")]),
        # single characters inside ordinary words are not provinces
        ("新增网站", []),
        ("我要注销备案", []),
        ("苏州", []),
        ("download form.doc", []),
        ("", []),
        ("👍", []),
    ],
)
def test_entities(matcher, text, expected):
    assert found(matcher, text) == expected


def test_every_alias_of_every_province_is_extracted(matcher):
    kb = load_knowledge(KNOWLEDGE)
    for alias, bureau_id in iter_alias_table(kb):
        hits = found(matcher, alias)
        assert hits and hits[0][2] == bureau_id, (alias, bureau_id, hits)
    for bureau in kb.bureaus:
        for prefix in bureau.icp_prefixes:
            assert found(matcher, f"{prefix}ICP备00000001号")[0][2] == bureau.id


def test_component_persists_its_table_in_the_model(tmp_path):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("entities")
    config = {"knowledge_path": str(KNOWLEDGE), "lexicon": str(LEXICON)}
    ctx = ExecutionContext(None)
    KnowledgeEntityExtractor.create(config, storage, resource, ctx).train(TrainingData())
    # Loaded with a knowledge path that does not exist: the model is self-contained.
    loaded = KnowledgeEntityExtractor.load(
        {"knowledge_path": "/nonexistent", "lexicon": "/nonexistent"}, storage, resource, ctx
    )
    message = Message(data={"text": "粤ICP备1号 in Guangdong"})
    loaded.process([message])
    entities = message.get("entities")
    assert [(e["entity"], e["value"], e["extractor"]) for e in entities] == [
        ("province", "guangdong", "KnowledgeEntityExtractor"),
        ("province", "guangdong", "KnowledgeEntityExtractor"),
    ]
