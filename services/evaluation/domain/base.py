"""A titled base as evaluation knows it: its title, tier, plan, results and whether it still holds
its title (RULES.md, "Life of a title"). Each method checks its rules before anything changes.

A revocation is decided in two steps when its cause is a command of this service: the command that
reports a grave incident or fraud marks the revocation as decided (``pending``), so that no second
one is accepted; the title is revoked when the causing event is on the log, so that TitleRevoked
names it by id and stream sequence.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.evaluation.domain.procedure import Decided, business_date
from services.evaluation.domain.record import check_plan_rolls, check_tier_move
from services.evaluation.domain.revocation import check_not_revoked, two_low_years
from shared.rules import Violation, refuse

BASE_NAMESPACE = uuid5(NAMESPACE_URL, "https://demobase.miit/evaluation/base")


class Fact(Decided):
    """A decided fact about one base; it names the base so that it reads on its own."""

    base_id: str
    province: str
    programme: str


class Base(Aggregate):
    """A titled base, from its award on."""

    @staticmethod
    def create_id(base_id: str) -> UUID:
        return uuid5(BASE_NAMESPACE, base_id)

    class Enrolled(Aggregate.Created):
        """Taken into the yearly cycle on its award, in the national tier (R-TIERS)."""

        base_id: str
        province: str
        programme: str
        name: str
        title: str
        announced_on: date
        tier: str
        actor: str
        occurred_at: datetime
        correlation_id: UUID
        causation_id: UUID | None

    @event(Enrolled)
    def __init__(
        self,
        base_id: str,
        province: str,
        programme: str,
        name: str,
        title: str,
        announced_on: date,
        tier: str,
        actor: str,
        occurred_at: datetime,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.base_id, self.province, self.programme = base_id, province, programme
        self.name, self.title, self.announced_on, self.tier = name, title, announced_on, tier
        self.plan: dict[str, Any] | None = None
        self.former_titles: list[str] = []
        self.incidents: list[str] = []
        self.logged: dict[int, dict[str, Any]] = {}
        self.pending: dict[str, Any] | None = None
        self.revocation: dict[str, Any] | None = None

    def _decide(self, event_class: type[Fact], **fields: Any) -> None:
        about = {"base_id": self.base_id, "province": self.province, "programme": self.programme}
        self.trigger_event(event_class, **about, **fields)

    @property
    def holds_title(self) -> bool:
        """Titled, with no revocation decided."""
        return self.revocation is None and self.pending is None

    def check_titled(self, rule_id: str) -> Violation | None:
        return check_not_revoked(self.revocation, self.pending, rule_id, self.base_id)

    # R-TIERS, R-ACTION-PLAN

    class TierChanged(Fact):
        from_tier: str | None
        to_tier: str
        reason: str
        decision: dict[str, Any] | None

        def apply(self, base: Base) -> None:
            base.tier = self.to_tier

    def change_tier(
        self, to_tier: str, reason: str, decision: dict[str, Any] | None, **provenance: Any
    ) -> None:
        refuse(self.check_titled("R-TIERS"), check_tier_move(self.tier, to_tier))
        self._decide(
            self.TierChanged,
            from_tier=self.tier,
            to_tier=to_tier,
            reason=reason,
            decision=decision,
            **provenance,
        )

    class PlanFiled(Fact):
        first_year: int
        last_year: int
        plan: dict[str, Any]

        def apply(self, base: Base) -> None:
            base.plan = {
                "first_year": self.first_year,
                "last_year": self.last_year,
                "plan": self.plan,
            }

    def file_plan(self, first_year: int, plan: dict[str, Any], **provenance: Any) -> None:
        refuse(
            self.check_titled("R-ACTION-PLAN"),
            check_plan_rolls(self.plan, first_year, self.announced_on.year),
        )
        self._decide(
            self.PlanFiled, first_year=first_year, last_year=first_year + 2, plan=plan, **provenance
        )

    # R-RENAME: an approved rename takes effect with the year's results

    class Renamed(Fact):
        old_title: str
        new_title: str
        cause: str
        year: int
        request: dict[str, Any]
        approval: dict[str, Any]

        def apply(self, base: Base) -> None:
            base.former_titles.append(self.old_title)
            base.title = self.new_title

    def rename_to(self, request: dict[str, Any], year: int, **provenance: Any) -> None:
        """R-RENAME: an approved ``request`` (new_title, cause, request, approval) takes effect."""
        refuse(self.check_titled("R-RENAME"))
        self._decide(self.Renamed, old_title=self.title, year=year, **request, **provenance)

    # Facts that may revoke: incidents (R-REVOKE-INCIDENT) and fraud (R-FRAUD)

    class IncidentReported(Fact):
        incident: dict[str, Any]
        revokes: bool

        def apply(self, base: Base) -> None:
            base.incidents.append(self.incident["incident_id"])
            if self.revokes:
                cause = f"incident {self.incident['incident_id']}"
                base.pending = {"rule_id": "R-REVOKE-INCIDENT", "cause": cause}

    def report_incident(self, incident: dict[str, Any], revokes: bool, **provenance: Any) -> None:
        duplicate = None
        if incident["incident_id"] in self.incidents:
            duplicate = Violation(
                "R-REVOKE-INCIDENT",
                "incident_id",
                "a new incident id",
                incident["incident_id"],
                "this incident is already reported",
            )
        refuse(duplicate, self.check_titled("R-REVOKE-INCIDENT") if revokes else None)
        self._decide(self.IncidentReported, incident=incident, revokes=revokes, **provenance)

    class FraudDetected(Fact):
        description: str
        evidence: list[dict[str, Any]]

        def apply(self, base: Base) -> None:
            base.pending = {"rule_id": "R-FRAUD", "cause": "fraud detected"}

    def detect_fraud(
        self, description: str, evidence: list[dict[str, Any]], **provenance: Any
    ) -> None:
        refuse(self.check_titled("R-FRAUD"))
        self._decide(self.FraudDetected, description=description, evidence=evidence, **provenance)

    # R-STARS, R-EVAL-MATERIALS: the year's result

    class MaterialsMissing(Fact):
        round_id: str
        year: int
        due: date
        rule: str

    def record_missing(
        self, round_id: str, year: int, due: date, rule: str, **provenance: Any
    ) -> None:
        self._decide(
            self.MaterialsMissing, round_id=round_id, year=year, due=due, rule=rule, **provenance
        )

    class Rated(Fact):
        round_id: str
        year: int
        stars: int
        score: Decimal | None
        parts: list[dict[str, Any]]
        rank: int | None
        materials: str

    def rate(
        self,
        round_id: str,
        year: int,
        stars: int,
        score: Decimal | None,
        parts: list[dict[str, Any]],
        rank: int | None,
        materials: str,
        **provenance: Any,
    ) -> None:
        refuse(self.check_titled("R-EVAL-YEARLY"))
        self._decide(
            self.Rated,
            round_id=round_id,
            year=year,
            stars=stars,
            score=score,
            parts=parts,
            rank=rank,
            materials=materials,
            **provenance,
        )

    class RatingLogged(Aggregate.Event):
        """A StarRated of this base is on the log, at this sequence (for R-REVOKE-2STARS)."""

        year: int
        stars: int
        ref: dict[str, Any]

        def apply(self, base: Base) -> None:
            base.logged[self.year] = {"stars": self.stars, "ref": self.ref}

    def log_rating(self, year: int, stars: int, ref: dict[str, Any]) -> list[dict[str, Any]]:
        """Note a result on the log; return both results' refs if it is the second low year."""
        previous = self.logged.get(year - 1)
        self.trigger_event(self.RatingLogged, year=year, stars=stars, ref=ref)
        if previous is not None and two_low_years(previous["stars"], stars):
            return [previous["ref"], ref]
        return []

    # Revocation

    class Revoked(Fact):
        rule_id: str
        reason: str
        causing_events: list[dict[str, Any]]

        def apply(self, base: Base) -> None:
            base.pending = None
            base.revocation = {
                "rule_id": self.rule_id,
                "causing_events": self.causing_events,
                "on": business_date(self.occurred_at).isoformat(),
            }

    def revoke(
        self, rule_id: str, reason: str, causing_events: list[dict[str, Any]], **provenance: Any
    ) -> None:
        refuse(check_not_revoked(self.revocation, None, rule_id, self.base_id))
        self._decide(
            self.Revoked,
            rule_id=rule_id,
            reason=reason,
            causing_events=causing_events,
            **provenance,
        )
