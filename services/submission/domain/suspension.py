"""A province's suspensions from the batches of one programme, for fraud (R-SUSPENDED-PROVINCE).

Decided elsewhere (the evaluation service finds fraud, R-FRAUD, and names the batch); recorded here
so that the recommendation step can enforce it.
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.rules import Violation

SUSPENSION_NAMESPACE = uuid5(NAMESPACE_URL, "https://demobase.miit/suspension")


class ProvinceSuspensions(Aggregate):
    """The batch numbers of one programme in which one province may not recommend."""

    @staticmethod
    def create_id(province: str, programme: str) -> UUID:
        return uuid5(SUSPENSION_NAMESPACE, f"{province}|{programme}")

    @event("Started")
    def __init__(self, province: str, programme: str) -> None:
        self.province = province
        self.programme = programme
        self.batches: dict[int, dict[str, Any]] = {}

    class Suspended(Aggregate.Event):
        batch_number: int
        reason: str
        causing_events: list[dict[str, Any]]

    @event(Suspended)
    def suspend(self, batch_number: int, reason: str, causing_events: list[dict[str, Any]]) -> None:
        self.batches[batch_number] = {"reason": reason, "causing_events": causing_events}

    def check_not_suspended(self, batch_number: int, batch_id: str) -> Violation | None:
        """R-SUSPENDED-PROVINCE: no recommendation in a batch the province is suspended from."""
        suspension = self.batches.get(batch_number)
        if suspension is None:
            return None
        causes = ", ".join(str(ref["event_id"]) for ref in suspension["causing_events"])
        return Violation(
            "R-SUSPENDED-PROVINCE",
            "province",
            "a province not suspended from this batch",
            self.province,
            f"province {self.province} is suspended from batch {batch_id} "
            f"(R-FRAUD: {suspension['reason']}; events {causes})",
        )
