"""A review batch: the candidates the provinces recommended in one call, ranked together."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.review.domain.procedure import check_step
from shared.rules import Violation, refuse

BATCH_NAMESPACE = uuid5(NAMESPACE_URL, "https://demobase.miit/review-batch")


class ReviewBatch(Aggregate):
    """Its members, and the proposed list once decided (R-PROCEDURE: 列入拟公示名单)."""

    @staticmethod
    def create_id(batch_id: str) -> UUID:
        return uuid5(BATCH_NAMESPACE, batch_id)

    @event("Started")
    def __init__(self, batch_id: str, programme: str) -> None:
        self.batch_id, self.programme = batch_id, programme
        self.members: list[str] = []
        self.proposed: list[str] = []
        self.status = "in_review"

    @event("Enrolled")
    def enrol(self, application_id: str) -> None:
        self.members.append(application_id)

    class ListDecided(Aggregate.Event):
        proposed: list[str]
        not_proposed: list[str]
        propose: int | None
        cut_off: Decimal | None
        actor: str
        occurred_at: datetime
        correlation_id: UUID
        causation_id: UUID

    def decide_list(
        self, proposed: list[str], propose: int | None, cut_off: Decimal | None, **provenance: Any
    ) -> None:
        """The proposed list, once; the rest are not proposed."""
        refuse(self.check_in_review())
        not_proposed = [member for member in self.members if member not in proposed]
        self._list_decided(proposed, not_proposed, propose, cut_off, **provenance)

    @event(ListDecided)
    def _list_decided(
        self, proposed: list[str], not_proposed: list[str], propose: int | None,
        cut_off: Decimal | None, actor: str, occurred_at: datetime, correlation_id: UUID,
        causation_id: UUID,
    ) -> None:  # fmt: skip
        self.proposed, self.status = proposed, "decided"

    def check_in_review(self) -> Violation | None:
        return check_step(self.status, ("in_review",), "decide the list of", self.subject)

    def check_decided(self) -> Violation | None:
        return check_step(self.status, ("decided",), "publicise the list of", self.subject)

    def check_some_proposed(self) -> Violation | None:
        if self.proposed or self.status != "decided":
            return None
        return Violation(
            "R-PROCEDURE", "batch_id", "a batch with candidates proposed", self.batch_id,
            f"no candidate of {self.subject} was proposed: there is nothing to publicise",
        )  # fmt: skip

    def publicise(self, publicity_id: str) -> None:
        """R-PROCEDURE: a decided list is publicised, once."""
        refuse(self.check_decided(), self.check_some_proposed())
        self._publicised(publicity_id)

    @event("Publicised")
    def _publicised(self, publicity_id: str) -> None:
        self.status = "publicised"

    @property
    def subject(self) -> str:
        return f"batch {self.batch_id}"


class ProgrammeCalls(Aggregate):
    """The batches of one programme the platform called (BatchOpened), by number: their titles
    come through expert review and publicity, never ImportTitle (R-PROCEDURE, ADR 15)."""

    @staticmethod
    def create_id(programme: str) -> UUID:
        return uuid5(BATCH_NAMESPACE, f"calls|{programme}")

    @event("Started")
    def __init__(self, programme: str) -> None:
        self.programme = programme
        self.called: dict[str, str] = {}  # batch id by number, as text: snapshots keep JSON keys

    @event("Called")
    def call(self, number: int, batch_id: str) -> None:
        self.called[str(number)] = batch_id

    def batch_numbered(self, number: int) -> str | None:
        return self.called.get(str(number))
