"""The review service's reactions to other services' facts."""

from __future__ import annotations

from services.review.application import ReviewApplication
from shared.bus.handler import Reaction
from shared.contract.envelope import Envelope


def reactions(app: ReviewApplication) -> dict[str, Reaction]:
    def when_submitted_file_candidate(event: Envelope, upstream: str, position: int) -> None:
        app.file_candidate(event, upstream=upstream, position=position)

    def when_recommended_enter_review(event: Envelope, upstream: str, position: int) -> None:
        app.enter_review(event, upstream=upstream, position=position)

    def when_batch_opened_note_its_number(event: Envelope, upstream: str, position: int) -> None:
        app.note_call(event, upstream=upstream, position=position)

    return {
        "ApplicationSubmitted": when_submitted_file_candidate,
        "ProvinciallyRecommended": when_recommended_enter_review,
        "BatchOpened": when_batch_opened_note_its_number,
    }
