"""JSON data kept inside a trained model, so components don't read project files when served."""
from __future__ import annotations

import json
from typing import Any

from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


def save_json(model_storage: ModelStorage, resource: Resource, name: str, data: Any) -> None:
    with model_storage.write_to(resource) as directory:
        (directory / name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def load_json(model_storage: ModelStorage, resource: Resource, name: str) -> Any:
    with model_storage.read_from(resource) as directory:
        return json.loads((directory / name).read_text(encoding="utf-8"))
