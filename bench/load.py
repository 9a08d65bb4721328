"""Load benchmark through the REST channel: latency percentiles, throughput, errors and lost turns.

Concurrent simulated users (asyncio + aiohttp) send a realistic mix of English and Chinese
messages — the held-out NLU examples of tests/nlu/ (never trained on), half of each language —
in fresh conversations (4 turns, then a new sender id) and long ones (one sender, 40 turns).
After each level every conversation is read back from the tracker database: a turn is lost when
its user message is missing from the stored conversation (or stored twice, or out of order), or
when the reply was an empty list.

    # starts the servers itself (start-up time and peak RSS measured), then fresh conversations
    # at 1, 8, 32 users and 40-turn conversations at 1 and 8 users
    .venv/bin/python bench/load.py --profile default
    PROFILE=production REST_TOKEN=... ACTION_SERVER_TOKEN=... AGENT_TOKEN=... SOCKETIO_SESSION_SECRET=... \\
        .venv/bin/python bench/load.py --profile production     # 2 replicas behind nginx
    # or against servers already running (no start-up/RSS figures unless --rss-port)
    .venv/bin/python bench/load.py --url http://127.0.0.1:5005 --db sqlite:///var/tracker.db

Writes bench/results/load-<profile>-<UTC time>.json and prints a Markdown table.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FRESH_TURNS = 4
LONG_TURNS = 40
LONG_BLOCK = 10  # a long conversation repeats one block of this many messages
ENTITY = re.compile(r"\[([^\]]+)\]\{[^}]*\}|\[([^\]]+)\]\([^)]*\)")


def load_messages(folder: Path) -> List[str]:
    texts: List[str] = []
    for path in sorted(folder.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            for line in (block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    texts.append(ENTITY.sub(lambda m: m.group(1) or m.group(2), line[2:]).strip())
    return [t for t in texts if t]


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass
class Turn:
    sender: str
    index: int  # turn number inside its conversation, from 0
    text: str
    seconds: float = 0.0
    status: int = 0
    replies: int = 0
    error: str = ""


@dataclass
class LevelResult:
    users: int
    scenario: str
    turns: List[Turn] = field(default_factory=list)
    wall: float = 0.0
    stored_lost: int = 0
    stored_duplicated: int = 0
    stored_out_of_order: int = 0

    def summary(self) -> Dict[str, object]:
        ok = [t.seconds * 1000 for t in self.turns if not t.error]
        errors = sum(1 for t in self.turns if t.error)
        empty = sum(1 for t in self.turns if not t.error and t.replies == 0)
        out = {
            "users": self.users, "scenario": self.scenario, "turns": len(self.turns),
            "p50_ms": round(percentile(ok, 0.5), 1), "p95_ms": round(percentile(ok, 0.95), 1),
            "p99_ms": round(percentile(ok, 0.99), 1),
            "throughput_msg_s": round(len(ok) / self.wall, 2) if self.wall else 0.0,
            "errors": errors, "empty_replies": empty,
            "lost_in_store": self.stored_lost, "duplicated_in_store": self.stored_duplicated,
            "out_of_order_in_store": self.stored_out_of_order,
            "wall_s": round(self.wall, 1),
        }
        if self.scenario == "long":
            first = [t.seconds * 1000 for t in self.turns if not t.error and t.index < 10]
            last = [t.seconds * 1000 for t in self.turns if not t.error and t.index >= LONG_TURNS - 10]
            if first and last:
                out["turns_1_10_p50_ms"] = round(statistics.median(first), 1)
                out["turns_31_40_p50_ms"] = round(statistics.median(last), 1)
                out["late_vs_early"] = round(statistics.median(last) / statistics.median(first), 2)
        errs = sorted({t.error for t in self.turns if t.error})
        if errs:
            out["error_kinds"] = errs[:5]
        return out


class Client:
    def __init__(self, url: str, token: Optional[str], timeout: float) -> None:
        self.url = url.rstrip("/") + "/webhooks/rest/webhook"
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def send(self, session: aiohttp.ClientSession, turn: Turn) -> None:
        started = time.perf_counter()
        try:
            async with session.post(self.url, json={"sender": turn.sender, "message": turn.text},
                                    headers=self.headers, timeout=self.timeout) as response:
                turn.status = response.status
                body = await response.json(content_type=None)
                if response.status != 200:
                    turn.error = f"HTTP {response.status}"
                else:
                    turn.replies = len(body) if isinstance(body, list) else 0
        except (aiohttp.ClientError, asyncio.TimeoutError, json.JSONDecodeError) as e:
            turn.error = type(e).__name__
        turn.seconds = time.perf_counter() - started


# Sent once before the measured levels, not counted: the first message a process parses builds
# TensorFlow's graphs (~1 s), which a running server pays once, not per user. Its reply time is
# reported on its own as `first_reply_ms`.
WARM_UP = ("hello", "我要注销备案", "江苏", "why is my website inaccessible?")


async def warm_up(client: Client, run_id: str) -> float:
    """Milliseconds of the first (cold) reply; the rest of the warm-up conversation is not timed."""
    first = None
    async with aiohttp.ClientSession() as session:
        for i, text in enumerate(WARM_UP):
            turn = Turn(f"warmup-{run_id}", i, text)
            await client.send(session, turn)
            if turn.error:
                raise SystemExit(f"warm-up message {text!r} failed: {turn.error}")
            first = turn.seconds if first is None else first
    return round((first or 0.0) * 1000, 1)


async def run_level(client: Client, users: int, scenario: str, turns_per_user: int,
                    messages: Dict[str, List[str]], seed: int, run_id: str) -> LevelResult:
    result = LevelResult(users, scenario)
    rng = random.Random(seed)
    conversation = LONG_TURNS if scenario == "long" else FRESH_TURNS

    async def user(number: int, session: aiohttp.ClientSession) -> None:
        local = random.Random(rng.random())
        sender = ""
        block: List[str] = []
        for i in range(turns_per_user):
            if i % conversation == 0:
                sender = f"load-{run_id}-{scenario}-{users}-{number}-{i // conversation}"
                language = local.choice(["en", "zh"])  # a user keeps to one language
                block = [local.choice(messages[language]) for _ in range(LONG_BLOCK)]
            if scenario == "long":
                # One block of messages, repeated: turns 31-40 say what turns 1-10 said, so their
                # ratio is what the conversation's length costs, not which questions came late.
                text = block[(i % conversation) % LONG_BLOCK]
            else:
                text = local.choice(messages[language])
            turn = Turn(sender, i % conversation, text)
            result.turns.append(turn)
            await client.send(session, turn)

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(user(n, session) for n in range(users)))
        result.wall = time.perf_counter() - started
    return result


def verify_store(db_url: str, result: LevelResult) -> None:
    """Every accepted turn's message is stored once, in the order it was sent."""
    import sqlalchemy as sa

    sent: Dict[str, List[str]] = {}
    for turn in result.turns:
        if not turn.error:
            sent.setdefault(turn.sender, []).append(turn.text)
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        for sender, texts in sent.items():
            rows = conn.execute(
                sa.text("SELECT data FROM events WHERE sender_id = :s AND type_name = 'user' ORDER BY id"),
                {"s": sender},
            ).fetchall()
            stored = [json.loads(r[0]).get("text") for r in rows]
            for text in set(texts):
                want, got = texts.count(text), stored.count(text)
                result.stored_lost += max(0, want - got)
                result.stored_duplicated += max(0, got - want)
            if sorted(stored) == sorted(texts) and stored != texts:
                result.stored_out_of_order += 1
    engine.dispose()


class RssWatcher:
    """Peak RSS of the Rasa processes (sampled every 0.5 s in a thread)."""

    def __init__(self, pids: Sequence[int]) -> None:
        import psutil

        self.processes = [psutil.Process(p) for p in pids]
        self.peak: Dict[int, int] = {p.pid: 0 for p in self.processes}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for p in self.processes:
                try:
                    self.peak[p.pid] = max(self.peak[p.pid], p.memory_info().rss)
                except Exception:  # a process killed meanwhile keeps its last peak
                    pass
            self._stop.wait(0.5)

    def __enter__(self) -> "RssWatcher":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def peak_mb(self) -> List[int]:
        return [round(v / 2**20) for v in self.peak.values()]


def pids_listening(ports: Sequence[int]) -> List[int]:
    import psutil

    wanted = set(ports)
    return sorted({c.pid for c in psutil.net_connections(kind="tcp")
                   if c.status == psutil.CONN_LISTEN and c.laddr.port in wanted and c.pid})


def start_default(tmp: Path) -> Tuple[subprocess.Popen, str, str, float, List[int]]:
    """scripts/run.sh (the default profile, as `make run` starts it) on free ports."""
    from tests.conftest import free_port
    import requests

    rasa_port, action_port = free_port(), free_port()
    db = tmp / "tracker.db"
    env = {**os.environ, "PROFILE": "default", "RASA_PORT": str(rasa_port),
           "ACTION_PORT": str(action_port), "TRACKER_DB": str(db)}
    started = time.monotonic()
    process = subprocess.Popen([str(ROOT / "scripts" / "run.sh")], cwd=ROOT, env=env,
                               stdout=(tmp / "run.log").open("w"), stderr=subprocess.STDOUT,
                               start_new_session=True)
    url = f"http://127.0.0.1:{rasa_port}"
    while True:
        if process.poll() is not None:
            raise RuntimeError((tmp / "run.log").read_text()[-3000:])
        try:
            if requests.get(f"{url}/webhooks/rest/", timeout=2).ok:
                break
        except requests.RequestException:
            pass
        time.sleep(0.5)
    return process, url, f"sqlite:///{db}", time.monotonic() - started, pids_listening([rasa_port])


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=["default", "production"],
                        help="start the servers of this profile (else use --url)")
    parser.add_argument("--url", help="a running server (nginx for the production profile)")
    parser.add_argument("--db", help="SQLAlchemy URL of the tracker database, to count lost turns")
    parser.add_argument("--rss-port", type=int, action="append", default=[],
                        help="port of a running Rasa process whose peak RSS to record")
    parser.add_argument("--fresh-users", default="1,8,32",
                        help="levels of concurrent users in fresh conversations (4 turns each)")
    parser.add_argument("--fresh-turns", type=int, default=12, help="turns per user per level")
    parser.add_argument("--long-users", default="1,8",
                        help="levels of concurrent users each in one 40-turn conversation")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--label", default="", help="free text stored with the results")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if not args.profile and not args.url:
        parser.error("give --profile (start servers) or --url (use running ones)")

    messages = {lang: load_messages(ROOT / "tests" / "nlu" / lang) for lang in ("en", "zh")}
    token = os.environ.get("REST_TOKEN")
    run_id = secrets.token_hex(3)
    report: Dict[str, object] = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "profile": args.profile or "running", "label": args.label,
        "load_average_at_start": os.getloadavg(), "cpus": os.cpu_count(),
        "messages": {k: len(v) for k, v in messages.items()}, "levels": [],
    }
    stop = lambda: None  # noqa: E731
    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    url, db_url, pids = args.url, args.db, pids_listening(args.rss_port) if args.rss_port else []
    if args.profile == "default":
        process, url, db_url, startup, pids = start_default(tmp)
        report["startup_s"] = round(startup, 1)

        def stop() -> None:
            os.killpg(process.pid, 15)
            process.wait(timeout=60)
    elif args.profile == "production":
        from scripts.cluster import Cluster, Settings, check_services, free_port_range

        db_name = f"icp_bench_{run_id}"
        ports = free_port_range(8)
        base = {**os.environ, "POSTGRES_DB": db_name, "REDIS_PREFIX": f"icpbench{run_id}",
                "RASA_PORT": str(ports), "ACTION_PORT": str(ports + 1),
                "RASA_REPLICA_BASE_PORT": str(ports + 2), "ACTION_REPLICA_BASE_PORT": str(ports + 5)}
        settings = Settings.from_env(base)
        check_services(settings)
        started = time.monotonic()
        cluster = Cluster(settings, tmp).start()
        report["startup_s"] = round(time.monotonic() - started, 1)
        report["replicas"] = len(cluster.replicas)
        url = cluster.url
        db_url = (f"postgresql://{settings['POSTGRES_USER']}@{settings['POSTGRES_HOST']}:"
                  f"{settings['POSTGRES_PORT']}/{db_name}")
        pids = [p.pid for p in cluster.replicas.values()]

        def stop() -> None:
            cluster.stop()
            from tests.production.services import delete_redis_keys, drop_database
            drop_database(settings, db_name)
            delete_redis_keys(settings)

    try:
        with RssWatcher(pids) as rss:
            report["first_reply_ms"] = asyncio.run(warm_up(Client(url, token, args.timeout), run_id))
            levels = [("fresh", u, args.fresh_turns) for u in args.fresh_users.split(",") if u]
            levels += [("long", u, LONG_TURNS) for u in args.long_users.split(",") if u]
            for scenario, users, turns in levels:
                users = int(users)
                level = asyncio.run(run_level(Client(url, token, args.timeout), users, scenario,
                                              turns, messages, args.seed + users, run_id))
                if db_url:
                    verify_store(db_url, level)
                summary = level.summary()
                report["levels"].append(summary)
                print(json.dumps(summary, ensure_ascii=False), flush=True)
        report["peak_rss_mb"] = rss.peak_mb()
    finally:
        stop()
    report["load_average_at_end"] = os.getloadavg()

    out = args.out or ROOT / "bench" / "results" / (
        f"load-{report['profile']}-{datetime.now(timezone.utc):%Y%m%dT%H%M}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\n{report['profile']} profile; start-up {report.get('startup_s', '-')} s; "
          f"first (cold) reply {report.get('first_reply_ms')} ms, then a warm-up conversation not counted; "
          f"peak RSS per Rasa process {report.get('peak_rss_mb')} MB; written to {out}\n")
    print("| scenario | users | turns | p50 ms | p95 ms | p99 ms | msg/s | errors | lost | late/early |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for s in report["levels"]:
        lost = s["lost_in_store"] + s["empty_replies"]
        print(f"| {s['scenario']} | {s['users']} | {s['turns']} | {s['p50_ms']} | {s['p95_ms']} | "
              f"{s['p99_ms']} | {s['throughput_msg_s']} | {s['errors']} | {lost} | "
              f"{s.get('late_vs_early', '')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
