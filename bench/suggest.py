"""Latency of agent-assist suggestions over the labelled customer questions (tests/agent/).

    .venv/bin/python bench/suggest.py [--model models/icp.tar.gz] [--rounds 3]
    AGENT_TOKEN=... .venv/bin/python bench/suggest.py --url http://127.0.0.1:5005

Without --url: loads the model in this process and times what ``POST /agent/suggest`` does
(the model's parse plus building the suggestions from knowledge), without HTTP. With --url:
times the HTTP requests to a running server (token from $AGENT_TOKEN). Prints p50/p95/max and
the top-3 accuracy; writes bench/results/suggest.json. Target: p95 <= 100 ms.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the model refers to components.* by module path
CASES = ROOT / "tests" / "agent" / "suggest_cases.yml"
TARGET_P95_MS = 100.0


def percentile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def in_process(model: str) -> Callable:
    from rasa.core.agent import Agent

    from channels.agent import AgentInput

    agent = Agent.load(model)
    channel = AgentInput(token="bench")

    async def suggest(text: str) -> Dict:
        return await channel._suggest(agent, text)

    return suggest


async def over_http(url: str, token: str) -> Callable:
    import aiohttp

    session = aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"})

    async def suggest(text: str) -> Dict:
        async with session.post(f"{url.rstrip('/')}/agent/suggest", json={"text": text}) as response:
            response.raise_for_status()
            return await response.json()

    suggest.session = session  # type: ignore[attr-defined]
    return suggest


async def measure(suggest: Callable, cases: List[Dict], rounds: int) -> Tuple[List[float], float]:
    for case in cases[:10]:  # warm-up: jieba, spaCy and TensorFlow build caches on first use
        await suggest(case["text"])
    timings, hits = [], 0
    for round_number in range(rounds):
        for case in cases:
            started = time.perf_counter()
            body = await suggest(case["text"])
            timings.append((time.perf_counter() - started) * 1000)
            if round_number == 0:
                hits += case["expect"] in [s["id"] for s in body["suggestions"][:3]]
    return timings, hits / len(cases)


async def run(args: argparse.Namespace) -> Dict:
    cases = yaml.safe_load(CASES.read_text("utf-8"))["cases"]
    if args.url:
        token = os.environ.get("AGENT_TOKEN")
        if not token:
            raise SystemExit("Set AGENT_TOKEN to the server's agent token.")
        suggest = await over_http(args.url, token)
    else:
        suggest = await in_process(args.model)
    try:
        timings, top3 = await measure(suggest, cases, args.rounds)
    finally:
        if hasattr(suggest, "session"):
            await suggest.session.close()
    return {
        "mode": f"http {args.url}" if args.url else f"in-process {args.model}",
        "questions": len(cases),
        "requests": len(timings),
        "top3_accuracy": round(top3, 4),
        "suggest_ms_p50": round(statistics.median(timings), 2),
        "suggest_ms_p95": round(percentile(timings, 0.95), 2),
        "suggest_ms_max": round(max(timings), 2),
        "target_p95_ms": TARGET_P95_MS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/icp.tar.gz")
    parser.add_argument("--url", help="time a running server's /agent/suggest over HTTP instead")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default="bench/results/suggest.json")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa's per-parse debug lines would be timed too
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    result = asyncio.run(run(args))
    out = ROOT / args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    print(("OK" if result["suggest_ms_p95"] <= TARGET_P95_MS else "SLOWER THAN TARGET")
          + f": p95 {result['suggest_ms_p95']} ms (target <= {TARGET_P95_MS:g} ms)")


if __name__ == "__main__":
    main()
