"""The docket: which publicities are open and when each closes, for the scheduler."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.review.domain.publicity import PUBLICITY_NAMESPACE


class Docket(Aggregate):
    """The publicities open now and when each closes: what the scheduler looks at."""

    ID = uuid5(PUBLICITY_NAMESPACE, "docket")

    @staticmethod
    def create_id() -> UUID:
        return Docket.ID

    @event("Started")
    def __init__(self) -> None:
        self.open: dict[str, datetime] = {}

    @event("Entered")
    def enter(self, publicity_id: str, closes_at: datetime) -> None:
        self.open[publicity_id] = closes_at

    @event("Struck")
    def strike(self, publicity_id: str) -> None:
        self.open.pop(publicity_id, None)

    def due(self, now: datetime) -> list[str]:
        """The open publicities whose window ended before ``now``, the earliest first."""
        ended = [(closes_at, p) for p, closes_at in self.open.items() if closes_at < now]
        return [publicity_id for _, publicity_id in sorted(ended)]
