"""The platform's clock: the time every rule reads (P-POSTMARK, ADR 13).

A rule never reads a time the sender wrote. It reads :attr:`IntakeMessage.received_at`, the time the
platform received the attempt: the intake stream's own timestamp (the postmark), on the platform's
clock. That clock is the receipt time itself until the ministry's operator sets it
(``SetPlatformClock``); from then on it reads ``to + (receipt − receipt of the setting)``. The
setting is a fact in each deciding service's store and on the log (``PlatformClockSet``), and
both terms are stream timestamps, so a replay of the intake decides exactly as the first run did.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.contract.commands import IntakeDecision, IntakeMessage
from shared.contract.commands_platform import SetPlatformClock
from shared.contract.envelope import EventPayload
from shared.contract.events_platform import PLATFORM_CLOCK, PlatformClockSet
from shared.contract.provinces import MINISTRY
from shared.contract.subjects import Context
from shared.intake import provenance
from shared.store import ServiceApplication

RULE = "P-POSTMARK"


class PlatformClock(Aggregate):
    """Every setting of the platform's clock, as one service received them."""

    ID = uuid5(NAMESPACE_URL, "https://demobase.miit/platform-clock")

    @staticmethod
    def create_id() -> UUID:
        return PlatformClock.ID

    class Set(Aggregate.Event):
        to: datetime
        received_at: datetime
        reason: str
        actor: str
        occurred_at: datetime
        correlation_id: UUID
        causation_id: UUID | None

    @event("Started")
    def __init__(self) -> None:
        self.offset = timedelta(0)

    @event(Set)
    def set(
        self, to: datetime, received_at: datetime, reason: str, actor: str,
        occurred_at: datetime, correlation_id: UUID, causation_id: UUID | None,
    ) -> None:  # fmt: skip
        self.offset = to - received_at


class PlatformTime:
    """One service's reading of the platform's clock; also the schedulers' :class:`Clock`.

    Reads the stored clock once, then keeps its offset; only the handler's thread sets it.
    """

    def __init__(self, app: ServiceApplication) -> None:
        self.app = app
        self._offset: timedelta | None = None
        self._lock = threading.Lock()

    @property
    def offset(self) -> timedelta:
        """How far the platform's clock is from the receipt time (zero until it is set)."""
        with self._lock:
            if self._offset is None:
                found = self.app.find(PlatformClock.ID)
                self._offset = found.offset if found is not None else timedelta(0)
            return self._offset

    def forget(self) -> None:
        """Read the stored clock again next time (a batch that set it was not committed)."""
        with self._lock:
            self._offset = None

    def reading(self, received_at: datetime) -> datetime:
        """The platform's time of something the server stored at ``received_at``."""
        return received_at + self.offset

    def now(self) -> datetime:
        """The platform's time now (for schedulers, which act on no attempt)."""
        return self.reading(datetime.now(UTC))

    def set(
        self, message: IntakeMessage, received_at: datetime, upstream: str, position: int
    ) -> IntakeDecision:
        """Record a ``SetPlatformClock`` attempt received at ``received_at`` (stream time)."""
        body = message.body
        assert isinstance(body, SetPlatformClock)
        clock = self.app.find(PlatformClock.ID) or PlatformClock()
        clock.set(to=body.to, received_at=received_at, reason=body.reason,
                  **provenance(message))  # fmt: skip
        self.app.record(clock, upstream=upstream, position=position)
        with self._lock:
            self._offset = clock.offset
        return IntakeDecision(command_id=message.command_id, accepted=True,
                              recorded="PlatformClockSet", subject_id=PLATFORM_CLOCK)  # fmt: skip


def clock_set_payload(service: Context) -> Any:
    """The translation of a stored clock setting, for ``shared.bus.relay.translator``."""

    def payload(event: PlatformClock.Set) -> EventPayload:
        return PlatformClockSet(decided_in=service, to=event.to, received_at=event.received_at,
                                reason=event.reason)  # fmt: skip

    return (payload, lambda _: MINISTRY, lambda _: PLATFORM_CLOCK)
