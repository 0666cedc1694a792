"""Reading an attempt off the intake stream, the same way in every service that owns commands.

An attempt that cannot be parsed, names another province than its subject, or fails the contract is
refused here with one :class:`Problem` per field; the owning service records only its position, so
the attempt stays on the intake stream and nothing else is recorded.
"""

from __future__ import annotations

from typing import Any

import structlog
from pydantic import ValidationError

from shared.bus.consumer import Delivery
from shared.contract.commands import IntakeDecision, IntakeMessage, Problem, problems_of
from shared.contract.envelope import DuplicateKeyError, loads_strict
from shared.contract.subjects import last_token, province_of
from shared.metrics import EVENTS_REJECTED

log = structlog.get_logger()


class RefusedAttemptError(Exception):
    """An attempt that can never be valid, with its problems."""

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))

    def decision(self) -> IntakeDecision:
        return IntakeDecision(command_id=None, accepted=False, problems=self.problems)


def read_attempt(delivery: Delivery) -> IntakeMessage:
    """Parse and check one intake message, or raise :class:`RefusedAttemptError`."""
    try:
        raw = loads_strict(delivery.data)
    except (DuplicateKeyError, ValueError) as error:
        raise RefusedAttemptError((Problem(field="(message)", reason=str(error)),)) from None
    try:
        message = IntakeMessage.model_validate(raw)
    except ValidationError as error:
        raise RefusedAttemptError(problems_of(error)) from None
    subject_province = province_of(delivery.subject)
    if message.province != subject_province:
        raise RefusedAttemptError((Problem(
            field="province", reason="the payload names another province than its subject",
            required=subject_province, given=message.province,
        ),))  # fmt: skip
    if message.command_type != last_token(delivery.subject):
        raise RefusedAttemptError((Problem(
            field="command_type", reason="the payload names another command than its subject",
            required=last_token(delivery.subject), given=message.command_type,
        ),))  # fmt: skip
    return message


def provenance(message: IntakeMessage) -> dict[str, Any]:
    """Who, when (business time), and which message: carried by every domain event it causes."""
    return {
        "actor": message.actor,
        "occurred_at": message.issued_at,
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
