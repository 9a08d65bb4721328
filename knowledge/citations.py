"""Check that every decision branch cites the seed lines it rests on.

``knowledge/data/citations.yml`` gives, for each branch in :data:`knowledge.decisions.BRANCHES`
(every advice code and every refinement such as the suffix check), one or more short verbatim
quotes with the stem of the seed they come from. A reviewer can check a branch against the seeds
without reading code; :func:`citation_problems` makes sure nothing is missing and, when the seed
documents are at hand, that each quote really is in its seed.

The seeds are not part of a deployment (only ``knowledge/`` is shipped), so a missing seeds
directory is not an error: the quotes are then checked for form only, and the caller says so.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Dict, List, Optional

from knowledge.decisions import BRANCHES
from knowledge.model import Knowledge

SEEDS_ENV = "ICP_SEEDS_DIR"
# The project keeps the seeds next to the checkout: /work/shared/seeds for /work/<worktree>.
DEFAULT_SEEDS_DIR = Path(__file__).resolve().parents[2] / "shared" / "seeds"

_SPACE = re.compile(r"\s+")


def seeds_dir() -> Path:
    """Where the seed documents are: ``$ICP_SEEDS_DIR``, else ``../shared/seeds`` of the project."""
    chosen = os.environ.get(SEEDS_ENV)
    return Path(chosen) if chosen else DEFAULT_SEEDS_DIR


def squeeze(text: str) -> str:
    """Whitespace runs as one space: a quote may span a line break of the seed."""
    return _SPACE.sub(" ", text).strip()


def citation_problems(kb: Knowledge, seeds: Optional[Path]) -> List[str]:
    """Every problem with the citations; the quotes are looked up only when ``seeds`` is a directory."""
    problems: List[str] = []
    cited = {c.branch for c in kb.citations}
    for branch in BRANCHES:
        if branch not in cited:
            problems.append(f"citations.yml: branch '{branch}' cites no seed line")
    for entry in kb.citations:
        if entry.branch not in BRANCHES:
            problems.append(f"citations.yml: entry '{entry.branch}': no such decision branch")
    if seeds is None or not seeds.is_dir():
        return problems
    texts: Dict[str, Optional[str]] = {}
    for entry in kb.citations:
        for cite in entry.cites:
            if cite.source not in texts:
                path = seeds / f"{cite.source}.txt"
                texts[cite.source] = squeeze(path.read_text(encoding="utf-8")) if path.is_file() else None
            text = texts[cite.source]
            if text is None:
                problems.append(f"citations.yml: entry '{entry.branch}': seed file {cite.source}.txt is missing in {seeds}")
            elif squeeze(cite.quote) not in text:
                problems.append(f"citations.yml: entry '{entry.branch}': quote not found in {cite.source}: {cite.quote!r}")
    return problems
