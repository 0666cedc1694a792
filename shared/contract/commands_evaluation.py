"""Intake commands of the evaluation context: the life of a title after its award.

The ministry (subject token ``000000``) opens and rates rounds, records inspection findings and
fraud, decides renames and tiers, and checks rectification deadlines. A province acts for its own
bases: it files and reviews their annual materials, reports incidents, confirms rectifications,
applies for renames and files action plans. Every command's ``issued_at`` is its effective
(business) time: materials are on time or late by it, results are published on it.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_validator

from shared.contract.authority import MINISTRY_ONLY, Authority
from shared.contract.commands import CommandBody
from shared.contract.events_common import (
    FEW_MAX,
    MANY_MAX,
    AccidentGrade,
    Deadline,
    DocumentRef,
    EnvironmentalGrade,
    ExactBool,
    Id,
    IncidentKind,
    Name,
    Narrative,
    PlatformDate,
    Programme,
    Tier,
    Title,
    ValueObject,
    Year,
)
from shared.contract.events_evaluation import (
    AnnualFigures,
    Mark,
    NonFilerRule,
    ReportSection,
    ScoringWeights,
    StarMapping,
)
from shared.contract.subjects import Context

RoundId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
"""A round's id, e.g. ``NIID-EVAL-2025``."""


class OpenEvaluationRound(CommandBody):
    """The ministry opens the year's quality evaluation of a programme (R-EVAL-YEARLY).

    ``deadlines`` must hold the materials' deadline to the ministry (level ``ministry``) and may
    hold the bases' deadline to their province (level ``province``). The non-filer rule, the star
    mapping and the weights are the round's own data (R-EVAL-MATERIALS, R-STARS).
    """

    context: ClassVar[Context] = "evaluation"
    authority: ClassVar[Authority] = MINISTRY_ONLY

    round_id: RoundId
    programme: Programme
    evaluation_year: Year
    notice: DocumentRef
    deadlines: tuple[Deadline, ...] = Field(min_length=1, max_length=FEW_MAX)
    non_filer_rule: NonFilerRule
    star_mapping: StarMapping
    weights: ScoringWeights


class DevelopmentReport(ValueObject):
    """年度发展报告: its sections written in (2,000 characters each at most), or a document."""

    sections: tuple[ReportSection, ...] = Field(default=(), max_length=FEW_MAX)
    document: DocumentRef | None = None

    @model_validator(mode="after")
    def _one_form(self) -> DevelopmentReport:
        if bool(self.sections) == (self.document is not None):
            raise ValueError("give the report's sections or a document, not both and not neither")
        return self


class FileAnnualMaterials(CommandBody):
    """A base's annual report form and development report, filed with its province
    (R-EVAL-MATERIALS; 001 第十九条, 第二十条(一))."""

    context: ClassVar[Context] = "evaluation"
    authority: ClassVar[Authority] = Authority(roles=("province",), owned_by="base_id")

    round_id: RoundId
    base_id: Id
    report_form: AnnualFigures
    development_report: DevelopmentReport


class ReviewAnnualMaterials(CommandBody):
    """The province forwards a base's materials to the ministry, or returns them with reasons
    (R-EVAL-MATERIALS; 001 第二十条(二))."""

    context: ClassVar[Context] = "evaluation"
    authority: ClassVar[Authority] = Authority(roles=("province",), owned_by="base_id")

    round_id: RoundId
    base_id: Id
    outcome: Literal["forward", "return"]
    reasons: tuple[Narrative, ...] = Field(default=(), max_length=FEW_MAX)

    @model_validator(mode="after")
    def _reasons_to_return(self) -> ReviewAnnualMaterials:
        if (self.outcome == "return") != bool(self.reasons):
            raise ValueError("materials are returned with reasons, and forwarded without")
        return self


class Assessment(ValueObject):
    """The ministry's marks for one base (001 第二十条(三)): the experts' qualitative mark and the
    special evaluations of innovation, green and digital development, each out of 100.
    ``statistics``, where given, are the statistical agencies' figures, which prevail over the
    base's own (001 第十条)."""

    base_id: Id
    qualitative: Mark
    innovation: Mark
    green: Mark
    digital: Mark
    statistics: AnnualFigures | None = None


class RateRound(CommandBody):
    """The ministry rates every base of a round and publishes the results (R-STARS,
    R-FIVE-STAR-LIST); ``notice`` is the results' notice, ``five_star_notice`` the list's."""

    context: ClassVar[Context] = "evaluation"
    authority: ClassVar[Authority] = MINISTRY_ONLY

    round_id: RoundId
    notice: DocumentRef
    five_star_notice: DocumentRef
    assessments: tuple[Assessment, ...] = Field(default=(), max_length=MANY_MAX)


class ReportIncident(CommandBody):
    """An environmental incident or production-safety accident at a base (R-REVOKE-INCIDENT)."""

    context: ClassVar[Context] = "evaluation"
    authority: ClassVar[Authority] = Authority(roles=("province", "ministry"), owned_by="base_id")

    base_id: Id
    incident_id: Id
    kind: IncidentKind
    grade: EnvironmentalGrade | AccidentGrade | None = None
    happened_on: PlatformDate
    description: Narrative
    evidence: tuple[DocumentRef, ...] = Field(default=(), max_length=FEW_MAX)


class RecordInspectionFinding(CommandBody):
    """A national inspection's ecological or safety finding, to rectify by a deadline
    (R-REVOKE-RECTIFY)."""

    context: ClassVar[Context] = "evaluation"
    authority: ClassVar[Authority] = MINISTRY_ONLY

    base_id: Id
    finding_id: Id
    inspection: Name
    area: Literal["生态环保", "安全生产"]
    description: Narrative
    rectify_by: PlatformDate
    evidence: tuple[DocumentRef, ...] = Field(default=(), max_length=FEW_MAX)


class ConfirmRectification(CommandBody):
    """A finding was rectified on a day, with evidence (R-REVOKE-RECTIFY)."""

    context: ClassVar[Context] = "evaluation"
    authority: ClassVar[Authority] = Authority(roles=("province",), owned_by="base_id")

    base_id: Id
    finding_id: Id
    rectified_on: PlatformDate
    evidence: tuple[DocumentRef, ...] = Field(min_length=1, max_length=FEW_MAX)


class CheckRectificationDeadlines(CommandBody):
    """Revoke every base with a finding not rectified by its deadline, as of ``effective_on``
    (default: the command's date) (R-REVOKE-RECTIFY)."""

    context: ClassVar[Context] = "evaluation"
    authority: ClassVar[Authority] = MINISTRY_ONLY

    effective_on: PlatformDate | None = None


class ReportFraud(CommandBody):
    """Fraud (弄虚作假) found in a titled base's materials (R-FRAUD)."""

    context: ClassVar[Context] = "evaluation"
    authority: ClassVar[Authority] = MINISTRY_ONLY

    base_id: Id
    description: Narrative
    evidence: tuple[DocumentRef, ...] = Field(min_length=1, max_length=FEW_MAX)


class RequestRename(CommandBody):
    """A province applies to rename a base (R-RENAME; 001 第二十二条)."""

    context: ClassVar[Context] = "evaluation"
    authority: ClassVar[Authority] = Authority(roles=("province",), owned_by="base_id")

    base_id: Id
    new_title: Title
    cause: Literal["行政区划调整", "开发区名称变更", "开发区范围变更"]
    leading_industry_changed: ExactBool
    boundaries_changed: ExactBool = Field(description="四至范围 changed")
    request: DocumentRef


class DecideRename(CommandBody):
    """The ministry approves or refuses a pending rename (R-RENAME)."""

    context: ClassVar[Context] = "evaluation"
    authority: ClassVar[Authority] = MINISTRY_ONLY

    base_id: Id
    approved: ExactBool
    decision: DocumentRef
    reason: Narrative | None = None


class ChangeTier(CommandBody):
    """The ministry moves a base between tiers (R-TIERS; 004 三), e.g. into the excellence plan."""

    context: ClassVar[Context] = "evaluation"
    authority: ClassVar[Authority] = MINISTRY_ONLY

    base_id: Id
    to_tier: Tier
    reason: Narrative
    decision: DocumentRef | None = None


class FileActionPlan(CommandBody):
    """A base's rolling three-year development action plan, from ``first_year`` (R-ACTION-PLAN)."""

    context: ClassVar[Context] = "evaluation"
    authority: ClassVar[Authority] = Authority(roles=("province",), owned_by="base_id")

    base_id: Id
    first_year: Year
    plan: DocumentRef
