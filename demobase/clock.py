"""Moving the platform's clock, as the ministry's operator does to play years in seconds (ADR 13).

Every rule reads the time the platform received an attempt (P-POSTMARK); the platform's clock is
that receipt time unless the operator sets it with ``SetPlatformClock``, a ministry-only command
sent to every deciding service. ``make demo``, the trials and the tests send each attempt "on" a
business day by setting the clock of the deciding context to that day first: :class:`ClockedDesk`.
A province's account cannot move it (refused naming P-AUTHORITY).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from demobase.client import ClientError, intake_message, send_command
from shared.bus.connection import Credentials
from shared.contract.commands import IntakeDecision
from shared.contract.provinces import MINISTRY
from shared.contract.subjects import CONTEXTS

OPERATOR = "ministry:operator"


async def set_clock(
    nats_url: str,
    context: str,
    to: datetime,
    reason: str = "the operator plays a business day",
    credentials: Credentials | None = None,
) -> IntakeDecision:
    """Set the platform's clock of one deciding context to ``to``; the decision is returned."""
    message = intake_message("SetPlatformClock", {"to": to.isoformat(), "reason": reason},
                             MINISTRY, OPERATOR, to)  # fmt: skip
    return await send_command(nats_url, context, message, credentials=credentials)


async def set_clock_everywhere(
    nats_url: str, to: datetime, reason: str, credentials: Credentials | None = None
) -> list[IntakeDecision]:
    """Set the clock of every deciding context to ``to``; ClientError if any refuses."""
    decisions = [await set_clock(nats_url, c, to, reason, credentials) for c in CONTEXTS]
    refused = [d for d in decisions if not d.accepted]
    if refused:
        raise ClientError("the platform's clock was not set: " + "; ".join(
            str(p) for d in refused for p in d.problems
        ))  # fmt: skip
    return decisions


@dataclass
class ClockedDesk:
    """Sends attempts each on its own business time: the clock of the deciding context is set to
    the attempt's ``issued_at`` first (once per change), then the attempt is sent."""

    nats_url: str
    clock_credentials: Credentials | None = None
    """Whose account sets the clock: the ministry's (the default credentials of this process)."""
    set_to: dict[str, datetime] = field(default_factory=dict)

    async def send(
        self,
        context: str,
        message: dict[str, Any],
        timeout: float = 10.0,
        credentials: Credentials | None = None,
    ) -> IntakeDecision:
        issued = message["issued_at"]
        to = issued if isinstance(issued, datetime) else datetime.fromisoformat(str(issued))
        if self.set_to.get(context) != to:
            decision = await set_clock(self.nats_url, context, to,
                                       credentials=self.clock_credentials)  # fmt: skip
            if not decision.accepted:
                raise ClientError("the platform's clock was not set: " + "; ".join(
                    str(p) for p in decision.problems
                ))  # fmt: skip
            self.set_to[context] = to
        return await send_command(self.nats_url, context, message, timeout, credentials)
