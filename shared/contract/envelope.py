"""The envelope every integration event travels in, and the base of every payload.

A payload class is one event type at one schema version. It is frozen, forbids extra fields and
uses strict types: once published, a version is never changed in place; a new shape is a new
``schema_version`` of the same ``event_type`` (STYLE.md 4).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, model_validator

from shared.contract.events_common import Id, PlatformDatetime
from shared.contract.nested import validate_nested
from shared.contract.provinces import ProvinceCode
from shared.contract.subjects import Context, event_subject

SubjectKind = Literal["application", "base", "batch", "platform", "province", "publicity"]


class EventPayload(BaseModel):
    """Base of every integration event's payload; subclasses are registered by type and version."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    context: ClassVar[Context]
    subject_kind: ClassVar[SubjectKind]

    def log_context(self) -> Context:
        """The context whose subjects carry this event: the owning one, by default."""
        return self.context

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
    event_type: str = Field(max_length=64)
    schema_version: int = Field(strict=True, ge=1)
    occurred_at: PlatformDatetime = Field(description="business time: when the fact took effect")
    recorded_at: PlatformDatetime = Field(description="when the owning service recorded it")
    actor: Id = Field(description="ministry user, province code, expert id, system")
    province: ProvinceCode
    subject_id: Id = Field(description="application_id, base_id or batch_id")
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
        return event_subject(self.payload.log_context(), self.province, self.event_type)

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
    read = dict(pairs)  # at C speed; only an object with a duplicate key has fewer entries
    if len(read) == len(pairs):
        return read
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise DuplicateKeyError(f"duplicate key {key!r} in JSON object")
        seen.add(key)
    raise AssertionError("unreachable: fewer keys than pairs means a repeated key")


MAX_JSON_DEPTH = 32
"""Arrays and objects inside each other, at most: an attempt's form is about 7 deep, an event
about 6; Python's parser recurses once per level and stops the process at about 1,000."""
MAX_NUMBER_CHARS = 40
"""The longest number literal read: ``int()`` of a long literal is slow, and nothing in the
contract needs more than a score, a count or a year."""
MAX_EXPONENT = 30
"""The largest decimal exponent of a number, either way: ``1e-999999`` would be read as 0.0 and
``1e999`` as infinity, neither of which the sender wrote."""


class JsonLimitError(ValueError):
    """A JSON text beyond one of the limits read before (or while) parsing it, with the figures."""

    def __init__(self, reason: str, required: str, given: str) -> None:
        self.reason, self.required, self.given = reason, required, given
        super().__init__(f"{reason} (required: {required}; given: {given})")


_STRING_OR_BRACKET = r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]'
"""A whole string (its escapes skipped, or unterminated to the end), or one bracket."""
_TOKENS_BYTES = re.compile(_STRING_OR_BRACKET.encode(), re.DOTALL)
_TOKENS_TEXT = re.compile(_STRING_OR_BRACKET, re.DOTALL)
_OPENING = frozenset((b"[", b"{", "[", "{"))


def json_depth(data: bytes | str, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep arrays and objects nest in ``data``, read in one pass without parsing (brackets
    inside strings do not count); :class:`JsonLimitError` as soon as it passes ``limit``.

    The text need not be valid JSON: a closing bracket too many only lowers the count, and
    the parser refuses such a text afterwards.
    """
    tokens = _TOKENS_BYTES if isinstance(data, bytes) else _TOKENS_TEXT
    depth = deepest = 0
    for match in tokens.finditer(data):  # type: ignore[arg-type]
        token = match.group()
        if token in _OPENING:
            depth += 1
            if depth > limit:
                raise JsonLimitError(
                    "arrays and objects nest too deep", f"at most {limit} levels",
                    f"more than {limit} (at character {match.start()})",
                )  # fmt: skip
            deepest = max(deepest, depth)
        elif len(token) == 1 and token not in (b'"', '"'):
            depth -= 1
    return deepest


def _openings(data: bytes | str) -> int:
    """How many arrays and objects open in ``data`` (strings included): a bound of its depth,
    counted at C speed."""
    if isinstance(data, bytes):
        return data.count(b"[") + data.count(b"{")
    return data.count("[") + data.count("{")


SHORT_NUMBER_CHARS = MAX_EXPONENT + 1
"""A literal this short, without an exponent, is within :data:`MAX_EXPONENT` either way (at most
31 digits before the point, or a first significant digit at most 29 places after it): nothing to
check (almost every number of the contract: a year, a count, a score)."""


def _checked_number(literal: str) -> str:
    if len(literal) <= SHORT_NUMBER_CHARS and "e" not in literal and "E" not in literal:
        return literal
    if len(literal) > MAX_NUMBER_CHARS:
        raise JsonLimitError(
            "a number is too long", f"at most {MAX_NUMBER_CHARS} characters",
            f"{literal[:20]}… ({len(literal)} characters)",
        )  # fmt: skip
    value = Decimal(literal)
    exponent = value.adjusted() if value else int(value.as_tuple().exponent)
    if abs(exponent) > MAX_EXPONENT:
        raise JsonLimitError(
            "a number is too large or too small", f"a decimal exponent within ±{MAX_EXPONENT}",
            f"{literal} (exponent {exponent})",
        )  # fmt: skip
    return literal


def _parse_int(literal: str) -> int:
    return int(_checked_number(literal))


def _parse_float(literal: str) -> float:
    return float(_checked_number(literal))


def _parse_constant(name: str) -> Any:
    raise JsonLimitError("a number is not finite", "a finite number", name)


def loads_strict(data: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` that refuses duplicate keys (DESIGN.md, "Validation has gaps") and texts
    beyond the limits (P-LIMITS): nesting deeper than ``max_depth``, checked before parsing; a
    number literal longer than :data:`MAX_NUMBER_CHARS` or with a decimal exponent beyond
    :data:`MAX_EXPONENT`; ``NaN`` and ``Infinity``. Numbers are read as ``json`` reads them
    (``int`` and ``float``)."""
    if _openings(data) > max_depth:  # else it cannot nest deeper: no scan (an event's case)
        json_depth(data, max_depth)
    return json.loads(
        data, object_pairs_hook=_no_duplicates, parse_int=_parse_int, parse_float=_parse_float,
        parse_constant=_parse_constant,
    )  # fmt: skip
