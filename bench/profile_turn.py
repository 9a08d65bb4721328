"""Where the time of a turn goes, outside NLU: a breakdown per turn, and a pyinstrument profile.

Loads the trained model in this process (as `rasa run` does) with a SQLite tracker store in a
temporary folder, starts the action server, and sends one long conversation (held-out EN/ZH
messages of tests/nlu, like bench/load.py) through ``Agent.handle_message``. Rasa's own
methods are wrapped with timers:

- nlu           MessageProcessor.parse_message
- tracker_load  TrackerStore.retrieve (+ session check)        tracker_save  TrackerStore.save
- policy        MessageProcessor._predict_next_with_tracker, once per predicted action
                (per policy class too: TEDPolicy, RulePolicy, MemoizationPolicy)
- action_server RemoteAction.run: HTTP round trip to the action server incl. the request's
                tracker + domain JSON (payload built in action_payload)
- render        TemplatedNaturalLanguageGenerator.generate (utter_* responses)
- other         the rest of handle_message (events applied to the tracker, slot extraction, ...)

    .venv/bin/python bench/profile_turn.py [--turns 40] [--pyinstrument bench/results/profile-turn.txt]
    .venv/bin/python bench/profile_turn.py --store stores.windowed.WindowedSQLTrackerStore \
        --out bench/results/profile-turn-windowed.json     # the same with the windowed store

Prints a table for turns 1–10 and 31–40 and writes bench/results/profile-turn.json.
"""
from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# one turn's figures: name -> seconds, and counts
CURRENT: Dict[str, float] = defaultdict(float)
COUNTS: Dict[str, int] = defaultdict(int)
PAYLOAD: Dict[str, List[int]] = defaultdict(list)


def timed(owner: Any, method: str, label: str, exact_class: bool = False) -> None:
    original = getattr(owner, method)

    if asyncio.iscoroutinefunction(original):
        @functools.wraps(original)
        async def wrapper(self, *args, **kwargs):
            started = time.perf_counter()
            try:
                return await original(self, *args, **kwargs)
            finally:
                if not exact_class or type(self) is owner:
                    CURRENT[label] += time.perf_counter() - started
                    COUNTS[label] += 1
    else:
        @functools.wraps(original)
        def wrapper(self, *args, **kwargs):
            started = time.perf_counter()
            try:
                return original(self, *args, **kwargs)
            finally:
                if not exact_class or type(self) is owner:
                    CURRENT[label] += time.perf_counter() - started
                    COUNTS[label] += 1
    setattr(owner, method, wrapper)


def instrument() -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
    from rasa.core.policies.memoization import MemoizationPolicy
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.core.policies.ted_policy import TEDPolicy
    from rasa.core.processor import MessageProcessor
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.utils.endpoints import EndpointConfig

    timed(MessageProcessor, "parse_message", "nlu")
    timed(MessageProcessor, "fetch_tracker_and_update_session", "tracker_load")
    timed(SQLTrackerStore, "save", "tracker_save")
    from stores.windowed import WindowedSQLTrackerStore

    timed(WindowedSQLTrackerStore, "save", "tracker_save", exact_class=True)
    timed(MessageProcessor, "_predict_next_with_tracker", "policy")
    timed(TEDPolicy, "predict_action_probabilities", "policy.TEDPolicy", exact_class=True)
    timed(RulePolicy, "predict_action_probabilities", "policy.RulePolicy", exact_class=True)
    timed(MemoizationPolicy, "predict_action_probabilities", "policy.MemoizationPolicy",
          exact_class=True)
    timed(RemoteAction, "run", "action_server")
    timed(RemoteAction, "_validate_action_result", "action_validate")
    timed(EndpointConfig, "request", "action_http")
    timed(TemplatedNaturalLanguageGenerator, "generate", "render")

    original = RemoteAction._action_call_format

    def payload(self, tracker, domain):
        started = time.perf_counter()
        body = original(self, tracker, domain)
        encoded = json.dumps(body)
        CURRENT["action_payload"] += time.perf_counter() - started
        PAYLOAD["total"].append(len(encoded))
        PAYLOAD["tracker"].append(len(json.dumps(body["tracker"])))
        PAYLOAD["domain"].append(len(json.dumps(body.get("domain") or {})))
        COUNTS[f"action:{self.name()}"] += 1
        return body

    RemoteAction._action_call_format = payload


def messages(seed: int) -> Dict[str, List[str]]:
    from bench.load import load_messages

    return {lang: load_messages(ROOT / "tests" / "nlu" / lang) for lang in ("en", "zh")}


async def converse(agent, texts: List[str], sender: str) -> List[Dict[str, float]]:
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    turns = []
    for text in texts:
        CURRENT.clear()
        COUNTS.clear()
        started = time.perf_counter()
        await agent.handle_message(UserMessage(text, CollectingOutputChannel(), sender))
        figures = dict(CURRENT)
        figures["total"] = time.perf_counter() - started
        figures["predictions"] = COUNTS["policy"]
        figures["action_calls"] = COUNTS["action_server"]
        figures["actions"] = sorted(k[7:] for k in COUNTS if k.startswith("action:"))
        turns.append(figures)
    return turns


COLUMNS = ["total", "nlu", "tracker_load", "tracker_save", "policy", "policy.TEDPolicy",
           "policy.RulePolicy", "policy.MemoizationPolicy", "action_server", "action_payload",
           "action_http", "action_validate", "render", "other"]


def summarise(turns: List[Dict[str, Any]]) -> Dict[str, float]:
    out: Dict[str, float] = {}
    for turn in turns:
        accounted = sum(turn.get(k, 0.0) for k in ("nlu", "tracker_load", "tracker_save", "policy",
                                                   "action_server", "render"))
        turn["other"] = turn["total"] - accounted
    for column in COLUMNS:
        out[column] = round(statistics.median(t.get(column, 0.0) for t in turns) * 1000, 1)
    out["predictions"] = statistics.mean(t["predictions"] for t in turns)
    out["action_calls"] = statistics.mean(t["action_calls"] for t in turns)
    return out


async def main_async(args) -> Dict[str, Any]:
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from scripts.endpoints import write_endpoints
    from tests.conftest import free_port

    tmp = Path(tempfile.mkdtemp(prefix="profile-turn-"))
    port = free_port()
    actions = subprocess.Popen(
        [str(Path(sys.executable).parent / "rasa"), "run", "actions", "--actions", "actions",
         "--port", str(port)], cwd=ROOT, stdout=(tmp / "actions.log").open("w"),
        stderr=subprocess.STDOUT)
    try:
        import requests

        for _ in range(240):
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        endpoints = write_endpoints(tmp / "endpoints.yml",
                                    action_url=f"http://127.0.0.1:{port}/webhook",
                                    tracker_db=str(tmp / "tracker.db"))
        if args.store:
            import yaml

            config = yaml.safe_load(endpoints.read_text(encoding="utf-8"))
            config["tracker_store"]["type"] = args.store
            if args.window:
                config["tracker_store"]["window"] = args.window
            endpoints.write_text(yaml.safe_dump(config), encoding="utf-8")
        # before the model is loaded: the graph keeps references to the policies' methods
        instrument()
        agent = await load_agent(model_path=args.model,
                                 endpoints=AvailableEndpoints.read_endpoints(str(endpoints)))
        rng = random.Random(args.seed)
        pool = messages(args.seed)
        # warm-up: first calls build graph caches and TF functions
        await converse(agent, [rng.choice(pool["en"]), rng.choice(pool["zh"])] * 3, "warmup")
        results: Dict[str, Any] = {}
        for lang in ("en", "zh"):
            texts = [rng.choice(pool[lang]) for _ in range(args.turns)]
            if args.pyinstrument and lang == "zh":
                from pyinstrument import Profiler

                profiler = Profiler(async_mode="enabled", interval=0.0005)
                profiler.start()
                turns = await converse(agent, texts, f"profile-{lang}")
                profiler.stop()
                Path(args.pyinstrument).write_text(
                    profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8")
            else:
                turns = await converse(agent, texts, f"profile-{lang}")
            results[lang] = {
                "turns_1_10": summarise(turns[:10]),
                f"turns_{args.turns - 9}_{args.turns}": summarise(turns[-10:]),
                "all": summarise(turns),
                "actions_per_turn": [t["actions"] for t in turns],
            }
        results["payload_bytes"] = {k: {"median": int(statistics.median(v)), "max": max(v)}
                                    for k, v in PAYLOAD.items() if v}
        return results
    finally:
        actions.terminate()
        actions.wait(timeout=30)


def main(argv: Optional[List[str]] = None) -> int:
    import logging

    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    # as `rasa run` (INFO); debug logging of trackers would dominate the figures
    configure_logging_and_warnings(logging.INFO)
    configure_structlog(logging.INFO)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "models" / "icp.tar.gz"))
    parser.add_argument("--turns", type=int, default=40)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--store", help="tracker store class instead of endpoints.yml's, "
                        "e.g. stores.windowed.WindowedSQLTrackerStore")
    parser.add_argument("--window", type=int, help="its window (events)")
    parser.add_argument("--pyinstrument", help="write pyinstrument's text profile (zh conversation) here")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "profile-turn.json")
    args = parser.parse_args(argv)
    results = asyncio.run(main_async(args))
    results["load_average"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print("| conversation | turns | " + " | ".join(COLUMNS) + " | predictions | action calls |")
    print("| --- " * (len(COLUMNS) + 4) + "|")
    for lang in ("en", "zh"):
        for key, row in results[lang].items():
            if key.startswith("turns"):
                print(f"| {lang} | {key[6:].replace('_', '–')} | "
                      + " | ".join(str(row[c]) for c in COLUMNS)
                      + f" | {row['predictions']:.1f} | {row['action_calls']:.1f} |")
    print(f"\naction call payload bytes: {results['payload_bytes']}")
    print(f"(medians in ms; load average {results['load_average']}); written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
