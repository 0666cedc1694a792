"""The evaluation service's application: titled bases and their yearly cycle."""

from __future__ import annotations

from typing import Any

from services.evaluation.domain import Base
from shared.contract.envelope import Envelope
from shared.store import ServiceApplication


class EvaluationApplication(ServiceApplication):
    """Annual reports, star ratings, five-star lists, incidents, revocation, fraud, renaming."""

    name = "evaluation"

    def enrol_base(
        self, base_id: str, province: str, programme: str, name: str, announced_on: Any,
        *, upstream: str, position: int,
    ) -> Base | None:  # fmt: skip
        """Take an awarded base into the yearly cycle (once, whatever the redelivery)."""
        if Base.create_id(base_id) in self.repository:
            self.advance(upstream, position)
            return None
        base = Base(
            base_id=base_id, province=province, programme=programme, name=name,
            announced_on=announced_on,
        )  # fmt: skip
        self.record(base, upstream=upstream, position=position)
        return base


def translate(domain_event: Any) -> Envelope | None:
    """Enrolment is internal to evaluation: nothing leaves for the log."""
    return None
