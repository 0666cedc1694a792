"""An application, from its arrival to its province's recommendation (R-PROCEDURE).

Its steps — received, (EIDB: reviewed by its city,) recommended or rejected — are taken once each
and in order; a step out of turn is refused with the rule and the status it is in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.rules import Violation, check_disqualifiable_for_fraud, refuse

APPLICATION_NAMESPACE = uuid5(NAMESPACE_URL, "https://demobase.miit/application")


def check_step(status: str, allowed: tuple[str, ...], step: str) -> Violation | None:
    """R-PROCEDURE: no step may be skipped or taken twice."""
    if status in allowed:
        return None
    return Violation(
        "R-PROCEDURE",
        "application_id",
        f"an application that is {' or '.join(allowed)}",
        status,
        f"cannot {step} an application that is {status}",
    )


class Application(Aggregate):
    """One application of one applicant to one batch, from its arrival on.

    An application that fails its arrival rules is still received and kept, with the reasons, so
    the province can read the refusal on the log and an auditor sees every attempt decided.
    """

    @staticmethod
    def create_id(application_id: str) -> UUID:
        return uuid5(APPLICATION_NAMESPACE, application_id)

    class Received(Aggregate.Created):
        """An application arrived; ``violations`` lists the rules it failed, if any."""

        application_id: str
        province: str
        details: dict[str, Any]
        violations: list[dict[str, str]]
        actor: str
        occurred_at: datetime
        correlation_id: UUID
        causation_id: UUID

    @event(Received)
    def __init__(
        self,
        application_id: str,
        province: str,
        details: dict[str, Any],
        violations: list[dict[str, str]],
        actor: str,
        occurred_at: datetime,
        correlation_id: UUID,
        causation_id: UUID,
    ) -> None:
        self.application_id = application_id
        self.province = province
        self.details = details
        self.violations = violations
        self.status = "rejected" if violations else "submitted"

    @property
    def accepted(self) -> bool:
        return not self.violations

    @property
    def city(self) -> str | None:
        return self.details.get("city")

    @property
    def category(self) -> str:
        return str(self.details["category"])

    @property
    def batch_id(self) -> str | None:
        return self.details.get("batch_id")

    def summary(self) -> dict[str, Any]:
        """What every later event repeats about the application, so it reads on its own."""
        keys = ("batch_id", "programme", "applicant", "name", "category", "domain", "city")
        return {
            "application_id": self.application_id,
            "province": self.province,
            **{key: self.details.get(key) for key in keys},
        }

    class CityReviewed(Aggregate.Event):
        summary: dict[str, Any]
        city: str
        rank: int
        summary_table: dict[str, Any] | None
        actor: str
        occurred_at: datetime
        correlation_id: UUID
        causation_id: UUID

    def review_by_city(
        self, city: str, rank: int, summary_table: dict[str, Any] | None, **provenance: Any
    ) -> None:
        """The city puts the application forward to its province (EIDB, 002/003 三)."""
        check = check_step(self.status, ("submitted",), "review by city")
        wrong_city = None
        if city != self.city:
            wrong_city = Violation(
                "R-PROCEDURE",
                "city",
                f"the application's own city ({self.city})",
                city,
                f"{city} cannot review an application from {self.city}",
            )
        refuse(check, wrong_city)
        self._city_reviewed(
            summary=self.summary(), city=city, rank=rank, summary_table=summary_table, **provenance
        )

    @event(CityReviewed)
    def _city_reviewed(
        self,
        summary: dict[str, Any],
        city: str,
        rank: int,
        summary_table: dict[str, Any] | None,
        actor: str,
        occurred_at: datetime,
        correlation_id: UUID,
        causation_id: UUID,
    ) -> None:
        self.status = "city_reviewed"

    class Recommended(Aggregate.Event):
        """The province recommended it to the ministry; the facts of 附件1 travel with it."""

        serial_no: int
        summary: dict[str, Any]
        recommendation: dict[str, Any]
        preliminary_score: str | None
        priority: list[str]
        actor: str
        occurred_at: datetime
        correlation_id: UUID
        causation_id: UUID

    def recommend(
        self,
        serial_no: int,
        city_review: bool,
        recommendation: dict[str, Any],
        preliminary_score: str | None,
        priority: list[str],
        **provenance: Any,
    ) -> None:
        """The province recommends it to the ministry (after its city, where cities review)."""
        ready = ("city_reviewed",) if city_review else ("submitted",)
        refuse(check_step(self.status, ready, "recommend"))
        self._recommended(
            serial_no=serial_no,
            summary=self.summary(),
            recommendation=recommendation,
            preliminary_score=preliminary_score,
            priority=priority,
            **provenance,
        )

    @event(Recommended)
    def _recommended(
        self,
        serial_no: int,
        summary: dict[str, Any],
        recommendation: dict[str, Any],
        preliminary_score: str | None,
        priority: list[str],
        actor: str,
        occurred_at: datetime,
        correlation_id: UUID,
        causation_id: UUID,
    ) -> None:
        self.status = "recommended"

    class Rejected(Aggregate.Event):
        stage: str
        reasons: list[dict[str, Any]]
        summary: dict[str, Any]
        actor: str
        occurred_at: datetime
        correlation_id: UUID
        causation_id: UUID

    def reject(self, stage: str, reasons: list[dict[str, Any]], **provenance: Any) -> None:
        """The city or the province turns it down, with its reasons."""
        allowed = ("submitted",) if stage == "city" else ("submitted", "city_reviewed")
        refuse(check_step(self.status, allowed, f"reject at the {stage}"))
        self._rejected(stage=stage, reasons=reasons, summary=self.summary(), **provenance)

    def disqualify(self, stage: str, finding: str, evidence: list[str], **provenance: Any) -> None:
        """R-FRAUD: fraud found during EIDB selection takes away the right to apply."""
        refuse(
            check_disqualifiable_for_fraud(self.details.get("programme")),
            check_step(
                self.status, ("submitted",) if stage == "city" else ("submitted", "city_reviewed"),
                f"disqualify at the {stage}",
            ),
        )  # fmt: skip
        reason = {
            "rule_id": "R-FRAUD", "field": "materials",
            "required": "truthful materials (002/003 三(一))", "given": finding,
            "message": f"fraud (弄虚作假) found by the {stage}; evidence: {'; '.join(evidence)}",
        }  # fmt: skip
        self._rejected(stage=stage, reasons=[reason], summary=self.summary(), **provenance)

    @event(Rejected)
    def _rejected(
        self,
        stage: str,
        reasons: list[dict[str, Any]],
        summary: dict[str, Any],
        actor: str,
        occurred_at: datetime,
        correlation_id: UUID,
        causation_id: UUID,
    ) -> None:
        self.status = "rejected"
