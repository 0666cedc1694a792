"""Reading an attempt off the intake stream, the same way in every service that owns commands.

An attempt that cannot be parsed, names another province than its subject, or fails the contract is
refused here with one :class:`Problem` per field; the owning service records only its position, so
the attempt stays on the intake stream and nothing else is recorded.

No message can stop a service (issue 12, P-LIMITS): before anything is parsed, the subject is
checked whole (five tokens, a known context, province and command type shape), the size against
:data:`MAX_ATTEMPT_BYTES`, and the nesting by one pass over the bytes; the parser itself refuses
numbers it would have to invent (``1e-999999`` read as 0.0, ``1e999`` as infinity, ``NaN``).
Each is a refusal with the figures, never an exception out of the handler.
"""

from __future__ import annotations

from typing import Any

import structlog
from pydantic import ValidationError

from shared.bus.consumer import Delivery
from shared.contract.commands import IntakeDecision, IntakeMessage, Problem, problems_of
from shared.contract.envelope import DuplicateKeyError, JsonLimitError, loads_strict
from shared.contract.subjects import SubjectError, parse_intake_subject
from shared.metrics import EVENTS_REJECTED

log = structlog.get_logger()

LIMITS = "P-LIMITS"
MAX_ATTEMPT_BYTES = 256 * 1024
"""The largest attempt read: the biggest form of the examples is under 90 KiB as sent."""
MAX_ATTEMPT_BYTES_OF: dict[str, int] = {"LoadZoneCatalogue": 8 * 1024 * 1024}
"""Commands that carry reference data whole, up to the server's ``max_payload``: a catalogue's
``csv_text`` may be 2,000,000 characters (``commands.py``), ministry only (P-AUTHORITY)."""


class RefusedAttemptError(Exception):
    """An attempt that can never be valid, with its problems."""

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))

    def decision(self) -> IntakeDecision:
        return IntakeDecision(command_id=None, accepted=False, problems=self.problems)


def _limit(field: str, reason: str, required: str, given: str) -> RefusedAttemptError:
    return RefusedAttemptError(
        (Problem(field=field, reason=reason, rule_id=LIMITS, required=required, given=given),)
    )


def read_attempt(delivery: Delivery) -> IntakeMessage:
    """Parse and check one intake message, or raise :class:`RefusedAttemptError`.

    The limits (P-LIMITS) come first, cheapest first, so nothing unbounded is ever parsed.
    """
    try:
        subject = parse_intake_subject(delivery.subject)
    except SubjectError as error:
        raise _limit("(subject)", error.reason, error.required, error.given) from None
    allowed = MAX_ATTEMPT_BYTES_OF.get(subject.command_type, MAX_ATTEMPT_BYTES)
    if len(delivery.data) > allowed:
        raise _limit("(message)", f"the attempt is larger than a {subject.command_type} may be",
                     f"at most {allowed} bytes", f"{len(delivery.data)} bytes")  # fmt: skip
    try:
        raw = loads_strict(delivery.data)
    except JsonLimitError as error:
        raise _limit("(message)", error.reason, error.required, error.given) from None
    except (DuplicateKeyError, ValueError) as error:
        raise RefusedAttemptError((Problem(field="(message)", reason=str(error)),)) from None
    try:
        message = IntakeMessage.model_validate(raw)
    except ValidationError as error:
        raise RefusedAttemptError(problems_of(error)) from None
    if message.province != subject.province:
        raise RefusedAttemptError((Problem(
            field="province", reason="the payload names another province than its subject",
            required=subject.province, given=message.province,
        ),))  # fmt: skip
    if message.command_type != subject.command_type:
        raise RefusedAttemptError((Problem(
            field="command_type", reason="the payload names another command than its subject",
            required=subject.command_type, given=message.command_type,
        ),))  # fmt: skip
    return message


def provenance(message: IntakeMessage) -> dict[str, Any]:
    """Who, when (business time: the postmark, P-POSTMARK), and which message: carried by every
    domain event it causes."""
    return {
        "actor": message.actor,
        "occurred_at": message.received_at,
        "correlation_id": message.correlation_id,
        "causation_id": message.command_id,
    }


def refused(service: str, delivery: Delivery, error: RefusedAttemptError) -> IntakeDecision:
    """Log and count a refused attempt; return the decision to send back."""
    EVENTS_REJECTED.labels(service, "invalid").inc()
    log.warning(
        "attempt refused", sequence=delivery.sequence, subject=delivery.subject,
        problems=[str(p) for p in error.problems],
    )  # fmt: skip
    return error.decision()
