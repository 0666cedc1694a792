"""The evaluation store: getting aggregates, and the provenance every decided fact carries.

Business time is the command's ``issued_at`` or the causing event's ``occurred_at``, never the
wall clock; facts decided on the log (revocations) are by the system, caused by that event.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder

from services.evaluation.adapters.transcodings import DateAsISO
from services.evaluation.domain import (
    AnnualMaterials,
    Base,
    BatchLedger,
    EvaluationRound,
    RectificationDocket,
    RenameRequest,
    Roster,
    not_found,
)
from shared.contract.commands import IntakeMessage
from shared.contract.envelope import Envelope
from shared.store import ServiceApplication

A = TypeVar("A", bound=Aggregate)
SYSTEM = "system:evaluation"
SCHEDULER = "system:evaluation-scheduler"
SCHEDULE_NAMESPACE = uuid5(NAMESPACE_URL, "https://demobase.miit/evaluation-schedule")


def provenance(message: IntakeMessage) -> dict[str, Any]:
    """Who, when (business time), and which message: carried by every domain event."""
    return {
        "actor": message.actor,
        "occurred_at": message.issued_at,
        "correlation_id": message.correlation_id,
        "causation_id": message.command_id,
    }


def caused_by(event: Envelope) -> dict[str, Any]:
    """A fact the rules decide on an event of the log: by the system, when the event took effect."""
    return {
        "actor": SYSTEM,
        "occurred_at": event.occurred_at,
        "correlation_id": event.correlation_id,
        "causation_id": event.event_id,
    }


def ref(event: Envelope, position: int) -> dict[str, Any]:
    """An EventRef: the event's id and its sequence in EVENTS (the position it was delivered at)."""
    return {"event_id": event.event_id, "stream_sequence": position}


class EvaluationStore(ServiceApplication):
    """The evaluation service's event store and its aggregates."""

    name = "evaluation"
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {
        Roster: 50,
        RectificationDocket: 50,
    }
    """The long-lived ledgers are snapshotted, so that loading them stays cheap."""

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def record(self, *aggregates: Any, upstream: str | None = None, position: int = 0) -> None:
        """Record as every service does; then snapshot a ledger at each interval of versions."""
        super().record(*aggregates, upstream=upstream, position=position)
        for aggregate in aggregates:
            interval = self.snapshotting_intervals.get(type(aggregate))
            if interval and aggregate.version % interval == 0:
                self.take_snapshot(aggregate.id, version=aggregate.version)

    def _get(self, aggregate_id: UUID, field: str, kind: str, given: str) -> Any:
        found = self._get_or_none(aggregate_id)
        if found is None:
            raise not_found(field, kind, given)
        return found

    def _get_or_none(self, aggregate_id: UUID) -> Any:
        # ``in self.repository`` would rebuild the aggregate only to say yes.
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def base(self, base_id: str) -> Base:
        found: Base = self._get(Base.create_id(base_id), "base_id", "titled base", base_id)
        return found

    def known_base(self, base_id: str) -> Base | None:
        found: Base | None = self._get_or_none(Base.create_id(base_id))
        return found

    def evaluation_round(self, round_id: str) -> EvaluationRound:
        aggregate_id = EvaluationRound.create_id(round_id)
        found: EvaluationRound = self._get(aggregate_id, "round_id", "round", round_id)
        return found

    def roster(self, programme: str) -> Roster:
        found: Roster | None = self._get_or_none(Roster.create_id(programme))
        return found or Roster(programme=programme)

    def batch_ledger(self, programme: str) -> BatchLedger:
        found: BatchLedger | None = self._get_or_none(BatchLedger.create_id(programme))
        return found or BatchLedger(programme=programme)

    def docket(self) -> RectificationDocket:
        found: RectificationDocket | None = self._get_or_none(RectificationDocket.ID)
        return found or RectificationDocket()

    def rename_request(self, base_id: str) -> RenameRequest:
        found: RenameRequest | None = self._get_or_none(RenameRequest.create_id(base_id))
        return found or RenameRequest(base_id=base_id)

    def materials(self, round_: EvaluationRound, base: Base) -> AnnualMaterials:
        aggregate_id = AnnualMaterials.create_id(round_.round_id, base.base_id)
        found: AnnualMaterials | None = self._get_or_none(aggregate_id)
        return found or AnnualMaterials(
            round_id=round_.round_id,
            base_id=base.base_id,
            province=base.province,
            year=round_.year,
        )
