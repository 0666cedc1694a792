"""The evaluation service's reactions to other services' facts."""

from __future__ import annotations

from services.evaluation.application import EvaluationApplication
from shared.bus.handler import Reaction
from shared.contract.envelope import Envelope
from shared.contract.events import TitleAwarded


def reactions(app: EvaluationApplication) -> dict[str, Reaction]:
    def when_awarded_enrol_base(event: Envelope, upstream: str, position: int) -> None:
        payload = event.payload
        assert isinstance(payload, TitleAwarded)
        app.enrol_base(
            payload.base_id, event.province, payload.programme, payload.name,
            payload.announced_on, upstream=upstream, position=position,
        )  # fmt: skip

    return {"TitleAwarded": when_awarded_enrol_base}
