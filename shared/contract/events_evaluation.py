"""Facts the evaluation context decides: the life of a title after its award.

The evaluation service owns annual reports, star ratings, five-star lists, incidents, inspection
findings and their rectification, renaming, tiers, action plans, fraud and revocation (DESIGN.md).
An evaluation round is a batch of the evaluation (subject kind ``batch``; its id in ``batch_id``).
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from shared.contract.envelope import EventPayload, SubjectKind
from shared.contract.events_common import (
    AccidentGrade,
    Deadline,
    DocumentRef,
    EnvironmentalGrade,
    EventRef,
    FiveStarEntry,
    IncidentKind,
    Narrative,
    Programme,
    RevocationRule,
    Score,
    Stars,
    Text,
    Tier,
    Year,
)
from shared.contract.subjects import Context


class EvaluationRoundOpened(EventPayload):
    """The ministry opened the yearly quality evaluation (R-EVAL-YEARLY; 001 第十七, 十八条).

    Every titled base announced on or before ``announced_by`` takes part (a full year since its
    announcement); revoked bases never do.
    """

    context: ClassVar[Context] = "evaluation"
    subject_kind: ClassVar[SubjectKind] = "batch"

    batch_id: Text = Field(description="the round's id")
    programme: Programme
    evaluation_year: Year
    announced_by: date
    notice: DocumentRef
    deadlines: tuple[Deadline, ...] = ()


class AnnualReportSubmitted(EventPayload):
    """A province forwarded a base's annual materials after review (R-EVAL-MATERIALS; 001 第十九条).

    The annual report form (年度报表) as JSON and the annual development report (年度发展报告).
    """

    context: ClassVar[Context] = "evaluation"
    subject_kind: ClassVar[SubjectKind] = "base"

    base_id: Text
    batch_id: Text = Field(description="the evaluation round")
    evaluation_year: Year
    report_form: dict[str, Any] = Field(default_factory=dict, description="年度报表")
    development_report: DocumentRef = Field(description="年度发展报告")


class StarRated(EventPayload):
    """A base received its stars for a year (R-STARS; 001 第二十, 二十一条).

    Two consecutive years at two stars or fewer lead to R-REVOKE-2STARS.
    """

    context: ClassVar[Context] = "evaluation"
    subject_kind: ClassVar[SubjectKind] = "base"

    base_id: Text
    batch_id: Text = Field(description="the evaluation round")
    evaluation_year: Year
    stars: Stars
    score: Score | None = None


class FiveStarListPublished(EventPayload):
    """The ministry published a year's five-star bases (R-FIVE-STAR-LIST; 001 第二十四条)."""

    context: ClassVar[Context] = "evaluation"
    subject_kind: ClassVar[SubjectKind] = "batch"

    batch_id: Text = Field(description="the evaluation round")
    programme: Programme
    evaluation_year: Year
    bases: tuple[FiveStarEntry, ...]
    notice: DocumentRef


class IncidentReported(EventPayload):
    """An environmental incident, safety accident or other serious event at a base.

    Feeds R-REVOKE-INCIDENT (001 第二十三条(一): Ⅱ级 or worse environmental, 重大 or worse
    accident) and R-SAFETY-RECORD. ``grade`` is an EnvironmentalGrade for environmental
    incidents, an AccidentGrade for accidents, and absent for other serious events.
    """

    context: ClassVar[Context] = "evaluation"
    subject_kind: ClassVar[SubjectKind] = "base"

    base_id: Text
    incident_id: Text
    kind: IncidentKind
    grade: EnvironmentalGrade | AccidentGrade | None = None
    happened_on: date
    description: Narrative
    evidence: tuple[DocumentRef, ...] = ()

    @model_validator(mode="after")
    def _grade_fits_kind(self) -> IncidentReported:
        allowed: dict[str, tuple[str | None, ...]] = {
            "environmental": ("Ⅰ级", "Ⅱ级", "Ⅲ级", "Ⅳ级"),
            "production_safety": ("特别重大", "重大", "较大", "一般"),
            "other_serious": (None,),
        }
        if self.grade not in allowed[self.kind]:
            raise ValueError(f"grade {self.grade!r} does not fit a {self.kind} incident")
        return self


class InspectionFindingRecorded(EventPayload):
    """A national inspection found an ecological or safety problem, to rectify by a deadline.

    Feeds R-REVOKE-RECTIFY (001 第二十三条(二)).
    """

    context: ClassVar[Context] = "evaluation"
    subject_kind: ClassVar[SubjectKind] = "base"

    base_id: Text
    finding_id: Text
    inspection: Text = Field(description="the national special inspection (专项督察)")
    area: Literal["生态环保", "安全生产"]
    description: Narrative
    rectify_by: date
    evidence: tuple[DocumentRef, ...] = ()


class RectificationConfirmed(EventPayload):
    """A finding was rectified, confirmed with evidence (R-REVOKE-RECTIFY)."""

    context: ClassVar[Context] = "evaluation"
    subject_kind: ClassVar[SubjectKind] = "base"

    base_id: Text
    finding_id: Text
    rectified_on: date
    evidence: tuple[DocumentRef, ...] = Field(min_length=1)


class TitleRenamed(EventPayload):
    """MIIT approved a province's request to rename a base (R-RENAME; 001 第二十二条).

    Only for a change of administrative division or zone name or extent, with the leading
    industry and 四至 unchanged; published with ``published_with_year``'s results.
    """

    context: ClassVar[Context] = "evaluation"
    subject_kind: ClassVar[SubjectKind] = "base"

    base_id: Text
    old_title: Text
    new_title: Text
    cause: Literal["行政区划调整", "开发区名称变更", "开发区范围变更"]
    published_with_year: Year
    request: DocumentRef = Field(description="the province's request")
    approval: DocumentRef = Field(description="the ministry's approval")

    @model_validator(mode="after")
    def _really_renamed(self) -> TitleRenamed:
        if self.old_title == self.new_title:
            raise ValueError("new_title equals old_title")
        return self


class TitleRevoked(EventPayload):
    """A base lost its title (001 第二十三条, 第二十五条).

    ``rule_id`` names the ground; ``causing_events`` point at the incidents, findings, ratings or
    fraud finding on the log that an auditor replays to check the decision.
    """

    context: ClassVar[Context] = "evaluation"
    subject_kind: ClassVar[SubjectKind] = "base"

    base_id: Text
    rule_id: RevocationRule
    reason: Narrative
    causing_events: tuple[EventRef, ...] = Field(min_length=1)


class FraudDetected(EventPayload):
    """Fraud (弄虚作假) was found in a titled base's materials (R-FRAUD; 001 第二十五条).

    Leads to TitleRevoked and ProvinceSuspended. Fraud found during EIDB selection is an
    ApplicationRejected naming R-FRAUD instead.
    """

    context: ClassVar[Context] = "evaluation"
    subject_kind: ClassVar[SubjectKind] = "base"

    base_id: Text
    programme: Programme
    description: Narrative
    evidence: tuple[DocumentRef, ...] = Field(min_length=1)


class TierChanged(EventPayload):
    """A base moved between tiers (R-TIERS; 004 三), e.g. into the excellence plan."""

    context: ClassVar[Context] = "evaluation"
    subject_kind: ClassVar[SubjectKind] = "base"

    base_id: Text
    from_tier: Tier | None = None
    to_tier: Tier
    reason: Narrative
    decision: DocumentRef | None = None

    @model_validator(mode="after")
    def _really_changed(self) -> TierChanged:
        if self.from_tier == self.to_tier:
            raise ValueError("to_tier equals from_tier")
        return self


class ActionPlanFiled(EventPayload):
    """A base filed its rolling three-year development action plan (R-ACTION-PLAN; 001 第十二条)."""

    context: ClassVar[Context] = "evaluation"
    subject_kind: ClassVar[SubjectKind] = "base"

    base_id: Text
    first_year: Year
    last_year: Year
    plan: DocumentRef

    @model_validator(mode="after")
    def _three_years(self) -> ActionPlanFiled:
        if self.last_year != self.first_year + 2:
            raise ValueError("a three-year plan runs from first_year to first_year + 2")
        return self
