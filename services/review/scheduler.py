"""Closing publicities when their window has passed (R-PUBLICITY), on an injected clock.

The only place in the review service that reads a clock: every few seconds it asks the
application which publicities closed before ``clock.now()`` with no objection unresolved, and
closes each with ``now`` as the effective time, on the service's own worker thread (the seam),
not through NATS. A close the rules refuse stays open and is tried again next time.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime

import structlog

from services.review.application import ReviewApplication
from shared.bus.runtime import ServiceRuntime
from shared.clock import Clock, every
from shared.rules import RuleViolationError

log = structlog.get_logger()


@dataclass
class PublicityCloser:
    """An ``extra_tasks`` entry of the review service's runtime.

    A publicity is closed once it has been seen due for ``grace_seconds`` (of this process's
    time): whoever published a list and is still sending its objections and consultations, as an
    operator replaying a past year does in seconds, is not overtaken by the clock.
    """

    app: ReviewApplication
    runtime: ServiceRuntime
    clock: Clock
    interval_seconds: float
    grace_seconds: float = 0.0
    seen_due: dict[str, float] = field(default_factory=dict)

    async def run(self, stop: asyncio.Event) -> None:
        await every(self.interval_seconds, stop, self.close_due)

    async def close_due(self) -> list[str]:
        """Close every publicity due for long enough; return those closed."""
        now = self.clock.now()
        due = await self.runtime.seam.call(self.app.due_publicities, now)
        closed = [p for p in due if self._long_enough(p) and await self._close(p, now)]
        self.seen_due = {p: t for p, t in self.seen_due.items() if p in due and p not in closed}
        if closed and self.runtime.relay is not None:
            self.runtime.relay.wake()
        return closed

    def _long_enough(self, publicity_id: str) -> bool:
        first = self.seen_due.setdefault(publicity_id, time.monotonic())
        return time.monotonic() - first >= self.grace_seconds

    async def _close(self, publicity_id: str, now: datetime) -> bool:
        try:
            bases = await self.runtime.seam.call(self.app.close_due_publicity, publicity_id, now)
        except RuleViolationError as error:
            log.info(
                "scheduled close refused, retried later",
                publicity_id=publicity_id,
                reasons=str(error),
            )
            return False
        log.info(
            "publicity closed on schedule",
            publicity_id=publicity_id,
            at=now.isoformat(),
            awarded=[base.base_id for base in bases],
        )
        return True
