"""The evaluation store: getting aggregates, and the provenance every decided fact carries.

Business time is the attempt's postmark (``received_at``, P-POSTMARK) or the causing event's
``occurred_at``, never the wall clock; facts decided on the log (revocations) are by the system,
caused by that event.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar
from uuid import NAMESPACE_URL, uuid5

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
)
from shared.contract.envelope import Envelope
from shared.store import ServiceApplication

A = TypeVar("A", bound=Aggregate)
SYSTEM = "system:evaluation"
SCHEDULER = "system:evaluation-scheduler"
SCHEDULE_NAMESPACE = uuid5(NAMESPACE_URL, "https://demobase.miit/evaluation-schedule")


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

    def base(self, base_id: str) -> Base:
        found: Base = self.get_or_refuse(Base.create_id(base_id), "base_id", "titled base", base_id)
        return found

    def known_base(self, base_id: str) -> Base | None:
        found: Base | None = self.find(Base.create_id(base_id))
        return found

    def evaluation_round(self, round_id: str) -> EvaluationRound:
        aggregate_id = EvaluationRound.create_id(round_id)
        found: EvaluationRound = self.get_or_refuse(aggregate_id, "round_id", "round", round_id)
        return found

    def roster(self, programme: str) -> Roster:
        found: Roster | None = self.find(Roster.create_id(programme))
        return found or Roster(programme=programme)

    def batch_ledger(self, programme: str) -> BatchLedger:
        found: BatchLedger | None = self.find(BatchLedger.create_id(programme))
        return found or BatchLedger(programme=programme)

    def docket(self) -> RectificationDocket:
        found: RectificationDocket | None = self.find(RectificationDocket.ID)
        return found or RectificationDocket()

    def rename_request(self, base_id: str) -> RenameRequest:
        found: RenameRequest | None = self.find(RenameRequest.create_id(base_id))
        return found or RenameRequest(base_id=base_id)

    def materials(self, round_: EvaluationRound, base: Base) -> AnnualMaterials:
        aggregate_id = AnnualMaterials.create_id(round_.round_id, base.base_id)
        found: AnnualMaterials | None = self.find(aggregate_id)
        return found or AnnualMaterials(
            round_id=round_.round_id,
            base_id=base.base_id,
            province=base.province,
            year=round_.year,
        )
