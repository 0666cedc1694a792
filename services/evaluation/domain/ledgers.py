"""What evaluation keeps across bases: each programme's roster of bases and rounds, the batches it
has seen called, and the inspection findings awaiting rectification."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.evaluation.domain.procedure import Decided
from services.evaluation.domain.revocation import next_batch, overdue
from shared.rules import Violation

LEDGER_NAMESPACE = uuid5(NAMESPACE_URL, "https://demobase.miit/evaluation-ledgers")


class Roster(Aggregate):
    """A programme's titled bases (in order of award) and its rounds by year (R-EVAL-YEARLY)."""

    @staticmethod
    def create_id(programme: str) -> UUID:
        return uuid5(LEDGER_NAMESPACE, f"roster|{programme}")

    @event("Started")
    def __init__(self, programme: str) -> None:
        self.programme = programme
        self.base_ids: list[str] = []
        self.rounds: dict[str, str] = {}  # by year, as text: snapshots keep JSON keys

    @event("Enlisted")
    def enlist(self, base_id: str) -> None:
        self.base_ids.append(base_id)

    def check_new_round(self, year: int, round_id: str) -> Violation | None:
        """R-EVAL-YEARLY: one round per programme and year."""
        if str(year) not in self.rounds:
            return None
        return Violation(
            "R-EVAL-YEARLY",
            "evaluation_year",
            "a year without a round",
            str(year),
            f"{self.programme} {year} is already evaluated in {self.rounds[str(year)]}",
        )

    @event("RoundRegistered")
    def register_round(self, year: int, round_id: str) -> None:
        self.rounds[str(year)] = round_id


class BatchLedger(Aggregate):
    """The highest batch of a programme called on the log, and the suspensions decided (R-FRAUD).

    A province found to have committed fraud is suspended from its *next* batch: the one after the
    highest batch number of the programme seen on the log (BatchOpened) when the fraud is, or,
    before the platform called any, the one after the programme's history (ADR 15).
    """

    @staticmethod
    def create_id(programme: str) -> UUID:
        return uuid5(LEDGER_NAMESPACE, f"batches|{programme}")

    @event("Started")
    def __init__(self, programme: str) -> None:
        self.programme = programme
        self.highest = 0

    @event("BatchSeen")
    def see_batch(self, number: int) -> None:
        self.highest = max(self.highest, number)

    @property
    def next_batch(self) -> int:
        return next_batch(self.programme, self.highest)

    class Suspended(Decided):
        """Published as ProvinceSuspended (R-SUSPENDED-PROVINCE)."""

        province: str
        programme: str
        batch_number: int
        reason: str
        causing_events: list[dict[str, Any]]

    def suspend(
        self, province: str, reason: str, causing_events: list[dict[str, Any]], **provenance: Any
    ) -> int:
        """Suspend ``province`` from the next batch; return its number."""
        number = self.next_batch
        self.trigger_event(
            self.Suspended,
            province=province,
            programme=self.programme,
            batch_number=number,
            reason=reason,
            causing_events=causing_events,
            **provenance,
        )
        return number


class RectificationDocket(Aggregate):
    """Inspection findings and their deadlines (R-REVOKE-RECTIFY); one for the whole service."""

    ID = uuid5(LEDGER_NAMESPACE, "rectification-docket")

    @staticmethod
    def create_id() -> UUID:
        return RectificationDocket.ID

    @event("Started")
    def __init__(self) -> None:
        self.findings: dict[str, dict[str, Any]] = {}

    def check_new(self, finding_id: str) -> Violation | None:
        if finding_id not in self.findings:
            return None
        return Violation(
            "R-REVOKE-RECTIFY",
            "finding_id",
            "a new finding id",
            finding_id,
            "this finding is already recorded",
        )

    def check_open(self, finding_id: str, base_id: str) -> Violation | None:
        finding = self.findings.get(finding_id)
        if finding is not None and finding["base_id"] == base_id and not finding["settled"]:
            return None
        return Violation(
            "R-REVOKE-RECTIFY",
            "finding_id",
            f"an open finding of {base_id}",
            finding_id,
            "no open finding of this base has this id",
        )

    class FindingRecorded(Decided):
        """Published as InspectionFindingRecorded."""

        base_id: str
        province: str
        finding: dict[str, Any]

        def apply(self, docket: RectificationDocket) -> None:
            docket.findings[self.finding["finding_id"]] = {
                "base_id": self.base_id,
                "province": self.province,
                "rectify_by": self.finding["rectify_by"],
                "rectified_on": None,
                "ref": None,
                "settled": False,
            }

    def record(
        self, base_id: str, province: str, finding: dict[str, Any], **provenance: Any
    ) -> None:
        self.trigger_event(
            self.FindingRecorded, base_id=base_id, province=province, finding=finding, **provenance
        )

    class FindingLogged(Aggregate.Event):
        """The finding is on the log at this sequence: its deadline is now watched."""

        finding_id: str
        ref: dict[str, Any]

        def apply(self, docket: RectificationDocket) -> None:
            docket.findings[self.finding_id]["ref"] = self.ref

    def log_finding(self, finding_id: str, ref: dict[str, Any]) -> None:
        self.trigger_event(self.FindingLogged, finding_id=finding_id, ref=ref)

    class Rectified(Decided):
        """Published as RectificationConfirmed; settles the finding if on time."""

        base_id: str
        province: str
        finding_id: str
        rectified_on: date
        evidence: list[dict[str, Any]]

        def apply(self, docket: RectificationDocket) -> None:
            finding = docket.findings[self.finding_id]
            finding["rectified_on"] = self.rectified_on
            finding["settled"] = self.rectified_on <= finding["rectify_by"]

    def confirm(
        self,
        base_id: str,
        finding_id: str,
        rectified_on: date,
        evidence: list[dict[str, Any]],
        **provenance: Any,
    ) -> None:
        province = self.findings[finding_id]["province"]
        self.trigger_event(
            self.Rectified,
            base_id=base_id,
            province=province,
            finding_id=finding_id,
            rectified_on=rectified_on,
            evidence=evidence,
            **provenance,
        )

    @event("Settled")
    def settle(self, finding_id: str) -> None:
        """No longer watched: its base lost its title."""
        self.findings[finding_id]["settled"] = True

    def overdue(self, on: date) -> list[tuple[str, dict[str, Any]]]:
        """Findings on the log whose deadline passed before ``on`` unrectified, oldest first."""
        due = [
            (finding_id, finding)
            for finding_id, finding in self.findings.items()
            if not finding["settled"]
            and finding["ref"] is not None
            and overdue(finding["rectify_by"], finding["rectified_on"], on)
        ]
        return sorted(due, key=lambda item: (item[1]["rectify_by"], item[0]))
