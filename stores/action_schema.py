"""Rasa checks every action server response against a JSON schema with ``jsonschema.validate``,
which first re-checks the schema itself against its meta-schema: with jsonschema 4.17 that check
costs ~100 ms of CPU (412 ms on a busy day) per custom action call, 2–4 calls a turn — most of a
turn's time outside NLU (docs/benchmarks.md). ``install()`` makes Rasa build the validator once
and use it for every response: the same schema, the same ``ValidationError`` for a bad response.

Called by ``stores.windowed.WindowedSQLTrackerStore`` (``cached_action_schema: true``, the
default), the one class of ours that Rasa builds at start-up from the endpoints file.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Text

from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_ORIGINAL = RemoteAction._validate_action_result


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema.validators import validator_for

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, instead of once per action call
    return cls(schema)


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    from jsonschema import exceptions

    error = exceptions.best_match(_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            f"from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def install() -> None:
    RemoteAction._validate_action_result = _validate_action_result


def uninstall() -> None:
    RemoteAction._validate_action_result = _ORIGINAL
