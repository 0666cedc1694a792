"""The committed AsyncAPI document is the one the contract generates, and it is complete."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.contract.asyncapi import build_asyncapi
from shared.contract.commands import COMMAND_TYPES
from shared.contract.envelope import EVENT_TYPES
from shared.contract.subjects import CONTEXTS, event_subject

pytestmark = pytest.mark.unit

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.yaml"


@pytest.fixture(scope="module")
def generated() -> str:
    return build_asyncapi()


@pytest.fixture(scope="module")
def document(generated: str) -> dict[str, Any]:
    parsed: dict[str, Any] = yaml.safe_load(generated)
    return parsed


def test_the_committed_document_is_the_generated_one(generated: str) -> None:
    committed = COMMITTED.read_text(encoding="utf-8") if COMMITTED.exists() else ""

    assert committed == generated, "docs/asyncapi.yaml is out of date: run `make docs`"


def test_the_document_is_the_same_on_every_build(generated: str) -> None:
    assert build_asyncapi() == generated


def test_every_registered_event_type_has_its_channel_on_its_log_subject(
    document: dict[str, Any],
) -> None:
    channels = document["channels"]
    for (event_type, _), cls in EVENT_TYPES.items():
        assert event_type in channels, f"{event_type} is not in the AsyncAPI document"
        address = event_subject(cls.context, "{province}", event_type)
        assert channels[event_type]["address"] == address


def test_every_event_message_is_the_envelope_with_that_events_payload(
    document: dict[str, Any],
) -> None:
    schemas = document["components"]["schemas"]
    for event_type, _ in EVENT_TYPES:
        envelope = schemas[f"{event_type}Envelope"]
        assert envelope["properties"]["event_type"]["const"] == event_type
        assert envelope["properties"]["payload"] == {"$ref": f"#/components/schemas/{event_type}"}


def test_every_channel_declares_the_province_parameter_of_its_address(
    document: dict[str, Any],
) -> None:
    codes = document["components"]["parameters"]["province"]["enum"]
    assert "440000" in codes
    assert "000000" in codes
    for name, channel in document["channels"].items():
        assert "{province}" in channel["address"], name
        assert channel["parameters"]["province"] == {"$ref": "#/components/parameters/province"}


def test_the_document_describes_both_streams(document: dict[str, Any]) -> None:
    info = document["info"]
    assert info["title"] == "demobase event contract"
    assert info["version"] == "1"
    assert "EVENTS" in info["description"] and "bases.v1.>" in info["description"]
    assert "INTAKE" in info["description"] and "intake.v1.>" in info["description"]


def test_every_intake_command_has_its_channel_on_its_intake_subject(
    document: dict[str, Any],
) -> None:
    for command_type, body in COMMAND_TYPES.items():
        contexts = CONTEXTS if body.every_context else (body.context,)
        for context in contexts:
            name = command_type if len(contexts) == 1 else f"{command_type} ({context})"
            channel = document["channels"][name]
            assert channel["address"] == f"intake.v1.{context}.{{province}}.{command_type}"
            assert document["operations"][name]["action"] == "receive"


def test_every_command_says_who_may_send_it_P_AUTHORITY(document: dict[str, Any]) -> None:
    """P-AUTHORITY: the AsyncAPI document shows the roles of every command."""
    for command_type, body in COMMAND_TYPES.items():
        names = [n for n in document["channels"] if n.split(" ")[0] == command_type]
        said = f"Who may send it (P-AUTHORITY): {body.authority.describe()}."
        assert names and all(said in document["channels"][n]["description"] for n in names)
