"""Per-message NLU parse latency of the trained model, and the process's memory.

    .venv/bin/python bench/parse_latency.py --model models/icp.tar.gz [--rounds 5]

Prints p50/p95/max per message over a fixed bilingual message set (English,
Simplified, Traditional, mixed, long and odd inputs). Target: p95 < 30 ms.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import resource
import statistics
import time
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The model refers to the project's custom components (components.*) by module path.
sys.path.insert(0, str(ROOT))

MESSAGES = [
    "hello",
    "你好",
    "how long does deregistration take",
    "注销备案要多久",
    "where can I download the deregistration form for Zhejiang",
    "浙江管局注销申请表在哪下载",
    "備案號被註銷了怎麼辦",
    "备案transfer怎么弄",
    "my website can't be accessed after the transfer was approved",
    "苏ICP备12345678号-1 要注销",
    "do I need ICP filing if my server is in hong kong",
    "example.com.cn 需要备案吗",
    "👍",
    "I bought a new domain but the system says an ICP filing number already exists, "
    "what should I do? The old owner never deregistered it and I need to file it now.",
]


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def measure(model: str, rounds: int) -> dict:
    from rasa.core.agent import Agent

    started = time.perf_counter()
    agent = Agent.load(model)
    load_seconds = time.perf_counter() - started
    for text in MESSAGES:  # warm-up: first calls build caches (jieba, spaCy, TF graphs)
        await agent.parse_message(text)
    timings = []
    for _ in range(rounds):
        for text in MESSAGES:
            t0 = time.perf_counter()
            await agent.parse_message(text)
            timings.append((time.perf_counter() - t0) * 1000)
    return {
        "model": model,
        "messages": len(timings),
        "load_seconds": round(load_seconds, 2),
        "parse_ms_p50": round(statistics.median(timings), 2),
        "parse_ms_p95": round(percentile(timings, 0.95), 2),
        "parse_ms_max": round(max(timings), 2),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/icp.tar.gz")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", default="bench/results/parse_latency.json")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    result = asyncio.run(measure(args.model, args.rounds))
    print(json.dumps(result, indent=2))
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
