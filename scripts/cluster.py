"""The production profile on one machine: N Rasa replicas and M action servers behind nginx,
conversations in PostgreSQL, one Redis lock per conversation.

    PROFILE=production REST_TOKEN=... make run          # what users type (scripts/run.sh)
    python -m scripts.cluster check                      # settings and services only
    python -m scripts.cluster run                        # start everything, Ctrl-C stops it
    python -m scripts.cluster nginx --compose            # the nginx.conf of deploy/

Settings come from the environment (``Settings.from_env``): the secrets are required and a
missing one stops the start with its name; the rest have the defaults of ``DEFAULTS``. The
Rasa processes read ``endpoints.production.yml``, whose ``${VAR}`` placeholders are these
variables. Tests (tests/production/) start the same ``Cluster`` with their own database,
Redis key prefix and ports.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
ENDPOINTS = ROOT / "endpoints.production.yml"
NGINX_TEMPLATE = ROOT / "deploy" / "nginx" / "nginx.conf.template"
NGINX_COMPOSE = ROOT / "deploy" / "nginx" / "compose.conf"

# Secrets the production profile refuses to start without (one place; deploy/ and the README
# list the same names, tests/production/test_deploy_files.py checks that they do).
SECRETS: Dict[str, str] = {
    "REST_TOKEN": "bearer token the REST channel requires (Authorization: Bearer ...)",
    "ACTION_SERVER_TOKEN": "shared secret between Rasa and the action servers (Authorization: Bearer)",
    "AGENT_TOKEN": "token of the agent-assist API",
    "SOCKETIO_SESSION_SECRET": "key that signs the web widget's socket.io session ids (32+ characters)",
}

# Everything else, with the value used on this machine when the variable is unset.
DEFAULTS: Dict[str, str] = {
    "RASA_PORT": "5005",          # nginx: page, REST, socket.io
    "ACTION_PORT": "5055",        # nginx: action servers
    "RASA_REPLICAS": "2",
    "ACTION_REPLICAS": "2",
    "RASA_REPLICA_BASE_PORT": "5010",   # replicas listen on 127.0.0.1:5010, 5011 ...
    "ACTION_REPLICA_BASE_PORT": "5060", # action servers on 127.0.0.1:5060, 5061 ...
    "MODEL": "models/icp.tar.gz",
    "POSTGRES_HOST": "127.0.0.1",
    "POSTGRES_PORT": "5432",
    "POSTGRES_DB": "icp",
    "POSTGRES_USER": "postgres",
    "POSTGRES_PASSWORD": "",      # trust auth on this machine; set it anywhere else
    "REDIS_HOST": "127.0.0.1",
    "REDIS_PORT": "6379",
    "REDIS_DB": "1",
    "REDIS_PREFIX": "icp",
    # Rasa's ticket lifetime (s): a queued message whose ticket expires fails with LockError;
    # 60 s (Rasa's default) was too short for 20 queued messages of one sender on a busy machine
    "TICKET_LOCK_LIFETIME": "180",
}


class SettingError(Exception):
    """A missing or invalid setting, or a service that does not answer; the message says which."""


@dataclass
class Settings:
    env: Dict[str, str]

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> "Settings":
        environ = dict(os.environ if environ is None else environ)
        missing = [name for name in SECRETS if not environ.get(name)]
        if missing:
            lines = "\n".join(f"  {name}: {SECRETS[name]}" for name in missing)
            raise SettingError(
                f"the production profile needs {', '.join(missing)} (not set):\n{lines}\n"
                "Set them in the environment (never in a file of the repository)."
            )
        for name, default in DEFAULTS.items():
            environ.setdefault(name, default)
        for name in ("RASA_PORT", "ACTION_PORT", "RASA_REPLICAS", "ACTION_REPLICAS",
                     "RASA_REPLICA_BASE_PORT", "ACTION_REPLICA_BASE_PORT", "POSTGRES_PORT",
                     "REDIS_PORT", "REDIS_DB"):
            if not environ[name].isdigit():
                raise SettingError(f"{name} must be a number, not {environ[name]!r}")
        if not environ["REDIS_PREFIX"].isalnum():
            raise SettingError(f"REDIS_PREFIX must be alphanumeric, not {environ['REDIS_PREFIX']!r}")
        environ.setdefault("ACTION_URL", f"http://127.0.0.1:{environ['ACTION_PORT']}/webhook")
        # the WeChat channel's de-duplication store (channels/wechat_store.py) shares the Redis
        environ.setdefault(
            "REDIS_URL", f"redis://{environ['REDIS_HOST']}:{environ['REDIS_PORT']}/{environ['REDIS_DB']}"
        )
        environ.setdefault(
            "WEB_ALLOWED_ORIGINS",
            f"http://localhost:{environ['RASA_PORT']},http://127.0.0.1:{environ['RASA_PORT']}",
        )
        return cls(environ)

    def __getitem__(self, name: str) -> str:
        return self.env[name]

    def rasa_ports(self) -> List[int]:
        base = int(self["RASA_REPLICA_BASE_PORT"])
        return [base + i for i in range(int(self["RASA_REPLICAS"]))]

    def action_ports(self) -> List[int]:
        base = int(self["ACTION_REPLICA_BASE_PORT"])
        return [base + i for i in range(int(self["ACTION_REPLICAS"]))]


def check_services(settings: Settings, timeout: float = 3.0) -> None:
    """Redis and PostgreSQL answer; the database exists (created when it does not, and only
    once both answer, so that a failed check leaves nothing behind)."""
    import psycopg2
    import redis

    rd = f"{settings['REDIS_HOST']}:{settings['REDIS_PORT']}"
    try:
        redis.Redis(host=settings["REDIS_HOST"], port=int(settings["REDIS_PORT"]),
                    db=int(settings["REDIS_DB"]), socket_timeout=timeout,
                    socket_connect_timeout=timeout).ping()
    except redis.RedisError as e:
        raise SettingError(
            f"Redis at {rd} does not answer ({e}); the production profile locks each "
            "conversation there (REDIS_HOST/REDIS_PORT)"
        ) from e

    pg = f"{settings['POSTGRES_HOST']}:{settings['POSTGRES_PORT']}"
    try:
        conn = psycopg2.connect(
            host=settings["POSTGRES_HOST"], port=int(settings["POSTGRES_PORT"]),
            user=settings["POSTGRES_USER"], password=settings["POSTGRES_PASSWORD"] or None,
            dbname="postgres", connect_timeout=int(timeout),
        )
    except psycopg2.Error as e:
        raise SettingError(
            f"PostgreSQL at {pg} does not answer ({str(e).strip()}); the production profile "
            "keeps conversations there (POSTGRES_HOST/POSTGRES_PORT)"
        ) from e
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (settings["POSTGRES_DB"],))
            if cur.fetchone() is None:
                # Created here, once, rather than by each replica racing the others.
                cur.execute(f'CREATE DATABASE "{settings["POSTGRES_DB"]}"')
    finally:
        conn.close()


def render_nginx(rasa_servers: Sequence[str], action_servers: Sequence[str], listen: str,
                 action_listen: str, run_dir: str) -> str:
    text = NGINX_TEMPLATE.read_text(encoding="utf-8")
    replace = {
        "@RASA_SERVERS@": "\n".join(f"    server {s};" for s in rasa_servers),
        "@ACTION_SERVERS@": "\n".join(f"    server {s};" for s in action_servers),
        "@LISTEN@": listen,
        "@ACTION_LISTEN@": action_listen,
        "@RUN_DIR@": run_dir,
    }
    for marker, value in replace.items():
        text = text.replace(marker, value)
    return text


def render_compose_nginx() -> str:
    """The nginx.conf docker-compose mounts (deploy/docker-compose.yml): same template, service names."""
    return render_nginx(["rasa-1:5005", "rasa-2:5005"], ["actions-1:5055", "actions-2:5055"],
                        "5005", "5055", "/tmp")


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def free_port_range(count: int, start: int = 20000, stop: int = 40000) -> int:
    """The first port of ``count`` consecutive free ports (for tests and benchmarks)."""
    import random

    for _ in range(200):
        base = random.randrange(start, stop - count)
        if all(_port_free(base + i) for i in range(count)):
            return base
    raise RuntimeError(f"no {count} consecutive free ports between {start} and {stop}")


def _wait_http(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: process exited during start-up:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def action_server_command(port: int) -> List[str]:
    """The project's action server (``python -m action_server``: token checked, no request
    bodies in errors)."""
    return [sys.executable, "-m", "action_server", "--actions", "actions", "--port", str(port)]


@dataclass
class Cluster:
    """Action servers, Rasa replicas and nginx as child processes, logs in ``run_dir``."""

    settings: Settings
    run_dir: Path
    api_token: Optional[str] = None  # enables Rasa's HTTP API on the replicas (tests only)
    start_timeout: float = 900.0  # a replica loads in 30-60 s; on a machine this busy it took >5 min
    actions: Dict[int, subprocess.Popen] = field(default_factory=dict)
    replicas: Dict[int, subprocess.Popen] = field(default_factory=dict)
    nginx: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings['RASA_PORT']}"

    def replica_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.settings.rasa_ports()[index]}"

    def _spawn(self, name: str, args: List[str]) -> subprocess.Popen:
        log = self.run_dir / f"{name}.log"
        return subprocess.Popen(args, cwd=ROOT, env=self.settings.env,
                                stdout=log.open("w"), stderr=subprocess.STDOUT)

    def start(self) -> "Cluster":
        self.run_dir.mkdir(parents=True, exist_ok=True)
        ports = ([int(self.settings["RASA_PORT"]), int(self.settings["ACTION_PORT"])]
                 + self.settings.rasa_ports() + self.settings.action_ports())
        held = [p for p in ports if not _port_free(p)]
        if held:
            raise SettingError(f"ports {held} are in use (is the assistant already running?)")
        rasa_bin = str(Path(sys.executable).parent / "rasa")
        try:
            for port in self.settings.action_ports():
                self.actions[port] = self._spawn(f"actions-{port}", action_server_command(port))
            self.start_nginx()
            for index in range(len(self.settings.rasa_ports())):
                self.start_replica(index, wait=False)
            for port, process in self.actions.items():
                _wait_http(f"http://127.0.0.1:{port}/health", process,
                           self.run_dir / f"actions-{port}.log", self.start_timeout)
            for index in range(len(self.settings.rasa_ports())):
                self.wait_replica(index)
        except BaseException:
            self.stop()
            raise
        return self

    def start_nginx(self) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            raise SettingError("nginx is not installed: run `scripts/setup.sh --production`")
        conf = self.run_dir / "nginx.conf"
        conf.write_text(render_nginx(
            [f"127.0.0.1:{p}" for p in self.settings.rasa_ports()],
            [f"127.0.0.1:{p}" for p in self.settings.action_ports()],
            f"127.0.0.1:{self.settings['RASA_PORT']}",
            f"127.0.0.1:{self.settings['ACTION_PORT']}", str(self.run_dir)), encoding="utf-8")
        self.nginx = self._spawn("nginx-stdout", [nginx, "-c", str(conf), "-g", "daemon off;"])

    def start_replica(self, index: int, wait: bool = True) -> None:
        port = self.settings.rasa_ports()[index]
        rasa_bin = str(Path(sys.executable).parent / "rasa")
        args = [rasa_bin, "run", "--model", self.settings["MODEL"], "--endpoints", str(ENDPOINTS),
                "--credentials", "credentials.yml", "--interface", "127.0.0.1", "--port", str(port)]
        if self.api_token:
            args += ["--enable-api", "--auth-token", self.api_token]
        self.replicas[port] = self._spawn(f"rasa-{port}", args)
        if wait:
            self.wait_replica(index)

    def wait_replica(self, index: int) -> None:
        port = self.settings.rasa_ports()[index]
        _wait_http(f"{self.replica_url(index)}/", self.replicas[port],
                   self.run_dir / f"rasa-{port}.log", self.start_timeout)

    def kill_replica(self, index: int) -> None:
        """SIGKILL, as a crash or an OOM kill would: no clean shutdown."""
        process = self.replicas.pop(self.settings.rasa_ports()[index])
        process.kill()
        process.wait(timeout=30)

    def stop(self) -> None:
        processes = list(self.replicas.values()) + list(self.actions.values())
        if self.nginx:
            processes.append(self.nginx)
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self.replicas.clear()
        self.actions.clear()
        self.nginx = None

    def dead(self) -> List[str]:
        dead = [f"rasa replica on port {p}" for p, pr in self.replicas.items() if pr.poll() is not None]
        dead += [f"action server on port {p}" for p, pr in self.actions.items() if pr.poll() is not None]
        if self.nginx and self.nginx.poll() is not None:
            dead.append("nginx")
        return dead


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="check the settings and the services, print the settings")
    sub.add_parser("run", help="start the production profile on this machine")
    nginx = sub.add_parser("nginx", help="print an nginx.conf")
    nginx.add_argument("--compose", action="store_true", help="the one deploy/ uses")
    args = parser.parse_args(argv)

    if args.command == "nginx":
        print(render_compose_nginx(), end="")
        return 0
    try:
        settings = Settings.from_env()
        check_services(settings)
    except SettingError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.command == "check":
        for name in list(DEFAULTS) + ["ACTION_URL", "REDIS_URL"]:
            print(f"{name}={settings[name]}")
        return 0

    cluster = Cluster(settings, ROOT / "var" / "production")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    started = time.monotonic()
    try:
        cluster.start()
    except (SettingError, RuntimeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    port = settings["RASA_PORT"]
    print(f"""
ICP filing assistant, production profile: {len(cluster.replicas)} Rasa replicas, {len(cluster.actions)} action servers
behind nginx, conversations in PostgreSQL {settings['POSTGRES_HOST']}:{settings['POSTGRES_PORT']}/{settings['POSTGRES_DB']},
locks in Redis {settings['REDIS_HOST']}:{settings['REDIS_PORT']}/{settings['REDIS_DB']} (started in {time.monotonic() - started:.0f} s; logs in var/production/). Ctrl-C stops it.
  Chat page:   http://localhost:{port}/web/
  REST:        curl -s localhost:{port}/webhooks/rest/webhook -H "Authorization: Bearer $REST_TOKEN" -d '{{"sender":"me","message":"你好"}}'
""", flush=True)
    try:
        while True:
            time.sleep(2)
            dead = cluster.dead()
            if dead:
                print(f"error: {', '.join(dead)} stopped; shutting down (logs in var/production/)",
                      file=sys.stderr)
                return 1
    except KeyboardInterrupt:
        return 0
    finally:
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
