"""The AsyncAPI document of the bus, generated from the contract (DESIGN.md, Interfaces).

faststream renders the document from a broker's declared publishers and subscribers, so this
module declares them on a :class:`NatsBroker` that is never connected: one publisher per event
type on its log subject, one subscriber per intake command on its intake subject. The message
schema of each is the whole envelope (or intake message) with that event's payload (or that
command's body), so that a province's developer reads one self-contained schema per subject.

The output is deterministic: `make docs` writes it to ``docs/asyncapi.yaml`` and a unit test
checks that the committed file equals it.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Coroutine
from typing import Any, Union

import yaml
from faststream.nats import NatsBroker
from faststream.specification import AsyncAPI
from pydantic import BaseModel, Field, create_model

import shared.contract.events  # noqa: F401  (registers every event type)
from shared.contract.commands import COMMAND_TYPES, AttemptRefused, CommandBody, IntakeMessage
from shared.contract.envelope import EVENT_TYPES, Envelope, EventPayload
from shared.contract.provinces import MINISTRY, PROVINCES
from shared.contract.subjects import (
    CONTEXTS,
    EVENTS_STREAM,
    EVENTS_SUBJECTS,
    INTAKE_STREAM,
    INTAKE_SUBJECTS,
    REFUSALS_STREAM,
    REFUSALS_SUBJECTS,
    Context,
    dead_letter_subject,
    event_subject,
    intake_subject,
)

PROVINCE_PARAMETER = "{province}"

DESCRIPTION = f"""\
The integration events and intake commands of the platform for MIIT's national demonstration-base
programmes (NIID 国家新型工业化产业示范基地, EIDB 国家新兴产业发展示范基地), on NATS JetStream.

Three streams, all file-backed and kept forever:

- **{EVENTS_STREAM}** (`{EVENTS_SUBJECTS}`): the event log of decided facts, one subject per
  context, province and event type, `bases.v1.<context>.<province>.<EventType>`. Only the
  owning service publishes here; auditors replay it from sequence 1.
- **{INTAKE_STREAM}** (`{INTAKE_SUBJECTS}`): attempts from outside publishers (provinces, cities,
  experts' tools, the CLI), `intake.v1.<context>.<province>.<CommandType>`. The owning service
  validates each and records the accepted fact, or a rejection with its reasons, on the log.
- **{REFUSALS_STREAM}** (`{REFUSALS_SUBJECTS}`): the dead letter of every attempt refused with no
  fact recorded (malformed, or a step against a rule such as R-DEADLINES), under the attempt's own
  tokens, `deadletter.v1.<context>.<province>.<CommandType>`; a province receives its own.

`province` is the GB/T 2260 code of a provincial authority, `{MINISTRY}` for the ministry. A
province's credentials allow it to publish only on its own intake subjects: identity comes from
the subject, never from a payload field. Every message is JSON; an object that repeats a key is
refused.
"""


def build_asyncapi() -> str:
    """The AsyncAPI 3.0 document of every event and command, as YAML."""
    broker = NatsBroker()  # declared only: nothing here connects
    events = _event_types()
    commands = dict(sorted(COMMAND_TYPES.items()))
    for event_type, versions in events.items():
        _declare_event(broker, event_type, versions)
    for command_type, command in commands.items():
        _declare_command(broker, command_type, command)
    for context in CONTEXTS:
        _declare_refusals(broker, context)
    specification = AsyncAPI(
        broker, title="demobase event contract", version="1", description=DESCRIPTION
    ).to_specification()
    document: dict[str, Any] = specification.to_jsonable()
    _declare_province_parameter(document)
    _order(document, [*events, *commands])
    # faststream's own to_yaml escapes every Chinese character and folds descriptions.
    return yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def _event_types() -> dict[str, list[type[EventPayload]]]:
    """Event types in lifecycle order (by context, then as defined), each with its versions."""
    ordered = sorted(EVENT_TYPES.values(), key=lambda cls: CONTEXTS.index(cls.context))
    grouped: dict[str, list[type[EventPayload]]] = {}
    for cls in ordered:
        grouped.setdefault(cls.event_type, []).append(cls)
    return {name: sorted(vs, key=lambda cls: cls.schema_version) for name, vs in grouped.items()}


def _declare_event(broker: NatsBroker, event_type: str, versions: list[type[EventPayload]]) -> None:
    first = versions[0]
    numbers = ", ".join(str(cls.schema_version) for cls in versions)
    schemas = [_envelope_of(cls) for cls in versions]
    schema: Any = schemas[0] if len(schemas) == 1 else _union(schemas)
    broker.publisher(
        event_subject(first.context, PROVINCE_PARAMETER, event_type),
        schema=schema,
        title=event_type,
        description=(
            f"{_doc(first)}\n\nOwned by the {first.context} context; subject kind "
            f"{first.subject_kind}; schema version{'s' if len(versions) > 1 else ''} {numbers}."
        ),
    )


def _envelope_of(cls: type[EventPayload]) -> type[BaseModel]:
    """Documentation only: the envelope with its type, version and payload pinned to ``cls``."""
    suffix = "" if cls.schema_version == 1 else f"V{cls.schema_version}"
    return create_model(
        f"{cls.event_type}{suffix}Envelope",
        __base__=Envelope,
        __doc__=f"An envelope carrying {cls.event_type} v{cls.schema_version}.",
        event_type=(str, Field(json_schema_extra={"const": cls.event_type})),
        schema_version=(int, Field(json_schema_extra={"const": cls.schema_version})),
        payload=(cls, ...),
    )


def _declare_command(broker: NatsBroker, command_type: str, body: type[CommandBody]) -> None:
    message = create_model(
        f"{command_type}Intake",
        __base__=IntakeMessage,
        __doc__=f"An intake message carrying a {command_type} command.",
        command_type=(str, Field(json_schema_extra={"const": command_type})),
        body=(body, ...),
    )
    contexts = CONTEXTS if body.every_context else (body.context,)
    for context in contexts:
        decided = "every deciding context, each on its own subject" if body.every_context else (
            f"the {context} context"
        )  # fmt: skip
        broker.subscriber(
            intake_subject(context, PROVINCE_PARAMETER, command_type),
            title=command_type if len(contexts) == 1 else f"{command_type} ({context})",
            description=f"{_doc(body)}\n\nDecided by {decided}.\n\n"
            f"Who may send it (P-AUTHORITY): {body.authority.describe()}.",
        )(_handler_taking(message))


def _declare_refusals(broker: NatsBroker, context: Context) -> None:
    broker.publisher(
        dead_letter_subject(intake_subject(context, PROVINCE_PARAMETER, COMMAND_PARAMETER)),
        schema=AttemptRefused,
        title=f"{context.capitalize()}AttemptRefused",
        description=f"{_doc(AttemptRefused)}\n\nPublished by the {context} context.",
    )


def _handler_taking(model: type[BaseModel]) -> Callable[..., Coroutine[Any, Any, None]]:
    """A do-nothing handler whose signature tells faststream the message schema."""

    async def handler(message: Any) -> None:
        return None

    parameter = inspect.Parameter("message", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    handler.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [parameter.replace(annotation=model)], return_annotation=None
    )
    return handler


def _union(models: list[type[BaseModel]]) -> Any:
    return Union[tuple(models)]  # noqa: UP007  (built at run time from a list)


def _doc(cls: type) -> str:
    return inspect.cleandoc(cls.__doc__ or cls.__name__)


COMMAND_PARAMETER = "{command}"


def _declare_province_parameter(document: dict[str, Any]) -> None:
    """Declare the ``{province}`` and ``{command}`` address parameters, which faststream leaves
    undeclared."""
    codes = sorted([*PROVINCES, MINISTRY])
    document.setdefault("components", {})["parameters"] = {
        "province": {
            "description": "GB/T 2260 code of the provincial authority; 000000 for the ministry.",
            "enum": codes,
        }
    }
    document["components"]["parameters"]["command"] = {
        "description": "the CommandType of the refused attempt (its intake subject's last token)",
        "enum": sorted(COMMAND_TYPES),
    }
    for channel in document.get("channels", {}).values():
        address = channel.get("address", "")
        if PROVINCE_PARAMETER in address:
            channel["parameters"] = {"province": {"$ref": "#/components/parameters/province"}}
        if COMMAND_PARAMETER in address:
            channel["parameters"]["command"] = {"$ref": "#/components/parameters/command"}


def _order(document: dict[str, Any], names: list[str]) -> None:
    """Channels and operations in lifecycle order, components by name.

    faststream lists endpoints in an order of its own; fixing it here keeps the document stable
    across faststream releases and readable from the first event to the last.
    """
    for section in ("channels", "operations"):
        entries = document.get(section, {})
        rank = {name: index for index, name in enumerate(names)}
        document[section] = dict(
            sorted(entries.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0]))
        )
    for section, entries in document.get("components", {}).items():
        document["components"][section] = dict(sorted(entries.items()))


class _Dumper(yaml.SafeDumper):
    """Writes multi-line strings (descriptions) as literal blocks."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)

__all__ = ["build_asyncapi"]

if __name__ == "__main__":
    sys.stdout.write(build_asyncapi())
