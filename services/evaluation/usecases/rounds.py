"""The yearly round: opening it (R-EVAL-YEARLY), the annual materials (R-EVAL-MATERIALS), rating
and publishing the results and the five-star list (R-STARS, R-FIVE-STAR-LIST), and the renames
approved since the last results (R-RENAME)."""

from __future__ import annotations

from typing import Any

from services.evaluation.domain import (
    Base,
    Candidate,
    EvaluationRound,
    Outcome,
    RenameRequest,
    Violation,
    announced_by,
    by_province,
    check_assessments,
    check_by_ministry,
    check_materials_window,
    check_own_base,
    exclusion_of,
    rate,
)
from services.evaluation.usecases.store import EvaluationStore
from shared.contract.commands import IntakeMessage
from shared.contract.commands_evaluation import (
    FileAnnualMaterials,
    OpenEvaluationRound,
    RateRound,
    ReviewAnnualMaterials,
)
from shared.contract.events_evaluation import AnnualFigures
from shared.intake import provenance
from shared.rules import RuleViolationError, refuse


def check_materials_deadline(body: OpenEvaluationRound) -> Violation | None:
    """R-EVAL-MATERIALS: a round names the day materials are due at the ministry."""
    if any(d.level == "ministry" for d in body.deadlines):
        return None
    return Violation(
        "R-EVAL-MATERIALS",
        "deadlines",
        "a deadline of level ministry",
        ", ".join(d.level for d in body.deadlines),
        "no deadline for the materials",
    )


def entry_of(base: Base) -> dict[str, Any]:
    return {"base_id": base.base_id, "title": base.title, "province": base.province}


class Rounds(EvaluationStore):
    """Rounds, annual materials, ratings and results."""

    def open_round(self, message: IntakeMessage, *, upstream: str, position: int) -> str:
        body = message.body
        assert isinstance(body, OpenEvaluationRound)
        roster = self.roster(body.programme)
        refuse(
            check_by_ministry(message.province, "open an evaluation round", "R-EVAL-YEARLY"),
            check_materials_deadline(body),
            roster.check_new_round(body.evaluation_year, body.round_id),
        )
        if self.find(EvaluationRound.create_id(body.round_id)) is not None:
            raise RuleViolationError(
                [
                    Violation(
                        "R-EVAL-YEARLY",
                        "round_id",
                        "a new round id",
                        body.round_id,
                        "this round is already open",
                    )
                ]
            )
        participants, exclusions = [], []
        for base in (self.base(base_id) for base_id in roster.base_ids):
            why = exclusion_of(
                base.announced_on, base.revocation, base.pending, body.evaluation_year
            )
            if why is None:
                participants.append(entry_of(base))
            else:
                exclusions.append({**entry_of(base), "reason": why[0], "detail": why[1]})
        details = {
            **body.model_dump(mode="json"),
            "announced_by": announced_by(body.evaluation_year).isoformat(),
        }
        round_ = EvaluationRound(
            round_id=body.round_id,
            details=details,
            participants=participants,
            exclusions=exclusions,
            **provenance(message),
        )
        roster.register_round(body.evaluation_year, body.round_id)
        self.record(round_, roster, upstream=upstream, position=position)
        return body.round_id

    def file_materials(self, message: IntakeMessage, *, upstream: str, position: int) -> str:
        body = message.body
        assert isinstance(body, FileAnnualMaterials)
        round_, base = self.evaluation_round(body.round_id), self.base(body.base_id)
        refuse(
            check_own_base(
                base.province, message.province, "file materials of", "R-EVAL-MATERIALS"
            ),
            round_.check_participant(base.base_id),
            base.check_titled("R-EVAL-YEARLY"),
            round_.check_open("file materials"),
            check_materials_window(round_.due("province"), message.received_at, "file materials"),
        )
        materials = self.materials(round_, base)
        materials.file(
            body.report_form.model_dump(mode="json"),
            body.development_report.model_dump(mode="json"),
            **provenance(message),
        )
        self.record(materials, upstream=upstream, position=position)
        return base.base_id

    def review_materials(self, message: IntakeMessage, *, upstream: str, position: int) -> str:
        body = message.body
        assert isinstance(body, ReviewAnnualMaterials)
        round_, base = self.evaluation_round(body.round_id), self.base(body.base_id)
        refuse(
            check_own_base(
                base.province, message.province, "review materials of", "R-EVAL-MATERIALS"
            ),
            round_.check_participant(base.base_id),
            round_.check_open(f"{body.outcome} materials"),
            check_materials_window(
                round_.due("ministry"), message.received_at, f"{body.outcome} materials"
            ),
        )
        materials = self.materials(round_, base)
        if body.outcome == "forward":
            materials.forward(**provenance(message))
        else:
            materials.return_(list(body.reasons), **provenance(message))
        self.record(materials, upstream=upstream, position=position)
        return base.base_id

    def rate_round(self, message: IntakeMessage, *, upstream: str, position: int) -> str:
        body = message.body
        assert isinstance(body, RateRound)
        refuse(check_by_ministry(message.province, "rate a round", "R-STARS"))
        round_ = self.evaluation_round(body.round_id)
        refuse(
            round_.check_open("rate it again"),
            check_materials_window(
                round_.due("ministry"), message.received_at, "rate the round", open_=False
            ),
        )
        bases = {base_id: self.base(base_id) for base_id in round_.participants}
        candidates = [self._candidate(round_, base) for base in bases.values()]
        refuse(*check_assessments(candidates, list(body.assessments), round_.non_filer_rule))
        outcome = rate(
            candidates,
            {a.base_id: a for a in body.assessments},
            round_.non_filer_rule,
            round_.weights,
            round_.mapping,
        )
        cause = provenance(message)
        renamed = self._publish_renames(round_, bases, cause)
        self._record_results(round_, bases, outcome, cause)
        self._publish(round_, bases, candidates, outcome, body, cause)
        self.record(*bases.values(), *renamed, round_, upstream=upstream, position=position)
        return round_.round_id

    def _candidate(self, round_: EvaluationRound, base: Base) -> Candidate:
        materials = self.materials(round_, base)
        figures = (
            AnnualFigures.model_validate(materials.form, strict=False)
            if materials.forwarded
            else None
        )
        return Candidate(base.base_id, base.province, base.title, base.holds_title, figures)

    def _publish_renames(
        self, round_: EvaluationRound, bases: dict[str, Base], cause: dict[str, Any]
    ) -> list[Any]:
        """R-RENAME: approved renames of the programme take effect with the year's results."""
        changed: list[Any] = []
        for base_id in self.roster(round_.programme).base_ids:
            rename = self.find(RenameRequest.create_id(base_id))
            if rename is None or not rename.approved:
                continue
            base = bases.get(base_id) or self.base(base_id)
            if not base.holds_title:
                continue
            base.rename_to(rename.request, round_.year, **cause)
            rename.mark_published(round_.year)
            changed += [rename] if base_id in bases else [rename, base]
        return changed

    def _record_results(
        self,
        round_: EvaluationRound,
        bases: dict[str, Base],
        outcome: Outcome,
        cause: dict[str, Any],
    ) -> None:
        due, rule = round_.due("ministry"), round_.non_filer_rule
        for base_id in outcome.missing:
            bases[base_id].record_missing(round_.round_id, round_.year, due, rule, **cause)
        for r in outcome.results:
            parts = [vars(part) for part in r.parts]
            bases[r.base_id].rate(
                round_.round_id, round_.year, r.stars, r.score, parts, r.rank, r.materials, **cause
            )

    def _publish(
        self,
        round_: EvaluationRound,
        bases: dict[str, Base],
        candidates: list[Candidate],
        outcome: Outcome,
        body: RateRound,
        cause: dict[str, Any],
    ) -> None:
        not_rated = [
            {
                "base_id": c.base_id,
                "title": c.title,
                "province": c.province,
                "reason": reason,
                "detail": detail,
            }
            for c, reason, detail in outcome.not_rated
        ]
        results = {
            "notice": body.notice.model_dump(mode="json"),
            "rated": len(outcome.results),
            "by_province": by_province(candidates, outcome),
            "not_rated": not_rated,
        }
        round_.publish(results, **cause)
        five = sorted((r for r in outcome.results if r.stars == 5), key=lambda r: r.rank or 0)
        round_.list_five_stars(
            [{"base_id": r.base_id, "title": bases[r.base_id].title} for r in five],
            body.five_star_notice.model_dump(mode="json"),
            **cause,
        )
