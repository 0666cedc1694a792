"""The submission service's application: receive applications, decide on arrival, save.

Also the translation of its stored domain events into the integration events of the contract.
"""

from __future__ import annotations

from typing import Any

from services.submission.domain import Application, application_id_for, violations_on_arrival
from shared.contract.commands import IntakeMessage, SubmitApplication
from shared.contract.envelope import Envelope, new_envelope
from shared.contract.events import ApplicationRejected, ApplicationSubmitted, RuleViolation
from shared.store import ServiceApplication, stable_event_id


class SubmissionApplication(ServiceApplication):
    """Applications, city and provincial review, recommendations, quotas, suspensions."""

    name = "submission"

    def submit(self, message: IntakeMessage, *, upstream: str, position: int) -> Application:
        """Receive one application; it is accepted or refused by the arrival rules, and kept."""
        body = message.body
        assert isinstance(body, SubmitApplication)
        application_id = application_id_for(body.programme, message.province, message.command_id)
        if Application.create_id(application_id) in self.repository:
            # The same attempt sent again after the server's duplicate window: decided already.
            self.advance(upstream, position)
            existing: Application = self.repository.get(Application.create_id(application_id))
            return existing
        application = Application(
            application_id=application_id,
            province=message.province,
            details=body.model_dump(mode="json"),
            violations=[
                vars(v)
                for v in violations_on_arrival(
                    body.programme, body.category, body.domain, body.uscc
                )
            ],
            actor=message.actor,
            occurred_at=message.issued_at,
            correlation_id=message.correlation_id,
            causation_id=message.command_id,
        )
        self.record(application, upstream=upstream, position=position)
        return application


def translate(domain_event: Any) -> Envelope | None:
    """The integration event of one stored domain event of this service."""
    if isinstance(domain_event, Application.Received):
        return _received(domain_event)
    return None


def _received(event: Application.Received) -> Envelope:
    details = event.details
    payload: ApplicationSubmitted | ApplicationRejected
    if event.violations:
        payload = ApplicationRejected(
            application_id=event.application_id,
            stage="submission",
            name=details["name"],
            programme=details["programme"],
            category=details["category"],
            domain=details["domain"],
            reasons=tuple(RuleViolation(**v) for v in event.violations),
        )
    else:
        payload = ApplicationSubmitted(
            application_id=event.application_id,
            batch_id=details.get("batch_id"),
            programme=details["programme"],
            category=details["category"],
            name=details["name"],
            applicant=details["applicant"],
            city=details.get("city"),
            domain=details["domain"],
            uscc=details.get("uscc"),
            zone=details.get("zone"),
            form=details.get("form") or {},
        )
    return new_envelope(
        payload,
        event_id=stable_event_id(event),
        occurred_at=event.occurred_at,
        recorded_at=event.timestamp,
        actor=event.actor,
        province=event.province,
        subject_id=event.application_id,
        correlation_id=event.correlation_id,
        causation_id=event.causation_id,
    )
