"""deploy/ describes what scripts/cluster.py starts and tests/production/ tests: same secrets,
same placeholders as endpoints.production.yml, same nginx configuration, same topology."""
from __future__ import annotations

import re

import pytest
import yaml

from scripts.cluster import ENDPOINTS, NGINX_COMPOSE, SECRETS, render_compose_nginx
from tests.conftest import ROOT

pytestmark = pytest.mark.production
DEPLOY = ROOT / "deploy"
PLACEHOLDERS = sorted({name for line in ENDPOINTS.read_text(encoding="utf-8").splitlines()
                       if not line.lstrip().startswith("#")
                       for name in re.findall(r"\$\{(\w+)\}", line)})


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))


def services(compose: dict, prefix: str) -> list:
    return sorted(name for name in compose["services"] if re.fullmatch(rf"{prefix}-\d+", name))


def test_endpoints_use_postgres_and_redis_through_placeholders_only() -> None:
    endpoints = yaml.safe_load(ENDPOINTS.read_text(encoding="utf-8"))
    assert endpoints["tracker_store"]["dialect"] == "postgresql"
    assert endpoints["lock_store"]["type"] == "stores.locks.AtomicRedisLockStore"
    assert "POSTGRES_PASSWORD" in PLACEHOLDERS and "ACTION_URL" in PLACEHOLDERS


def test_compose_nginx_conf_is_the_rendered_template() -> None:
    assert NGINX_COMPOSE.read_text(encoding="utf-8") == render_compose_nginx(), (
        "regenerate: python -m scripts.cluster nginx --compose > deploy/nginx/compose.conf")


def test_compose_runs_what_nginx_balances(compose: dict) -> None:
    conf = NGINX_COMPOSE.read_text(encoding="utf-8")
    upstream = lambda name: re.findall(r"server ([\w-]+):\d+;", conf.split(f"upstream {name} {{")[1].split("}")[0])  # noqa: E731
    assert upstream("rasa") == upstream("rasa_socketio") == services(compose, "rasa")
    assert upstream("actions") == services(compose, "actions")
    assert "ip_hash" in conf.split("upstream rasa_socketio {")[1].split("}")[0]
    volume = compose["services"]["nginx"]["volumes"][0]
    assert volume.startswith("./nginx/compose.conf:")


def test_every_rasa_replica_gets_every_secret_and_placeholder_from_the_environment(compose: dict) -> None:
    replicas = services(compose, "rasa")
    assert len(replicas) >= 2
    for name in replicas:
        service = compose["services"][name]
        assert "endpoints.production.yml" in service["command"]
        env = service["environment"]
        assert set(PLACEHOLDERS) <= set(env), set(PLACEHOLDERS) - set(env)
        for secret in list(SECRETS) + ["POSTGRES_PASSWORD"]:
            # required from the environment, never a value written in the file
            assert re.fullmatch(rf"\$\{{{secret}:\?[^}}]+\}}", env[secret]), env[secret]
    for name in services(compose, "actions"):
        assert "ACTION_SERVER_TOKEN" in compose["services"][name]["environment"]


def test_kubernetes_notes_name_the_same_settings() -> None:
    notes = (DEPLOY / "kubernetes.md").read_text(encoding="utf-8")
    for name in list(SECRETS) + PLACEHOLDERS + ["REDIS_URL", "WEB_ALLOWED_ORIGINS"]:
        assert f"`{name}`" in notes, name
    assert "sessionAffinity: ClientIP" in notes
    assert "endpoints.production.yml" in notes


def test_readme_documents_the_switch_and_the_secrets() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "PROFILE=production" in readme
    for name in SECRETS:
        assert f"`{name}`" in readme, name
