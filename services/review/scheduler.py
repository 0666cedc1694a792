"""Closing publicities when their window has passed (R-PUBLICITY), on an injected clock.

The only place in the review service that reads a clock: every few seconds it asks the
application which publicities closed before ``clock.now()`` with no objection unresolved, and
closes each with ``now`` as the effective time, on the service's own worker thread (the seam),
not through NATS. A close the rules refuse stays open and is tried again next time.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import structlog

from services.review.application import ReviewApplication
from shared.bus.runtime import ServiceRuntime
from shared.clock import Clock, every
from shared.rules import RuleViolationError

log = structlog.get_logger()


@dataclass
class PublicityCloser:
    """An ``extra_tasks`` entry of the review service's runtime."""

    app: ReviewApplication
    runtime: ServiceRuntime
    clock: Clock
    interval_seconds: float

    async def run(self, stop: asyncio.Event) -> None:
        await every(self.interval_seconds, stop, self.close_due)

    async def close_due(self) -> list[str]:
        """Close every due publicity; return those closed."""
        now = self.clock.now()
        closed = []
        for publicity_id in await self.runtime.seam.call(self.app.due_publicities, now):
            try:
                bases = await self.runtime.seam.call(
                    self.app.close_due_publicity, publicity_id, now
                )
            except RuleViolationError as error:
                log.info("scheduled close refused, retried later", publicity_id=publicity_id,
                         reasons=str(error))  # fmt: skip
                continue
            closed.append(publicity_id)
            log.info("publicity closed on schedule", publicity_id=publicity_id, at=now.isoformat(),
                     awarded=[base.base_id for base in bases])  # fmt: skip
        if closed and self.runtime.relay is not None:
            self.runtime.relay.wake()
        return closed
