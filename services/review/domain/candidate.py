"""A candidate: an application before the ministry, from its filing to the experts' verdict."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.review.domain.panel import (
    Expert,
    check_distinct_experts,
    check_panel_size,
    conflicts_of_interest,
)
from services.review.domain.procedure import business_date, check_step
from services.review.domain.scoring import CENTS, Standing, mean, rounded
from services.review.domain.sheet import ScoringSheet
from services.review.domain.titles import Title, canonical_title
from shared.rules import Violation, check_disqualifiable_for_fraud, refuse

CANDIDATE_NAMESPACE = uuid5(NAMESPACE_URL, "https://demobase.miit/candidate")
DOSSIER = ("programme", "category", "name", "applicant", "domain", "zone", "city", "batch_id")


def dossier_of(details: dict[str, Any]) -> dict[str, Any]:
    """What review needs to know of an application: names, place, domain, 示范内容."""
    form = details.get("form") or {}
    given = form.get("demonstration_content") or form.get("示范内容")  # the NIID form's 示范内容
    showcase = given if isinstance(given, str) else None
    return {**{key: details.get(key) for key in DOSSIER}, "showcase": showcase or None}


class Candidate(Aggregate):
    """Filed when submitted, in review when its province recommends it, then scored."""

    @staticmethod
    def create_id(application_id: str) -> UUID:
        return uuid5(CANDIDATE_NAMESPACE, application_id)

    class Filed(Aggregate.Created):
        application_id: str
        province: str
        dossier: dict[str, Any]
        occurred_at: datetime

    @event(Filed)
    def __init__(
        self, application_id: str, province: str, dossier: dict[str, Any], occurred_at: datetime
    ) -> None:
        self.application_id, self.province, self.dossier = application_id, province, dossier
        self.status = "filed"
        self.batch_id: str | None = None
        self.priority: list[str] = []
        self.experts: list[dict[str, str]] = []
        self.sheet: dict[str, Decimal] = {}
        self.scores: dict[str, dict[str, Decimal]] = {}
        self.site_visited_on: date | None = None

    @event("Recommended")
    def enter_review(self, batch_id: str, priority: list[str], occurred_at: datetime) -> None:
        """Its province recommended it: it is the ministry's to review (R-PROCEDURE)."""
        self.status, self.batch_id, self.priority = "recommended", batch_id, priority

    @property
    def subject(self) -> str:
        return f"application {self.application_id}"

    def title(self, *, under_creation: bool = False) -> Title:
        return canonical_title(self.dossier, under_creation=under_creation)

    class PanelFormed(Aggregate.Event):
        experts: list[dict[str, str]]
        sheet: dict[str, Decimal]
        actor: str
        occurred_at: datetime
        correlation_id: UUID
        causation_id: UUID

    def form_panel(self, experts: Sequence[Expert], sheet: ScoringSheet, **provenance: Any) -> None:
        """R-PROCEDURE: a panel of enough distinct experts, none with a conflict of interest."""
        organisations = [self.dossier["applicant"], self.dossier["name"]]
        refuse(
            check_step(self.status, ("recommended",), "form a panel for", self.subject),
            check_panel_size(experts),
            check_distinct_experts(experts),
            *conflicts_of_interest(experts, self.province, organisations),
        )
        self._panel_formed([dict(e) for e in experts], dict(sheet.maxima), **provenance)

    @event(PanelFormed)
    def _panel_formed(
        self, experts: list[dict[str, str]], sheet: dict[str, Decimal], actor: str,
        occurred_at: datetime, correlation_id: UUID, causation_id: UUID,
    ) -> None:  # fmt: skip
        self.status, self.experts, self.sheet = "panel", experts, sheet

    @property
    def panel(self) -> list[str]:
        return [expert["expert_id"] for expert in self.experts]

    def check_on_panel(self, expert_id: str) -> Violation | None:
        if expert_id in self.panel:
            return None
        return Violation(
            "R-PROCEDURE", "expert_id", f"one of {', '.join(self.panel) or 'no panel yet'}",
            expert_id, f"{expert_id} is not on the panel of {self.subject}",
        )  # fmt: skip

    def check_not_scored(self, expert_id: str) -> Violation | None:
        if expert_id not in self.scores:
            return None
        return Violation(
            "R-PROCEDURE", "expert_id", "an expert who has not scored yet", expert_id,
            f"{expert_id} has scored {self.subject} already",
        )  # fmt: skip

    class Scored(Aggregate.Event):
        expert_id: str
        sections: dict[str, Decimal]
        actor: str
        occurred_at: datetime
        correlation_id: UUID
        causation_id: UUID

    def score(self, expert_id: str, sections: dict[str, Decimal], **provenance: Any) -> None:
        """One panel expert's scores, once, within the sheet's maxima."""
        refuse(check_step(self.status, ("panel",), "score", self.subject))
        refuse(self.check_on_panel(expert_id), self.check_not_scored(expert_id))
        refuse(*ScoringSheet("the panel's sheet", self.sheet).violations(sections))
        self._scored(expert_id, sections, **provenance)

    @event(Scored)
    def _scored(
        self, expert_id: str, sections: dict[str, Decimal], actor: str, occurred_at: datetime,
        correlation_id: UUID, causation_id: UUID,
    ) -> None:  # fmt: skip
        self.scores[expert_id] = sections

    class SiteVisited(Aggregate.Event):
        visited_on: date
        experts: list[str]
        findings: str | None
        actor: str
        occurred_at: datetime
        correlation_id: UUID
        causation_id: UUID

    def record_site_visit(
        self, visited_on: date, experts: list[str], findings: str | None, **provenance: Any
    ) -> None:
        """实地考察 (001 第十一条(三)): by the panel, on a day already past."""
        today = business_date(provenance["occurred_at"])
        future = None
        if visited_on > today:
            future = Violation(
                "R-PROCEDURE", "visited_on", f"on or before {today}", str(visited_on),
                "a site visit is recorded after it took place",
            )  # fmt: skip
        refuse(check_step(self.status, ("panel",), "record a site visit to", self.subject), future)
        refuse(*(self.check_on_panel(expert) for expert in experts))
        self._site_visited(visited_on, experts, findings, **provenance)

    @event(SiteVisited)
    def _site_visited(
        self, visited_on: date, experts: list[str], findings: str | None, actor: str,
        occurred_at: datetime, correlation_id: UUID, causation_id: UUID,
    ) -> None:  # fmt: skip
        self.site_visited_on = max(visited_on, self.site_visited_on or visited_on)

    def totals(self) -> dict[str, Decimal]:
        """Expert → the total points that expert gave."""
        return {expert: sum(s.values(), Decimal(0)) for expert, s in self.scores.items()}

    def check_fully_scored(self) -> Violation | None:
        """R-PROCEDURE: the list is decided on complete reviews only."""
        missing = [expert for expert in self.panel if expert not in self.scores]
        if self.status == "panel" and not missing:
            return None
        waiting = f"scores from {', '.join(missing)}" if self.status == "panel" else "a panel"
        return Violation(
            "R-PROCEDURE", "application_id", "every candidate scored by its whole panel",
            self.application_id, f"{self.subject} still waits for {waiting}",
        )  # fmt: skip

    class ReviewCompleted(Aggregate.Event):
        """The experts' verdict: published as ExpertReviewCompleted."""

        application_id: str
        province: str
        batch_id: str
        panel: list[str]
        sections: dict[str, Decimal]
        raw_mean: Decimal
        normalised: Decimal
        rank: int
        outcome: str
        priority: list[str]
        site_visited_on: date | None
        actor: str
        occurred_at: datetime
        correlation_id: UUID
        causation_id: UUID

    def complete_review(self, standing: Standing, proposed: bool, **provenance: Any) -> None:
        refuse(check_step(self.status, ("panel",), "complete the review of", self.subject))
        self._review_completed(
            application_id=self.application_id, province=self.province,
            batch_id=str(self.batch_id), panel=self.panel, sections=self.section_means(),
            raw_mean=standing.raw_mean, normalised=standing.normalised, rank=standing.rank,
            outcome="proposed" if proposed else "not_proposed", priority=self.priority,
            site_visited_on=self.site_visited_on, **provenance,
        )  # fmt: skip

    def section_means(self) -> dict[str, Decimal]:
        return {
            section: rounded(mean(s[section] for s in self.scores.values()), CENTS)
            for section in self.sheet
        }

    @event(ReviewCompleted)
    def _review_completed(
        self, application_id: str, province: str, batch_id: str, panel: list[str],
        sections: dict[str, Decimal], raw_mean: Decimal, normalised: Decimal, rank: int,
        outcome: str, priority: list[str], site_visited_on: date | None, actor: str,
        occurred_at: datetime, correlation_id: UUID, causation_id: UUID,
    ) -> None:  # fmt: skip
        self.status = outcome

    class Disqualified(Aggregate.Event):
        """R-FRAUD in selection: published as CandidateDisqualified."""

        application_id: str
        province: str
        batch_id: str
        stage: str
        finding: str
        evidence: list[dict[str, Any]]
        actor: str
        occurred_at: datetime
        correlation_id: UUID
        causation_id: UUID

    def disqualify(
        self, stage: str, finding: str, evidence: list[dict[str, Any]], **provenance: Any
    ) -> None:
        """R-FRAUD (002/003 三(一)): fraud found in an EIDB application takes it out of the
        selection, at any step before the award."""
        refuse(
            check_disqualifiable_for_fraud(self.dossier.get("programme")),
            check_step(self.status, IN_SELECTION, "disqualify", self.subject),
        )  # fmt: skip
        self._disqualified(
            application_id=self.application_id, province=self.province,
            batch_id=str(self.batch_id), stage=stage, finding=finding, evidence=evidence,
            **provenance,
        )  # fmt: skip

    @event(Disqualified)
    def _disqualified(
        self, application_id: str, province: str, batch_id: str, stage: str, finding: str,
        evidence: list[dict[str, Any]], actor: str, occurred_at: datetime,
        correlation_id: UUID, causation_id: UUID,
    ) -> None:  # fmt: skip
        self.status = "disqualified"

    @property
    def disqualified(self) -> bool:
        return self.status == "disqualified"


IN_SELECTION = ("recommended", "panel", "proposed", "not_proposed")
"""A recommended candidate's statuses until the award: when it can still be disqualified."""
