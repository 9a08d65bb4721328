"""NLU quality on the held-out set (tests/nlu), per language set, and parse latency.

    .venv/bin/python bench/nlu.py                 # train a fresh model on data/, then evaluate
    .venv/bin/python bench/nlu.py --model models/icp.tar.gz   # evaluate an existing model
    .venv/bin/python bench/nlu.py --model models/icp.tar.gz --check   # exit 1 below the targets

Prints, for each set (en, zh, zh_mixed, zh_hant): intent accuracy and macro-F1 (FAQ
questions are scored by their full retrieval intent, e.g. faq/dereg_duration), entity
precision/recall/F1 (exact span, type and normalised value; overall and per type), the
ten most confused intent pairs and the parse latency. Writes bench/results/nlu.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
# The model refers to the project's custom components (components.*) by module path.
sys.path.insert(0, str(ROOT))
SETS = ("en", "zh", "zh_mixed", "zh_hant")
# The targets of the NLU issue.
TARGETS = {
    "macro_f1": {"en": 0.92, "zh": 0.92},
    "province_f1": {"en": 0.98, "zh": 0.98},
    # mixed-language and Traditional within 5 points of Simplified Chinese
    "max_gap_to_zh": 0.05,
}


def load_examples(folder: Path) -> List[Tuple[str, str, List[dict]]]:
    """(text, gold intent, gold entities) for every example of a held-out set."""
    from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(folder))
    examples = []
    for message in data.intent_examples:
        gold = message.get(INTENT_RESPONSE_KEY) or message.get(INTENT)
        entities = [
            {k: e[k] for k in ("start", "end", "entity", "value")}
            for e in message.get("entities") or []
        ]
        examples.append((message.get("text"), gold, entities))
    return examples


def predicted_intent(parse: dict) -> str:
    intent = parse.get("intent") or {}
    return intent.get("full_retrieval_intent_name") or intent.get("name") or "None"


def entity_scores(gold: List[List[dict]], pred: List[List[dict]]) -> Dict[str, dict]:
    def key(e):
        return (e["start"], e["end"], e["entity"], str(e["value"]))

    counts: Dict[str, Counter] = defaultdict(Counter)
    for g, p in zip(gold, pred):
        gs, ps = {key(e) for e in g}, {key(e) for e in p}
        for scope in ("all",) + tuple({k[2] for k in gs | ps}):
            gsel = {k for k in gs if scope in ("all", k[2])}
            psel = {k for k in ps if scope in ("all", k[2])}
            counts[scope]["tp"] += len(gsel & psel)
            counts[scope]["fp"] += len(psel - gsel)
            counts[scope]["fn"] += len(gsel - psel)
    scores = {}
    for scope, c in sorted(counts.items()):
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        scores[scope] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
                         "support": c["tp"] + c["fn"]}
    return scores


async def evaluate(model: str) -> dict:
    from rasa.core.agent import Agent
    from sklearn.metrics import accuracy_score, f1_score

    agent = Agent.load(model)
    results = {"model": model, "sets": {}}
    for name in SETS:
        folder = ROOT / "tests" / "nlu" / name
        if not folder.exists():
            continue
        examples = load_examples(folder)
        gold_intents, pred_intents, gold_ents, pred_ents, timings = [], [], [], [], []
        for text, gold, entities in examples:
            t0 = time.perf_counter()
            parse = await agent.parse_message(text)
            timings.append((time.perf_counter() - t0) * 1000)
            gold_intents.append(gold)
            pred_intents.append(predicted_intent(parse))
            gold_ents.append(entities)
            pred_ents.append(parse.get("entities") or [])
        confused = Counter(
            (g, p) for g, p in zip(gold_intents, pred_intents) if g != p
        ).most_common(10)
        timings.sort()
        labels = sorted(set(gold_intents))
        per_intent = f1_score(gold_intents, pred_intents, average=None, labels=labels, zero_division=0)
        weakest = sorted(zip(per_intent, labels))[:15]
        results["sets"][name] = {
            "examples": len(examples),
            "intents": len(set(gold_intents)),
            "intent_accuracy": round(accuracy_score(gold_intents, pred_intents), 4),
            "intent_macro_f1": round(
                f1_score(gold_intents, pred_intents, average="macro",
                         labels=sorted(set(gold_intents)), zero_division=0), 4),
            "entities": entity_scores(gold_ents, pred_ents),
            "most_confused": [{"gold": g, "predicted": p, "count": n} for (g, p), n in confused],
            "weakest_intents": [{"intent": i, "f1": round(f, 3)} for f, i in weakest],
            "parse_ms_p50": round(statistics.median(timings), 2),
            "parse_ms_p95": round(timings[int(0.95 * (len(timings) - 1))], 2),
        }
    return results


def check(results: dict, gate: dict = TARGETS) -> List[str]:
    sets = results["sets"]
    failures = []
    for name, target in gate["macro_f1"].items():
        value = sets[name]["intent_macro_f1"]
        if value < target:
            failures.append(f"{name}: intent macro-F1 {value} < {target}")
    for name, target in gate["province_f1"].items():
        value = sets[name]["entities"].get("province", {}).get("f1", 0.0)
        if value < target:
            failures.append(f"{name}: province F1 {value} < {target}")
    for name in ("zh_mixed", "zh_hant"):
        gap = sets["zh"]["intent_macro_f1"] - sets[name]["intent_macro_f1"]
        if gap > gate["max_gap_to_zh"]:
            failures.append(f"{name}: macro-F1 {gap:.3f} below zh (allowed {gate['max_gap_to_zh']})")
    return failures


def print_report(results: dict) -> None:
    print(f"model: {results['model']}" + (f"  (trained in {results['train_seconds']} s)" if "train_seconds" in results else ""))
    for name, s in results["sets"].items():
        ents = s["entities"]
        print(f"\n[{name}] {s['examples']} examples, {s['intents']} intents")
        print(f"  intent accuracy {s['intent_accuracy']:.3f}   macro-F1 {s['intent_macro_f1']:.3f}")
        for scope in ["all"] + sorted(k for k in ents if k != "all"):
            e = ents[scope]
            print(f"  entities {scope:<16} P {e['precision']:.3f}  R {e['recall']:.3f}  F1 {e['f1']:.3f}  (n={e['support']})")
        print(f"  parse latency p50 {s['parse_ms_p50']} ms   p95 {s['parse_ms_p95']} ms")
        print("  most confused (gold -> predicted):")
        for c in s["most_confused"]:
            print(f"    {c['count']}x  {c['gold']}  ->  {c['predicted']}")
        print("  weakest intents (F1): " + ", ".join(f"{w['intent']} {w['f1']}" for w in s["weakest_intents"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="evaluate this model instead of training a new one")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "nlu.json"))
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.disable(logging.WARNING)
    # Rasa logs every parse through structlog at debug level; keep the report readable.
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    model, train_seconds = args.model, None
    if model is None:
        out = tempfile.mkdtemp(prefix="nlu-bench-")
        t0 = time.perf_counter()
        subprocess.run(
            [str(Path(sys.executable).parent / "rasa"), "train", "nlu", "--nlu", "data/nlu",
             "--config", "config.yml", "--domain", "domain", "--out", out,
             "--fixed-model-name", "nlu-bench", "--quiet"],
            cwd=ROOT, check=True,
        )
        train_seconds = round(time.perf_counter() - t0, 1)
        model = str(Path(out) / "nlu-bench.tar.gz")
    results = asyncio.run(evaluate(model))
    if train_seconds is not None:
        results["train_seconds"] = train_seconds
    failures = check(results, TARGETS)
    results["target_failures"] = failures
    print_report(results)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.out}")
    if failures:
        print("TARGETS MISSED:\n  " + "\n  ".join(failures))
    else:
        print("all targets met")
    return 1 if failures and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
