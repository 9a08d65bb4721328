"""endpoints.yml and credentials.yml as Rasa reads them."""
from pathlib import Path

from rasa.shared.utils.io import read_config_file
from rasa.utils.endpoints import read_endpoint_config

ROOT = Path(__file__).resolve().parent.parent


def test_endpoints_take_ports_and_files_from_the_environment(monkeypatch):
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://127.0.0.1:6123/webhook")
    monkeypatch.setenv("TRACKER_DB", "/tmp/conversations.db")
    endpoints = str(ROOT / "endpoints.yml")
    assert read_endpoint_config(endpoints, "action_endpoint").url == "http://127.0.0.1:6123/webhook"
    store = read_endpoint_config(endpoints, "tracker_store")
    assert store.type == "SQL" and store.kwargs["db"] == "/tmp/conversations.db"


def test_credentials_open_rest_socketio_and_the_page():
    channels = read_config_file(str(ROOT / "credentials.yml"))
    assert set(channels) == {
        "channels.rest.CheckedRestInput",
        "channels.socketio.OriginCheckedSocketIOInput",
        "channels.webpage.WebPageInput",
    }
    import rasa.core.run

    opened = rasa.core.run.create_http_input_channels(None, str(ROOT / "credentials.yml"))
    # the checked REST channel keeps Rasa's URL: /webhooks/rest/webhook
    assert sorted(channel.name() for channel in opened) == ["rest", "socketio", "webpage"]
    socket = channels["channels.socketio.OriginCheckedSocketIOInput"]
    assert socket["session_persistence"] is True
    assert all(o.startswith("http") for o in socket["cors_allowed_origins"])
