"""The submission service's commands from the intake: thin, validate-call-answer."""

from __future__ import annotations

from services.submission.application import SubmissionApplication
from shared.bus.handler import Command, problems_of_violations
from shared.contract.commands import IntakeDecision, IntakeMessage, SubmitApplication
from shared.metrics import EVENTS_REJECTED
from shared.rules import Violation


def commands(app: SubmissionApplication) -> dict[str, Command]:
    def submit_application(message: IntakeMessage, upstream: str, position: int) -> IntakeDecision:
        assert isinstance(message.body, SubmitApplication)
        application = app.submit(message, upstream=upstream, position=position)
        if not application.accepted:
            EVENTS_REJECTED.labels(app.name, "rule").inc()
        return IntakeDecision(
            command_id=message.command_id,
            accepted=application.accepted,
            recorded="ApplicationSubmitted" if application.accepted else "ApplicationRejected",
            subject_id=application.application_id,
            problems=problems_of_violations([Violation(**v) for v in application.violations]),
        )

    return {"SubmitApplication": submit_application}
