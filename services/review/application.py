"""The review service's application: candidates before the ministry."""

from __future__ import annotations

from typing import Any

from services.review.domain import Candidate
from shared.contract.envelope import Envelope
from shared.store import ServiceApplication


class ReviewApplication(ServiceApplication):
    """Expert panels and scores, publicity with objections, awards, EIDB acceptance."""

    name = "review"

    def register_candidate(
        self, application_id: str, province: str, programme: str, recommended: Envelope,
        *, upstream: str, position: int,
    ) -> Candidate | None:  # fmt: skip
        """Take a recommended application before the ministry (once, whatever the redelivery)."""
        if Candidate.create_id(application_id) in self.repository:
            self.advance(upstream, position)
            return None
        candidate = Candidate(
            application_id=application_id, province=province, programme=programme,
            recommended_at=recommended.occurred_at,
        )  # fmt: skip
        self.record(candidate, upstream=upstream, position=position)
        return candidate


def translate(domain_event: Any) -> Envelope | None:
    """Registering a candidate is internal to review: nothing leaves for the log."""
    return None
