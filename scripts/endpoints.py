"""Writes an endpoints file: endpoints.yml with another action server URL or tracker database.

endpoints.yml holds working local defaults (action server on 127.0.0.1:5055, SQLite in var/);
`make run` on other ports, the story tests and the test fixtures need the same file with other
values. They write it with this module instead of making endpoints.yml depend on variables.

    python -m scripts.endpoints --action-url URL --tracker-db PATH --out var/endpoints.run.yml
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

import yaml

ROOT = Path(__file__).resolve().parent.parent


def write_endpoints(
    out: Path,
    action_url: Optional[str] = None,
    tracker_db: Optional[str] = None,
    base: Path = ROOT / "endpoints.yml",
) -> Path:
    endpoints = yaml.safe_load(base.read_text(encoding="utf-8"))
    if action_url:
        endpoints["action_endpoint"]["url"] = action_url
    if tracker_db:
        endpoints["tracker_store"]["db"] = tracker_db
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
    return out


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--action-url")
    parser.add_argument("--tracker-db")
    parser.add_argument("--base", type=Path, default=ROOT / "endpoints.yml")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    write_endpoints(args.out, args.action_url, args.tracker_db, args.base)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
