"""The envelope every integration event travels in, and the base of every payload.

A payload class is one event type at one schema version. It is frozen, forbids extra fields and
uses strict types: once published, a version is never changed in place; a new shape is a new
``schema_version`` of the same ``event_type`` (STYLE.md 4).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SerializeAsAny, model_validator

from shared.contract.nested import validate_nested
from shared.contract.provinces import ProvinceCode
from shared.contract.subjects import Context, event_subject

SubjectKind = Literal["application", "base", "batch", "province", "publicity"]


class EventPayload(BaseModel):
    """Base of every integration event's payload; subclasses are registered by type and version."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    context: ClassVar[Context]
    subject_kind: ClassVar[SubjectKind]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "context" in cls.__dict__:  # a concrete event, not an intermediate base
            cls.event_type = cls.__dict__.get("event_type", cls.__name__)
            key = (cls.event_type, cls.schema_version)
            if key in EVENT_TYPES:
                raise TypeError(f"{cls.event_type} v{cls.schema_version} is defined twice")
            EVENT_TYPES[key] = cls


EVENT_TYPES: dict[tuple[str, int], type[EventPayload]] = {}
"""Every payload class by (event_type, schema_version): the whole contract."""


class UnknownEventTypeError(ValueError):
    """An envelope names an event type or version that the contract does not define."""


def payload_class(event_type: str, schema_version: int) -> type[EventPayload]:
    """The payload class of an event type at a version, or :class:`UnknownEventTypeError`."""
    import shared.contract.events  # noqa: F401  (registers the whole contract on first use)

    try:
        return EVENT_TYPES[(event_type, schema_version)]
    except KeyError:
        raise UnknownEventTypeError(
            f"event_type {event_type!r} v{schema_version} is not in the contract"
        ) from None


class Envelope(BaseModel):
    """One integration event on the bus: who, when, about what, why, and the payload."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: UUID
    event_type: str
    schema_version: int = Field(strict=True, ge=1)
    occurred_at: AwareDatetime = Field(description="business time: when the fact took effect")
    recorded_at: AwareDatetime = Field(description="when the owning service recorded it")
    actor: str = Field(min_length=1, description="ministry user, province code, expert id, system")
    province: ProvinceCode
    subject_id: str = Field(min_length=1, description="application_id, base_id or batch_id")
    correlation_id: UUID
    causation_id: UUID | None = None
    payload: SerializeAsAny[EventPayload]

    @model_validator(mode="before")
    @classmethod
    def _typed_payload(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("payload"), dict):
            version = data.get("schema_version")
            if not isinstance(version, int) or isinstance(version, bool):
                return data  # the field validator reports it by name
            klass = payload_class(str(data.get("event_type")), version)
            data = {**data, "payload": validate_nested("payload", klass, data["payload"])}
        return data

    @model_validator(mode="after")
    def _payload_matches_type(self) -> Envelope:
        if (self.payload.event_type, self.payload.schema_version) != (
            self.event_type,
            self.schema_version,
        ):
            raise ValueError(
                f"payload is {self.payload.event_type} v{self.payload.schema_version}, "
                f"envelope says {self.event_type} v{self.schema_version}"
            )
        return self

    @property
    def subject(self) -> str:
        """The log subject this event is published on."""
        return event_subject(self.payload.context, self.province, self.event_type)

    def to_json(self) -> bytes:
        """The canonical bytes of this event on the bus."""
        return self.model_dump_json().encode()

    @classmethod
    def from_json(cls, data: bytes | str) -> Envelope:
        """Parse bytes from the bus, refusing duplicate keys before validation."""
        return cls.model_validate(loads_strict(data))


def new_envelope(
    payload: EventPayload,
    *,
    event_id: UUID,
    occurred_at: datetime,
    recorded_at: datetime,
    actor: str,
    province: str,
    subject_id: str,
    correlation_id: UUID,
    causation_id: UUID | None = None,
) -> Envelope:
    """Wrap a payload; the event type and version come from the payload's class."""
    return Envelope(
        event_id=event_id,
        event_type=payload.event_type,
        schema_version=payload.schema_version,
        occurred_at=occurred_at,
        recorded_at=recorded_at,
        actor=actor,
        province=province,
        subject_id=subject_id,
        correlation_id=correlation_id,
        causation_id=causation_id,
        payload=payload,
    )


class DuplicateKeyError(ValueError):
    """A JSON object names the same key twice; JSON parsers would silently keep the last."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise DuplicateKeyError(f"duplicate key {key!r} in JSON object")
        seen[key] = value
    return seen


def loads_strict(data: bytes | str) -> Any:
    """``json.loads`` that refuses duplicate keys (DESIGN.md, "Validation has gaps")."""
    return json.loads(data, object_pairs_hook=_no_duplicates)
