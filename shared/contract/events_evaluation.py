"""Facts the evaluation context decides: the life of a title after its award.

The evaluation service owns annual reports, star ratings, five-star lists, incidents, inspection
findings and their rectification, renaming, tiers, action plans, fraud and revocation (DESIGN.md).
An evaluation round is a batch of the evaluation (subject kind ``batch``; its id in ``batch_id``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, model_validator

from shared.contract.envelope import EventPayload, SubjectKind
from shared.contract.events_common import (
    FEW_MAX,
    MANY_MAX,
    AccidentGrade,
    ConsultedMinistry,
    Count,
    Deadline,
    DocumentRef,
    EnvironmentalGrade,
    EventRef,
    FiveStarEntry,
    Id,
    IncidentKind,
    Key,
    Name,
    Narrative,
    Ordinal,
    PlatformDate,
    Programme,
    Province,
    RevocationRule,
    Score,
    Stars,
    Tier,
    Title,
    ValueObject,
    Year,
)
from shared.contract.subjects import Context

NonFilerRule = Literal["one_star", "figures_alone", "exclude"]
"""What a round does with a base whose materials did not reach the ministry by its deadline
(R-EVAL-MATERIALS): ``one_star`` rates it one star; ``figures_alone`` scores it on the figures the
ministry holds for it from statistical agencies (001 第十条), with no qualitative or special part,
and one star without them; ``exclude`` leaves it unrated that year."""

ExclusionReason = Literal["revoked", "not_a_full_year", "materials_missing"]
"""Why a base of the programme is not rated in a round (R-EVAL-YEARLY, R-EVAL-MATERIALS)."""

Indicator = Literal[
    "sales_revenue",
    "value_added_growth",
    "leading_industry_share",
    "output_per_land",
    "rd_intensity",
    "invention_patents",
    "digital_tools_share",
    "energy_intensity",
]
"""The quantitative indicators of the annual report form (001 附件); see :class:`AnnualFigures`."""

ScorePartName = Literal["quantitative", "qualitative", "innovation", "green", "digital"]
"""The parts of a round's score (001 第二十条(三)): figures, experts' marks, special evaluations."""

Share = Annotated[Decimal, Field(ge=0, le=1, max_digits=5, decimal_places=4, allow_inf_nan=False)]
"""A share of a whole, 0 to 1: a weight of a part, a quota of a star."""

Mark = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2, allow_inf_nan=False)]
"""A mark out of 100: an expert's or a special evaluation's, or a normalised figure."""

Figure = Annotated[
    Decimal, Field(ge=-1000, le=10**9, max_digits=14, decimal_places=4, allow_inf_nan=False)
]
"""A figure of the annual report form, exact (a decimal, serialised as a string)."""

IndicatorWeight = Annotated[
    Decimal, Field(gt=0, le=100, max_digits=5, decimal_places=2, allow_inf_nan=False)
]
"""The relative weight of one quantitative indicator within the quantitative part."""


class AnnualFigures(ValueObject):
    """年度报表: a base's quantitative indicators for the year (001 第十九条, 附件).

    Units: 亿元, %, 万元/公顷, 件/亿元, 吨标准煤/万元. ``energy_intensity`` (energy per unit of
    industrial value added) is better when lower; every other indicator when higher.
    """

    sales_revenue: Figure = Field(description="产业集聚区销售收入, 亿元")
    value_added_growth: Figure = Field(description="工业增加值增速, %")
    leading_industry_share: Figure = Field(description="主导产业销售收入占比, %")
    output_per_land: Figure = Field(description="单位土地产出, 万元/公顷")
    rd_intensity: Figure = Field(description="规上企业研发经费投入强度, %")
    invention_patents: Figure = Field(description="每亿元营收高价值发明专利, 件/亿元")
    digital_tools_share: Figure = Field(description="数字化研发设计工具普及率, %")
    energy_intensity: Figure = Field(description="单位工业增加值能耗, 吨标准煤/万元")


class ReportSection(ValueObject):
    """One section of the annual development report (年度发展报告), at most 2,000 characters."""

    heading: Annotated[str, Field(min_length=1, max_length=100)]
    text: Narrative


class Participant(ValueObject):
    """A base taking part in a round."""

    base_id: Id
    title: Title
    province: Province


class Exclusion(ValueObject):
    """A base of the programme not rated in a round, and why."""

    base_id: Id
    title: Title
    province: Province
    reason: ExclusionReason
    detail: Narrative


class StarCutOffs(ValueObject):
    """Stars by score: the least score of each star; a score below ``two`` is one star."""

    method: Literal["cut_offs"]
    five: Score
    four: Score
    three: Score
    two: Score

    @model_validator(mode="after")
    def _descending(self) -> StarCutOffs:
        if not self.five > self.four > self.three > self.two:
            raise ValueError("cut-offs must fall from five to two stars")
        return self


class StarQuotas(ValueObject):
    """Stars by rank: the share of the bases rated that may hold each star; the rest hold one."""

    method: Literal["quotas"]
    five: Share
    four: Share
    three: Share
    two: Share

    @model_validator(mode="after")
    def _at_most_all(self) -> StarQuotas:
        if self.five + self.four + self.three + self.two > 1:
            raise ValueError("the shares of two to five stars add up to more than 1")
        return self


StarMapping = Annotated[StarCutOffs | StarQuotas, Field(discriminator="method")]
"""R-STARS: how a round maps scores to stars, data of the round (never constants in code)."""


class ScoringWeights(ValueObject):
    """The weights of a round's score (R-STARS): its five parts, adding up to 1, and the relative
    weights of the quantitative indicators within the quantitative part."""

    quantitative: Share
    qualitative: Share
    innovation: Share
    green: Share
    digital: Share
    indicators: dict[Indicator, IndicatorWeight] = Field(min_length=1, max_length=FEW_MAX)

    @model_validator(mode="after")
    def _parts_make_a_whole(self) -> ScoringWeights:
        total = self.quantitative + self.qualitative + self.innovation + self.green + self.digital
        if total != 1:
            raise ValueError(f"the weights of the parts add up to {total}, not 1")
        return self


class ScorePart(ValueObject):
    """One part of a base's score: its mark out of 100, its weight and the points it gave."""

    part: ScorePartName
    weight: Share
    mark: Mark
    points: Score


class ProvinceResult(ValueObject):
    """One province's results in a round (R-STARS: results go to the provinces)."""

    province: Province
    five: Count = 0
    four: Count = 0
    three: Count = 0
    two: Count = 0
    one: Count = 0
    not_rated: Count = 0


class EvaluationRoundOpened(EventPayload):
    """The ministry opened the yearly quality evaluation (R-EVAL-YEARLY; 001 第十七, 十八条).

    The round's reference date is 31 December of ``evaluation_year``: every titled base of the
    programme announced a full year before it, i.e. on or before ``announced_by`` (31 December of
    the year before), takes part; revoked bases never do. ``participants`` and ``exclusions`` (with
    the reason) list every base of the programme the round knew. The rule for non-filers, the star
    mapping and the weights are data of the round; ``deadlines`` hold the materials' deadline
    (level ``ministry``) and, where set, the bases' deadline to their province.
    """

    context: ClassVar[Context] = "evaluation"
    subject_kind: ClassVar[SubjectKind] = "batch"

    batch_id: Id = Field(description="the round's id")
    programme: Programme
    evaluation_year: Year
    announced_by: PlatformDate
    notice: DocumentRef
    deadlines: tuple[Deadline, ...] = Field(default=(), max_length=FEW_MAX)
    non_filer_rule: NonFilerRule = "one_star"
    star_mapping: StarMapping | None = None
    weights: ScoringWeights | None = None
    participants: tuple[Participant, ...] = Field(default=(), max_length=MANY_MAX)
    exclusions: tuple[Exclusion, ...] = Field(default=(), max_length=MANY_MAX)


class AnnualReportSubmitted(EventPayload):
    """A province forwarded a base's annual materials after review (R-EVAL-MATERIALS; 001 第十九条).

    The annual report form (年度报表) as JSON (the fields of :class:`AnnualFigures`, typed at the
    intake) and the annual development report (年度发展报告): a document, or its ``sections``
    written in (at most 2,000 characters each) with their digest as ``development_report``.
    """

    context: ClassVar[Context] = "evaluation"
    subject_kind: ClassVar[SubjectKind] = "base"

    base_id: Id
    batch_id: Id = Field(description="the evaluation round")
    evaluation_year: Year
    report_form: dict[Key, Any] = Field(
        default_factory=dict, max_length=FEW_MAX, description="年度报表"
    )
    development_report: DocumentRef = Field(description="年度发展报告")
    sections: tuple[ReportSection, ...] = Field(default=(), max_length=FEW_MAX)


class AnnualMaterialsReturned(EventPayload):
    """A province returned a base's annual materials, with its reasons (R-EVAL-MATERIALS).

    The base may file them again before the deadline.
    """

    context: ClassVar[Context] = "evaluation"
    subject_kind: ClassVar[SubjectKind] = "base"

    base_id: Id
    batch_id: Id = Field(description="the evaluation round")
    evaluation_year: Year
    reasons: tuple[Narrative, ...] = Field(min_length=1, max_length=FEW_MAX)


class MaterialsMissing(EventPayload):
    """A base's annual materials had not reached the ministry by the round's deadline
    (R-EVAL-MATERIALS); recorded when the round is rated, with the round's rule applied."""

    context: ClassVar[Context] = "evaluation"
    subject_kind: ClassVar[SubjectKind] = "base"

    base_id: Id
    batch_id: Id = Field(description="the evaluation round")
    evaluation_year: Year
    due: PlatformDate = Field(description="the deadline to the ministry")
    rule: NonFilerRule = Field(description="what the round does with a non-filer")


class StarRated(EventPayload):
    """A base received its stars for a year (R-STARS; 001 第二十, 二十一条).

    ``parts`` show how ``score`` was made (see the evaluation service's scoring model); a base
    whose materials were missing (``materials``) is rated by the round's non-filer rule. Two
    consecutive years at two stars or fewer lead to R-REVOKE-2STARS.
    """

    context: ClassVar[Context] = "evaluation"
    subject_kind: ClassVar[SubjectKind] = "base"

    base_id: Id
    batch_id: Id = Field(description="the evaluation round")
    evaluation_year: Year
    stars: Stars
    score: Score | None = None
    parts: tuple[ScorePart, ...] = Field(default=(), max_length=FEW_MAX)
    rank: Ordinal | None = Field(default=None, description="rank by score among those scored")
    materials: Literal["forwarded", "missing"] = "forwarded"


class EvaluationResultsPublished(EventPayload):
    """A round's results went to the provinces, copied to MOF, MEE and MOFCOM, and were published
    (R-STARS; 001 第二十条(四)). Each base's result is its StarRated event."""

    context: ClassVar[Context] = "evaluation"
    subject_kind: ClassVar[SubjectKind] = "batch"

    batch_id: Id = Field(description="the evaluation round")
    programme: Programme
    evaluation_year: Year
    notice: DocumentRef
    copied_to: tuple[ConsultedMinistry, ...] = Field(
        default=("财政部", "生态环境部", "商务部"), max_length=FEW_MAX
    )
    rated: Count
    by_province: tuple[ProvinceResult, ...] = Field(default=(), max_length=FEW_MAX)
    not_rated: tuple[Exclusion, ...] = Field(default=(), max_length=MANY_MAX)


class FiveStarListPublished(EventPayload):
    """The ministry published a year's five-star bases (R-FIVE-STAR-LIST; 001 第二十四条)."""

    context: ClassVar[Context] = "evaluation"
    subject_kind: ClassVar[SubjectKind] = "batch"

    batch_id: Id = Field(description="the evaluation round")
    programme: Programme
    evaluation_year: Year
    bases: tuple[FiveStarEntry, ...] = Field(max_length=MANY_MAX)
    notice: DocumentRef


class IncidentReported(EventPayload):
    """An environmental incident, safety accident or other serious event at a base.

    Feeds R-REVOKE-INCIDENT (001 第二十三条(一): Ⅱ级 or worse environmental, 重大 or worse
    accident) and R-SAFETY-RECORD. ``grade`` is an EnvironmentalGrade for environmental
    incidents, an AccidentGrade for accidents, and absent for other serious events.
    """

    context: ClassVar[Context] = "evaluation"
    subject_kind: ClassVar[SubjectKind] = "base"

    base_id: Id
    incident_id: Id
    kind: IncidentKind
    grade: EnvironmentalGrade | AccidentGrade | None = None
    happened_on: PlatformDate
    description: Narrative
    evidence: tuple[DocumentRef, ...] = Field(default=(), max_length=FEW_MAX)

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

    base_id: Id
    finding_id: Id
    inspection: Name = Field(description="the national special inspection (专项督察)")
    area: Literal["生态环保", "安全生产"]
    description: Narrative
    rectify_by: PlatformDate
    evidence: tuple[DocumentRef, ...] = Field(default=(), max_length=FEW_MAX)


class RectificationConfirmed(EventPayload):
    """A finding was rectified, confirmed with evidence (R-REVOKE-RECTIFY)."""

    context: ClassVar[Context] = "evaluation"
    subject_kind: ClassVar[SubjectKind] = "base"

    base_id: Id
    finding_id: Id
    rectified_on: PlatformDate
    evidence: tuple[DocumentRef, ...] = Field(min_length=1, max_length=FEW_MAX)


class TitleRenamed(EventPayload):
    """MIIT approved a province's request to rename a base (R-RENAME; 001 第二十二条).

    Only for a change of administrative division or zone name or extent, with the leading
    industry and 四至 unchanged; published with ``published_with_year``'s results.
    """

    context: ClassVar[Context] = "evaluation"
    subject_kind: ClassVar[SubjectKind] = "base"

    base_id: Id
    old_title: Title
    new_title: Title
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

    base_id: Id
    rule_id: RevocationRule
    reason: Narrative
    causing_events: tuple[EventRef, ...] = Field(min_length=1, max_length=MANY_MAX)


class FraudDetected(EventPayload):
    """Fraud (弄虚作假) was found in a titled base's materials (R-FRAUD; 001 第二十五条).

    Leads to TitleRevoked and ProvinceSuspended. Fraud found during EIDB selection is an
    ApplicationRejected naming R-FRAUD instead.
    """

    context: ClassVar[Context] = "evaluation"
    subject_kind: ClassVar[SubjectKind] = "base"

    base_id: Id
    programme: Programme
    description: Narrative
    evidence: tuple[DocumentRef, ...] = Field(min_length=1, max_length=FEW_MAX)


class TierChanged(EventPayload):
    """A base moved between tiers (R-TIERS; 004 三), e.g. into the excellence plan."""

    context: ClassVar[Context] = "evaluation"
    subject_kind: ClassVar[SubjectKind] = "base"

    base_id: Id
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

    base_id: Id
    first_year: Year
    last_year: Year
    plan: DocumentRef

    @model_validator(mode="after")
    def _three_years(self) -> ActionPlanFiled:
        if self.last_year != self.first_year + 2:
            raise ValueError("a three-year plan runs from first_year to first_year + 2")
        return self
