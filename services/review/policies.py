"""The review service's reactions to other services' facts."""

from __future__ import annotations

from services.review.application import ReviewApplication
from shared.bus.handler import Reaction
from shared.contract.envelope import Envelope
from shared.contract.events import ProvinciallyRecommended


def reactions(app: ReviewApplication) -> dict[str, Reaction]:
    def when_recommended_register_candidate(event: Envelope, upstream: str, position: int) -> None:
        payload = event.payload
        assert isinstance(payload, ProvinciallyRecommended)
        app.register_candidate(
            payload.application_id, event.province, payload.programme, event,
            upstream=upstream, position=position,
        )  # fmt: skip

    return {"ProvinciallyRecommended": when_recommended_register_candidate}
