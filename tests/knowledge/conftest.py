"""Fixtures for the knowledge package tests.

Tests build their data in ``tmp_path``. The real FAQ files are written by another team member and
change independently, so only ``test_knowledge_data.py::test_real_data_directory_validates`` loads
the whole real ``knowledge/data``; tests about bureaus and glossary copy those real files next to a
small FAQ fixture instead (see ``knowledge_fixtures.py``).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

from knowledge.loader import load_knowledge
from knowledge.model import Knowledge
from tests.knowledge.knowledge_fixtures import DataDict, minimal_data, real_data_with_fixture_faq, write_data


@pytest.fixture
def make_data(tmp_path: Path) -> Callable[..., Path]:
    """``make_data(mutate=None)``: write the minimal data set, optionally changed by ``mutate(data)``."""

    def make(mutate: Optional[Callable[[DataDict], Any]] = None) -> Path:
        data = copy.deepcopy(minimal_data())
        if mutate is not None:
            mutate(data)
        return write_data(tmp_path / "data", data)

    return make


@pytest.fixture(scope="session")
def real_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return real_data_with_fixture_faq(tmp_path_factory.mktemp("real") / "data")


@pytest.fixture(scope="session")
def kb(real_dir: Path) -> Knowledge:
    """Knowledge from the real bureaus/glossary/sources and the FAQ fixture."""
    return load_knowledge(real_dir)
