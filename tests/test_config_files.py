"""endpoints.yml, credentials.yml and domain.yml as the plain Rasa commands read them."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rasa.shared.utils.io import read_config_file
from rasa.utils.endpoints import read_endpoint_config

ROOT = Path(__file__).resolve().parent.parent


RASA = str(Path(sys.executable).parent / "rasa")


def test_endpoints_work_without_environment_variables(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("ACTION_", "TRACKER_", "RASA_")):
            monkeypatch.delenv(name)
    endpoints = str(ROOT / "endpoints.yml")
    assert read_endpoint_config(endpoints, "action_endpoint").url == "http://127.0.0.1:5055/webhook"
    store = read_endpoint_config(endpoints, "tracker_store")
    assert store.type == "stores.windowed.WindowedSQLTrackerStore"  # Rasa's SQL store, windowed
    assert store.kwargs["dialect"] == "sqlite" and store.kwargs["db"] == "var/tracker.db"
    assert (ROOT / "var" / ".gitkeep").exists(), "var/ must exist in a fresh clone for SQLite"


def test_written_endpoints_keep_the_defaults_but_the_values_asked_for(tmp_path):
    from scripts.endpoints import write_endpoints

    out = write_endpoints(tmp_path / "e.yml", action_url="http://127.0.0.1:6123/webhook",
                          tracker_db=str(tmp_path / "t.db"))
    assert read_endpoint_config(str(out), "action_endpoint").url == "http://127.0.0.1:6123/webhook"
    store = read_endpoint_config(str(out), "tracker_store")
    assert store.type == "stores.windowed.WindowedSQLTrackerStore" and store.kwargs["dialect"] == "sqlite"
    assert store.kwargs["db"] == str(tmp_path / "t.db")


def test_domain_yml_is_generated_from_the_topic_files():
    from scripts.domain import render

    assert (ROOT / "domain.yml").read_text(encoding="utf-8") == render(ROOT / "domain"), (
        "domain.yml is out of date: run `make generate`"
    )


def test_domain_yml_holds_what_rasa_reads_from_the_folder():
    from rasa.shared.core.domain import Domain

    folder, single = Domain.load(str(ROOT / "domain")), Domain.load(str(ROOT / "domain.yml"))
    assert set(folder.intents) == set(single.intents)
    assert set(folder.action_names_or_texts) == set(single.action_names_or_texts)
    assert folder.responses == single.responses
    assert {s.name for s in folder.slots} == {s.name for s in single.slots}
    assert folder.forms == single.forms


def test_domain_merge_refuses_a_name_defined_twice_differently(tmp_path):
    from scripts.domain import DomainConflict, merge

    (tmp_path / "a.yml").write_text("responses:\n  utter_x:\n  - text: a\n", encoding="utf-8")
    (tmp_path / "b.yml").write_text("responses:\n  utter_x:\n  - text: b\n", encoding="utf-8")
    with pytest.raises(DomainConflict, match="utter_x"):
        merge(tmp_path)


def test_plain_rasa_commands_find_domain_data_and_config_in_a_clean_copy(tmp_path):
    """`rasa data validate` with no flags and no environment in a copy of what git tracks."""
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    copy = tmp_path / "project"
    for name in files.stdout.splitlines():
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ACTION_", "TRACKER_", "RASA_", "WEB_"))}
    done = subprocess.run([RASA, "data", "validate"], cwd=copy, env=env,
                          capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "not part of the domain" not in output, output[-3000:]
    assert "is not defined in the domain" not in output, output[-3000:]


def test_credentials_open_rest_socketio_and_the_page():
    channels = read_config_file(str(ROOT / "credentials.yml"))
    assert set(channels) == {
        "channels.rest.CheckedRestInput",
        "channels.socketio.OriginCheckedSocketIOInput",
        "channels.webpage.WebPageInput",
        "channels.agent.AgentInput",
        "channels.wechat.WeChatInput",
    }
    import rasa.core.run

    opened = rasa.core.run.create_http_input_channels(None, str(ROOT / "credentials.yml"))
    # the checked REST channel keeps Rasa's URL: /webhooks/rest/webhook
    assert sorted(channel.name() for channel in opened) == ["agent", "rest", "socketio", "webpage", "wechat"]
    socket = channels["channels.socketio.OriginCheckedSocketIOInput"]
    assert socket["session_persistence"] is True
    assert all(o.startswith("http") for o in socket["cors_allowed_origins"])
