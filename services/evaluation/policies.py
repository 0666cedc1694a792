"""The evaluation service's reactions to facts on the log: other services' and its own.

It reads the whole log (``bases.v1.>``) in order, on one consumer: awards enrol bases, batches
called tell the next batch a fraud suspends, and its own incidents, findings, results and fraud
are acted on once they are on the log, where their stream sequence is known, so that a revocation
cites its causes by event id and sequence.
"""

from __future__ import annotations

from services.evaluation.application import EvaluationApplication
from shared.bus.handler import Reaction
from shared.contract.envelope import Envelope

LOG = "bases.v1.>"
"""The part of the log this service reacts to: all of it (one consumer keeps one order)."""


def reactions(app: EvaluationApplication) -> dict[str, Reaction]:
    def when_awarded_enrol_base(event: Envelope, upstream: str, position: int) -> None:
        app.enrol_base(event, upstream=upstream, position=position)

    def when_batch_opened_note_its_number(event: Envelope, upstream: str, position: int) -> None:
        app.see_batch(event, upstream=upstream, position=position)

    def when_incident_reported_revoke_if_grave(
        event: Envelope, upstream: str, position: int
    ) -> None:
        app.when_incident_logged(event, upstream=upstream, position=position)

    def when_finding_recorded_watch_deadline(event: Envelope, upstream: str, position: int) -> None:
        app.when_finding_logged(event, upstream=upstream, position=position)

    def when_star_rated_check_two_low_years(event: Envelope, upstream: str, position: int) -> None:
        app.when_rating_logged(event, upstream=upstream, position=position)

    def when_fraud_detected_revoke_and_suspend(
        event: Envelope, upstream: str, position: int
    ) -> None:
        app.when_fraud_logged(event, upstream=upstream, position=position)

    return {
        "TitleAwarded": when_awarded_enrol_base,
        "BatchOpened": when_batch_opened_note_its_number,
        "IncidentReported": when_incident_reported_revoke_if_grave,
        "InspectionFindingRecorded": when_finding_recorded_watch_deadline,
        "StarRated": when_star_rated_check_two_low_years,
        "FraudDetected": when_fraud_detected_revoke_and_suspend,
    }
