"""Fixtures for the custom action tests: a small knowledge base and the real domain."""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Dict

import pytest
from rasa_sdk.executor import CollectingDispatcher

from knowledge import Knowledge, load_knowledge
from tests.knowledge.knowledge_fixtures import minimal_data, write_data

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def kb(tmp_path: Path) -> Knowledge:
    """Two bureaus (Jiangsu: form links and host; Hunan: online, with a note), two sources and
    three FAQ entries, written by the knowledge tests' builder."""
    return load_knowledge(write_data(tmp_path / "data", copy.deepcopy(minimal_data())))


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    """The real domain as the action server receives it (forms, slots, responses)."""
    from rasa.shared.core.domain import Domain

    return Domain.load(str(ROOT / "domain")).as_dict()


@pytest.fixture(scope="session")
def real_kb() -> Knowledge:
    """The real knowledge base, for checks of the real test stories."""
    return load_knowledge(ROOT / "knowledge" / "data")
