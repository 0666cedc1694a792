"""The review store: its aggregates by key, and the calendar and scoring sheets it decides with."""

from __future__ import annotations

from typing import TypeVar

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder
from eventsourcing.utils import EnvType

from services.review.adapters.transcodings import DateAsISO
from services.review.domain import (
    Base,
    Candidate,
    Docket,
    Publicity,
    ReviewBatch,
    ScoringSheets,
)
from shared.calendar import WorkingDayCalendar
from shared.store import ServiceApplication

A = TypeVar("A", bound=Aggregate)


class ReviewStore(ServiceApplication):
    """The review service's event store and its aggregates."""

    name = "review"

    def __init__(
        self, env: EnvType | None = None, *, calendar: WorkingDayCalendar, sheets: ScoringSheets
    ) -> None:
        super().__init__(env)
        self.calendar, self.sheets = calendar, sheets

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def _get(self, klass: type[A], key: str, field: str, kind: str) -> A:
        found: A = self.get_or_refuse(klass.create_id(key), field, kind, key)
        return found

    def candidate(self, application_id: str) -> Candidate:
        return self._get(Candidate, application_id, "application_id", "recommended application")

    def batch(self, batch_id: str) -> ReviewBatch:
        return self._get(ReviewBatch, batch_id, "batch_id", "batch in review")

    def publicity(self, publicity_id: str) -> Publicity:
        return self._get(Publicity, publicity_id, "publicity_id", "publicity")

    def base(self, base_id: str) -> Base:
        return self._get(Base, base_id, "base_id", "base")

    def docket(self) -> Docket:
        if Docket.ID in self.repository:
            found: Docket = self.repository.get(Docket.ID)
            return found
        return Docket()
