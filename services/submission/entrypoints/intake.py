"""The submission service's intake: applications from the provinces, one at a time, in order."""

from __future__ import annotations

import structlog

from services.submission.application import SubmissionApplication
from shared.bus.consumer import Delivery
from shared.contract.commands import IntakeDecision, Problem, SubmitApplication
from shared.contract.subjects import EVENTS_STREAM
from shared.intake import RefusedAttemptError, read_attempt, refused
from shared.metrics import EVENTS_REJECTED

log = structlog.get_logger()


class SubmissionIntake:
    """Handles the intake stream's ``intake.v1.submission.>`` messages (and, later, the log's)."""

    def __init__(self, app: SubmissionApplication) -> None:
        self.app = app

    def position(self, upstream: str) -> int:
        return self.app.position(upstream)

    def handle(self, delivery: Delivery) -> bytes | None:
        if delivery.stream == EVENTS_STREAM:
            self.app.advance(delivery.stream, delivery.sequence)
            return None
        try:
            message = read_attempt(delivery)
        except RefusedAttemptError as error:
            self.app.advance(delivery.stream, delivery.sequence)
            return refused(self.app.name, delivery, error)
        structlog.contextvars.bind_contextvars(
            correlation_id=str(message.correlation_id), command_id=str(message.command_id)
        )
        if not isinstance(message.body, SubmitApplication):
            self.app.advance(delivery.stream, delivery.sequence)
            return None
        application = self.app.submit(message, upstream=delivery.stream, position=delivery.sequence)
        if not application.accepted:
            EVENTS_REJECTED.labels(self.app.name, "rule").inc()
        log.info("application received", application_id=application.application_id,
                 status=application.status)  # fmt: skip
        return (
            IntakeDecision(
                command_id=message.command_id,
                accepted=application.accepted,
                recorded="ApplicationSubmitted" if application.accepted else "ApplicationRejected",
                subject_id=application.application_id,
                problems=tuple(
                    Problem(
                        field=v["field"],
                        reason=v["message"],
                        rule_id=v["rule_id"],
                        required=v["required"],
                        given=v["given"],
                    )
                    for v in application.violations
                ),
            )
            .model_dump_json()
            .encode()
        )
