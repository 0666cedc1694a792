"""Revoking titles whose findings passed their deadline (R-REVOKE-RECTIFY), on an injected clock.

The only place in the evaluation service that reads a clock: every so often it asks the
application to revoke, as of the clock's date in Beijing, every base with an inspection finding
on the log not rectified by its deadline, on the service's own worker thread (the seam). The
``CheckRectificationDeadlines`` command does the same for an explicit effective date.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import structlog

from services.evaluation.application import EvaluationApplication
from shared.bus.runtime import ServiceRuntime
from shared.clock import Clock, every

log = structlog.get_logger()


@dataclass
class RectificationWatch:
    """An ``extra_tasks`` entry of the evaluation service's runtime."""

    app: EvaluationApplication
    runtime: ServiceRuntime
    clock: Clock
    interval_seconds: float

    async def run(self, stop: asyncio.Event) -> None:
        await every(self.interval_seconds, stop, self.revoke_overdue)

    async def revoke_overdue(self) -> list[str]:
        """Revoke every base with an overdue finding; return the bases revoked."""
        now = self.clock.now()
        revoked = await self.runtime.seam.call(self.app.check_due, now)
        if revoked:
            log.info(
                "titles revoked on schedule",
                rule_id="R-REVOKE-RECTIFY",
                bases=revoked,
                at=now.isoformat(),
            )
            if self.runtime.relay is not None:
                self.runtime.relay.wake()
        return revoked
