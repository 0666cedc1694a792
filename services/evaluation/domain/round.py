"""An evaluation round: one programme's yearly quality evaluation (R-EVAL-YEARLY, R-STARS).

Opened by the ministry with its deadlines, its rule for non-filers, its star mapping and its
weights (all data of the round), and the list of who takes part and why each other base does not.
Rated once: the results are published and the five-star list with them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.evaluation.domain.procedure import Decided, business_date
from shared.contract.events_evaluation import ScoringWeights, StarCutOffs, StarQuotas
from shared.rules import Violation, refuse

ROUND_NAMESPACE = uuid5(NAMESPACE_URL, "https://demobase.miit/evaluation-round")


def check_materials_window(
    due: date, on: datetime, step: str, open_: bool = True
) -> Violation | None:
    """R-EVAL-MATERIALS: materials are filed and forwarded by the deadline (``open_``), and the
    round is rated only after it (``open_`` False)."""
    day = business_date(on)
    if open_ and day > due:
        return Violation(
            "R-EVAL-MATERIALS",
            "received_at",
            f"on or before {due}",
            day.isoformat(),
            f"late: materials were due by {due}; cannot {step}",
        )
    if not open_ and day <= due:
        return Violation(
            "R-EVAL-MATERIALS",
            "received_at",
            f"after {due}",
            day.isoformat(),
            f"materials are due until {due}; cannot {step} before then",
        )
    return None


class EvaluationRound(Aggregate):
    """One programme's evaluation of one year."""

    @staticmethod
    def create_id(round_id: str) -> UUID:
        return uuid5(ROUND_NAMESPACE, round_id)

    class Opened(Aggregate.Created):
        round_id: str
        details: dict[str, Any]
        participants: list[dict[str, Any]]
        exclusions: list[dict[str, Any]]
        actor: str
        occurred_at: datetime
        correlation_id: UUID
        causation_id: UUID | None

    @event(Opened)
    def __init__(
        self,
        round_id: str,
        details: dict[str, Any],
        participants: list[dict[str, Any]],
        exclusions: list[dict[str, Any]],
        actor: str,
        occurred_at: datetime,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.round_id, self.details = round_id, details
        self.programme: str = details["programme"]
        self.year: int = details["evaluation_year"]
        self.participants = {p["base_id"]: p for p in participants}
        self.rated = False

    @property
    def non_filer_rule(self) -> str:
        return str(self.details["non_filer_rule"])

    @property
    def weights(self) -> ScoringWeights:
        return ScoringWeights.model_validate(self.details["weights"], strict=False)

    @property
    def mapping(self) -> StarCutOffs | StarQuotas:
        data = self.details["star_mapping"]
        klass = StarCutOffs if data["method"] == "cut_offs" else StarQuotas
        return klass.model_validate(data, strict=False)

    def due(self, level: str) -> date:
        """The deadline to ``level`` (province: the ministry's when the round set none)."""
        deadlines = {d["level"]: d["due"] for d in self.details["deadlines"]}
        return date.fromisoformat(deadlines.get(level) or deadlines["ministry"])

    def check_open(self, step: str) -> Violation | None:
        if not self.rated:
            return None
        return Violation(
            "R-EVAL-MATERIALS",
            "round_id",
            "a round not yet rated",
            self.round_id,
            f"round {self.round_id} is rated; cannot {step}",
        )

    def check_participant(self, base_id: str) -> Violation | None:
        """R-EVAL-YEARLY: only the round's participants file materials and are rated."""
        if base_id in self.participants:
            return None
        return Violation(
            "R-EVAL-YEARLY",
            "base_id",
            f"a participant of {self.round_id}",
            base_id,
            f"base {base_id} does not take part in {self.round_id}",
        )

    def about(self) -> dict[str, Any]:
        """What the round's published facts repeat, so that each reads on its own."""
        return {"round_id": self.round_id, "programme": self.programme, "year": self.year}

    class Published(Decided):
        """The results went out (R-STARS); published as EvaluationResultsPublished."""

        about: dict[str, Any]
        results: dict[str, Any]

        def apply(self, round_: EvaluationRound) -> None:
            round_.rated = True

    def publish(self, results: dict[str, Any], **provenance: Any) -> None:
        refuse(self.check_open("rate it again"))
        self.trigger_event(self.Published, about=self.about(), results=results, **provenance)

    class FiveStarListed(Decided):
        """R-FIVE-STAR-LIST: published as FiveStarListPublished."""

        about: dict[str, Any]
        bases: list[dict[str, Any]]
        notice: dict[str, Any]

    def list_five_stars(
        self, bases: list[dict[str, Any]], notice: dict[str, Any], **provenance: Any
    ) -> None:
        self.trigger_event(
            self.FiveStarListed, about=self.about(), bases=bases, notice=notice, **provenance
        )
