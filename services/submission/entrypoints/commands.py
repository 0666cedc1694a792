"""The submission service's commands from the intake: thin, validate-call-answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.submission.application import SubmissionApplication
from services.submission.domain.application import Application
from shared.bus.handler import Command, owned, problems_of_violations
from shared.contract.authority import Owner
from shared.contract.commands import IntakeDecision, IntakeMessage
from shared.metrics import EVENTS_REJECTED
from shared.rules import Violation


def commands(app: SubmissionApplication) -> dict[str, Command]:
    def submit_application(message: IntakeMessage, upstream: str, position: int) -> IntakeDecision:
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

    def decided(method: Callable[..., Any], recorded: str | None, subject: str) -> Command:
        def command(message: IntakeMessage, upstream: str, position: int) -> IntakeDecision:
            aggregate = method(message, upstream=upstream, position=position)
            return IntakeDecision(
                command_id=message.command_id,
                accepted=True,
                recorded=recorded,
                subject_id=getattr(aggregate, subject),
            )

        return command

    return {
        "SubmitApplication": submit_application,
        "OpenBatch": decided(app.open_batch, "BatchOpened", "batch_id"),
        "ForwardBatch": decided(app.forward_batch, "BatchForwarded", "batch_id"),
        "ReviewByCity": decided(app.review_by_city, "CityReviewCompleted", "application_id"),
        "RecommendApplication": decided(app.recommend, "ProvinciallyRecommended", "application_id"),
        "RejectApplication": decided(app.reject, "ApplicationRejected", "application_id"),
        "DisqualifyApplication": decided(app.disqualify, "ApplicationRejected", "application_id"),
        "AllowSecondDomain": decided(app.allow_second_domain, "SecondDomainAllowed", "batch_id"),
        "LoadZoneCatalogue": decided(app.load_catalogue, None, "edition"),  # kept in the store
    }


def owners(app: SubmissionApplication) -> dict[str, Owner]:
    """Whose applications they are, for the authority of a city or a province (P-AUTHORITY)."""
    return {"application_id": owned(app, Application)}
