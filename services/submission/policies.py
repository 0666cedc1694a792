"""The submission service's reactions to other services' facts."""

from __future__ import annotations

from services.submission.application import SubmissionApplication
from shared.bus.handler import Reaction
from shared.contract.envelope import Envelope
from shared.contract.events import ProvinceSuspended

SUSPENSIONS = "bases.v1.*.*.ProvinceSuspended"
"""The part of the log this service reacts to: suspensions, whoever decided them."""


def reactions(app: SubmissionApplication) -> dict[str, Reaction]:
    def when_province_suspended_record_it(event: Envelope, upstream: str, position: int) -> None:
        payload = event.payload
        assert isinstance(payload, ProvinceSuspended)
        app.record_suspension(
            payload.province,
            payload.programme,
            payload.batch_number,
            payload.reason,
            [ref.model_dump(mode="json") for ref in payload.causing_events],
            upstream=upstream,
            position=position,
        )

    return {"ProvinceSuspended": when_province_suspended_record_it}
