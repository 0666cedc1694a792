"""Facts the submission context decides: calls, applications, city and provincial review.

The submission service owns batches (calls for applications), applications up to the provincial
recommendation, city quotas and province suspensions (DESIGN.md, services).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from shared.contract.envelope import EventPayload, SubjectKind
from shared.contract.events_common import (
    FEW_MAX,
    ID_MAX,
    MANY_MAX,
    NAME_MAX,
    TEXT_MAX,
    BasicConditions,
    Category,
    CityQuota,
    Deadline,
    DocumentRef,
    EventRef,
    ExactBool,
    Id,
    Key,
    Name,
    Narrative,
    Ordinal,
    PlatformDate,
    PriorityGround,
    Programme,
    Province,
    RuleViolation,
    Score,
    Text,
    Title,
)
from shared.contract.subjects import Context


class BatchOpened(EventPayload):
    """The ministry opened a batch, a call for applications (R-PROCEDURE, R-DEADLINES).

    Records 001 第十一条(一) (the ministry's notice) and, for EIDB, 工信厅规函〔2026〕101号; the
    domains open are those of R-ONE-DOMAIN.
    """

    context: ClassVar[Context] = "submission"
    subject_kind: ClassVar[SubjectKind] = "batch"

    batch_id: Id
    programme: Programme
    number: Ordinal = Field(description="the batch's number within its programme")
    title: Title
    notice: DocumentRef
    domains: tuple[Name, ...] = Field(
        min_length=1,
        max_length=FEW_MAX,
        description="the domains open in this batch (R-ONE-DOMAIN)",
    )
    categories: tuple[Category, ...] = Field(min_length=1, max_length=FEW_MAX)
    deadlines: tuple[Deadline, ...] = Field(min_length=1, max_length=FEW_MAX)
    suspended_provinces: tuple[Province, ...] = Field(
        default=(),
        max_length=FEW_MAX,
        description="provinces that may not recommend in it (R-SUSPENDED-PROVINCE)",
    )
    conditions: BasicConditions | None = Field(
        default=None, description="EIDB's 创建基本条件 (003 四(二); R-THRESHOLDS)"
    )


class BatchForwarded(EventPayload):
    """A province forwarded the call to its cities, with its own deadlines and quotas.

    Records R-DEADLINES and R-QUOTAS as data of the batch (002 二, 003 三(二)): e.g. Guangdong's
    cities report by 2026-03-30, Fujian's by 2026-04-04 with per-city quotas.
    """

    context: ClassVar[Context] = "submission"
    subject_kind: ClassVar[SubjectKind] = "batch"

    batch_id: Id
    province: Province
    notice: DocumentRef
    city_review: ExactBool = Field(description="whether cities make the first review (EIDB)")
    deadlines: tuple[Deadline, ...] = Field(default=(), max_length=FEW_MAX)
    quotas: tuple[CityQuota, ...] = Field(default=(), max_length=FEW_MAX)


class ApplicationSubmitted(EventPayload):
    """An application passed intake checks and is on file (R-MATERIALS, R-ELIGIBLE-*, R-ONE-DOMAIN).

    The form is the validated application form (002 附件2/3) as JSON; matters of judgement that
    the rules leave to people are listed in ``flags`` for the reviewers.
    """

    context: ClassVar[Context] = "submission"
    subject_kind: ClassVar[SubjectKind] = "application"

    application_id: Id
    batch_id: str | None = Field(default=None, max_length=ID_MAX)
    programme: Programme
    category: Category
    name: Name = Field(description="the park's or enterprise's name")
    applicant: Name = Field(description="申报单位名称")
    city: str | None = Field(default=None, max_length=NAME_MAX)
    domain: Name = Field(description="示范内容 (NIID) or 创建领域 (EIDB)")
    uscc: str | None = Field(
        default=None, max_length=ID_MAX, description="统一社会信用代码, enterprises"
    )
    zone: str | None = Field(default=None, max_length=NAME_MAX, description="所在开发区, parks")
    form: dict[Key, Any] = Field(
        default_factory=dict, max_length=FEW_MAX, description="the validated form"
    )
    flags: tuple[Annotated[str, Field(max_length=TEXT_MAX)], ...] = Field(
        default=(), max_length=MANY_MAX, description="matters of judgement flagged"
    )


class ApplicationRejected(EventPayload):
    """An application was refused at a stage, with every rule it broke (R-PROCEDURE, R-FRAUD).

    A late submission names R-DEADLINES with the deadline; a quota overrun R-QUOTAS; fraud
    found during EIDB selection R-FRAUD (002/003 三(一)).
    """

    context: ClassVar[Context] = "submission"
    subject_kind: ClassVar[SubjectKind] = "application"

    application_id: Id
    stage: Literal["submission", "city", "province", "ministry"]
    reasons: tuple[RuleViolation, ...] = Field(min_length=1, max_length=MANY_MAX)
    name: str | None = Field(default=None, max_length=NAME_MAX)
    programme: Programme | None = Field(default=None, description="as the application gave it")
    category: Category | None = None
    domain: str | None = Field(
        default=None, max_length=NAME_MAX, description="as the application gave it"
    )


class CityReviewCompleted(EventPayload):
    """A city passed an EIDB application on to its province (002 二, 003 三(二); R-PROCEDURE).

    The city checked the materials' completeness and authenticity and ranked it within its
    quota (R-QUOTAS); a city that refuses records ApplicationRejected instead.
    """

    context: ClassVar[Context] = "submission"
    subject_kind: ClassVar[SubjectKind] = "application"

    application_id: Id
    batch_id: Id
    city: Name
    category: Category
    rank: Ordinal = Field(description="the city's order of preference within its quota")
    summary_table: DocumentRef | None = Field(default=None, description="××市推荐汇总表")


class ProvinciallyRecommended(EventPayload):
    """A province recommended an application to the ministry (R-PROCEDURE, R-SUMMARY-TABLE).

    One row of the province's summary table (附件1: 序号, 申报单位名称, 园区/企业名称, 申报类别,
    申报创建领域), after its preliminary review with experts (001 第十一条(二)). ``dispatched_on``
    is the postmark date that R-DEADLINES counts.
    """

    context: ClassVar[Context] = "submission"
    subject_kind: ClassVar[SubjectKind] = "application"

    application_id: Id
    batch_id: Id
    programme: Programme
    serial_no: Ordinal = Field(description="序号 in the summary table")
    applicant: Name
    name: Name
    category: Category
    domain: Name
    dispatched_on: PlatformDate
    recommendation: DocumentRef = Field(description="the province's recommendation document")
    preliminary_score: Score | None = None
    priority: tuple[PriorityGround, ...] = Field(
        default=(), max_length=FEW_MAX, description="R-PRIORITY grounds"
    )


class SecondDomainAllowed(EventPayload):
    """The ministry allowed an EIDB applicant a further domain in a batch (R-ONE-DOMAIN).

    002/003 四(一): 每个申报对象原则上限申报 1 个创建领域. The exception is explicit and on the log:
    the applicant (an enterprise by its 统一社会信用代码, a park by its province and name), the
    domain and the ministry's reasoning (ADR 14).
    """

    context: ClassVar[Context] = "submission"
    subject_kind: ClassVar[SubjectKind] = "batch"

    batch_id: Id
    province: Province = Field(description="the applicant's province")
    category: Category
    name: Name
    uscc: str | None = Field(default=None, max_length=ID_MAX)
    domain: Name
    reasoning: Narrative
    decision: DocumentRef | None = None


class ProvinceSuspended(EventPayload):
    """A province may not recommend in a batch, for fraud (R-SUSPENDED-PROVINCE, R-FRAUD).

    001 第二十五条: fraud suspends the province's next batch. ``batch_number`` is that batch.
    """

    context: ClassVar[Context] = "submission"
    subject_kind: ClassVar[SubjectKind] = "province"

    province: Province
    programme: Programme
    batch_number: Ordinal = Field(description="the batch in which the province may not recommend")
    rule_id: Literal["R-SUSPENDED-PROVINCE"] = "R-SUSPENDED-PROVINCE"
    reason: Text
    causing_events: tuple[EventRef, ...] = Field(
        min_length=1, max_length=MANY_MAX, description="the FraudDetected events that caused it"
    )
