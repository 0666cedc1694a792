"""The submission service's reactions to other services' facts."""

from __future__ import annotations

from services.submission.application import SubmissionApplication
from shared.bus.handler import Reaction
from shared.contract.envelope import Envelope
from shared.contract.events import ProvinceSuspended
from shared.reaction_log import reacted

LOG = ("bases.v1.*.*.ProvinceSuspended", "bases.v1.review.*.CandidateDisqualified")
"""The part of the log this service reads, in the log's one order: evaluation's suspensions and
review's fraud findings (one consumer with two subject filters), not its own facts or anyone
else's, which would only advance its position one commit each."""


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
        reacted(event, position, "province suspended: it may not recommend in the batch",
                province=payload.province, programme=payload.programme,
                batch_number=payload.batch_number, rule_id="R-SUSPENDED-PROVINCE")  # fmt: skip

    def when_candidate_disqualified_bar_applicant(
        event: Envelope, upstream: str, position: int
    ) -> None:
        app.when_candidate_disqualified_bar_applicant(event, upstream=upstream, position=position)

    return {
        "ProvinceSuspended": when_province_suspended_record_it,
        "CandidateDisqualified": when_candidate_disqualified_bar_applicant,
    }
