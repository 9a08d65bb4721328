"""Builds the top-level ``domain.yml`` from the topic files in ``domain/``.

``domain/<topic>.yml`` is where the domain is edited (one file per topic, like data/ and
actions/); ``domain.yml`` is what plain ``rasa train`` / ``rasa run`` / ``rasa test`` read
without flags. It is generated, committed (a fresh clone works before any ``make``), and a
test fails when it is out of date.

    python -m scripts.domain            # rewrite domain.yml
    python -m scripts.domain --check    # exit 1 when domain.yml is stale
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Dict, List

import yaml

ROOT = Path(__file__).resolve().parent.parent
HEADER = (
    "# GENERATED from domain/*.yml by `make generate` (python -m scripts.domain): do not edit.\n"
    "# Edit the topic file in domain/ instead; tests/test_config_files.py fails when this is stale.\n"
)


class DomainConflict(ValueError):
    pass


def _merge_into(merged: Dict[str, Any], part: Dict[str, Any], source: str) -> None:
    for key, value in part.items():
        if key not in merged:
            merged[key] = value
        elif isinstance(value, list) and isinstance(merged[key], list):
            merged[key] = merged[key] + [item for item in value if item not in merged[key]]
        elif isinstance(value, dict) and isinstance(merged[key], dict):
            for name, item in value.items():
                if name in merged[key] and merged[key][name] != item:
                    raise DomainConflict(f"{source}: {key}.{name} is defined differently in two files")
                merged[key][name] = item
        elif merged[key] != value:
            raise DomainConflict(f"{source}: {key} differs from another file ({merged[key]!r})")


def merge(folder: Path) -> Dict[str, Any]:
    """The topic files merged in name order (core.yml first: it holds version and session_config)."""
    files = sorted(folder.glob("*.yml"), key=lambda p: (p.name != "core.yml", p.name))
    if not files:
        raise FileNotFoundError(f"no domain files in {folder}")
    merged: Dict[str, Any] = {}
    for path in files:
        part = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        _merge_into(merged, part, str(path))
    return merged


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, text: str) -> Any:
    # Multi-line replies stay readable as literal blocks.
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _str)


def render(folder: Path) -> str:
    body = yaml.dump(merge(folder), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120)
    return HEADER + body


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when domain.yml is stale")
    parser.add_argument("--folder", type=Path, default=ROOT / "domain")
    parser.add_argument("--out", type=Path, default=ROOT / "domain.yml")
    args = parser.parse_args(argv)
    text = render(args.folder)
    if args.check:
        if not args.out.exists() or args.out.read_text(encoding="utf-8") != text:
            print(f"{args.out} is out of date: run `make generate`", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
