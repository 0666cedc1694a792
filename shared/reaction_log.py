"""The log line of a reaction: what a service did because of a fact on the log (a revocation
from a fraud finding, a province's suspension, a base enrolled on its award …), bound to the
causing event's ``correlation_id`` so that the logs and ``demobase registry trace`` tell the same
story (issue 11, item 8)."""

from __future__ import annotations

from typing import Any

import structlog

from shared.contract.envelope import Envelope

log = structlog.get_logger("reaction")


def reacted(event: Envelope, position: int, what: str, **done: Any) -> None:
    """Log ``what`` was done (with ``done``: which base, province, rule …) in reaction to
    ``event``, at stream sequence ``position``; call it once the reaction is recorded."""
    log.info(
        what,
        correlation_id=str(event.correlation_id),
        cause=str(event.event_id),
        cause_type=event.event_type,
        cause_sequence=position,
        **done,
    )
