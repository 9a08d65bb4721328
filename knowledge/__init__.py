"""Single source of facts for the ICP filing assistant: bureaus, FAQ, glossary, decisions.

Importing this package does no work; call :func:`load_knowledge` to read the data.
"""

from __future__ import annotations

from knowledge.decisions import (
    DECISION_INPUTS,
    DECISIONS,
    INPUTS,
    Advice,
    Ask,
    Outcome,
    check_input,
    deregistration_route,
    diagnose_access,
    filing_needed,
    transfer_advice,
)
from knowledge.loader import DEFAULT_DATA_DIR, KnowledgeError, completeness_problems, load_knowledge
from knowledge.model import Bilingual, Bureau, FaqEntry, FormLink, GlossaryTerm, Knowledge, Note, Source
from knowledge.provinces import ProvinceMatch, bureau_links, find_province, iter_alias_table
from knowledge.text import normalize

__all__ = [
    "DECISION_INPUTS",
    "DECISIONS",
    "DEFAULT_DATA_DIR",
    "INPUTS",
    "Advice",
    "Ask",
    "Bilingual",
    "Bureau",
    "FaqEntry",
    "FormLink",
    "GlossaryTerm",
    "Knowledge",
    "KnowledgeError",
    "Note",
    "Outcome",
    "ProvinceMatch",
    "Source",
    "bureau_links",
    "check_input",
    "completeness_problems",
    "deregistration_route",
    "diagnose_access",
    "filing_needed",
    "find_province",
    "iter_alias_table",
    "load_knowledge",
    "normalize",
    "transfer_advice",
]
