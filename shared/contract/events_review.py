"""Facts the review context decides: expert review, publicity, awards, EIDB acceptance.

The review service owns expert panels and scores, site visits, publicity with its objections and
consultations, the award of titles and the acceptance of EIDB bases after creation (DESIGN.md).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_validator

from shared.contract.envelope import EventPayload, SubjectKind
from shared.contract.events_common import (
    FEW_MAX,
    MANY_MAX,
    Category,
    ConsultedMinistry,
    DocumentRef,
    Id,
    Name,
    Narrative,
    Ordinal,
    Phrase,
    PlatformDate,
    PriorityGround,
    Programme,
    PublicityEntry,
    Score,
    SectionScore,
    Title,
)
from shared.contract.subjects import Context

MeanScore = Annotated[
    Decimal, Field(ge=0, le=1000, max_digits=8, decimal_places=4, allow_inf_nan=False)
]
"""A mean of experts' totals, in points, to four decimal places."""

NormalisedScore = Annotated[
    Decimal, Field(ge=-1000, le=1000, max_digits=8, decimal_places=4, allow_inf_nan=False)
]
"""A mean of z-scores: signed, without unit, to four decimal places."""


class ExpertReviewCompleted(EventPayload):
    """The ministry's experts scored an application (001 第十一条(三); R-PROCEDURE).

    Scores follow the sections of 附件4 (park) / 附件5 (enterprise), plus the domain's points;
    ``sections`` holds the panel's mean per section and ``total`` the mean total in points,
    rounded to cents. ``raw_mean`` is that mean to four places; ``normalised`` averages, over the
    panel, each expert's total z-scored against that expert's own mean and spread across the batch
    (so a severe or lenient expert weighs like any other). The batch is ranked by ``normalised``;
    on equal scores, applicants with R-PRIORITY ``priority`` grounds come first. ``proposed`` puts
    the application on the list to publicise.
    """

    context: ClassVar[Context] = "review"
    subject_kind: ClassVar[SubjectKind] = "application"

    application_id: Id
    batch_id: Id
    panel: tuple[Id, ...] = Field(min_length=1, max_length=FEW_MAX, description="the experts' ids")
    sections: tuple[SectionScore, ...] = Field(default=(), max_length=FEW_MAX)
    total: Score
    site_visited_on: PlatformDate | None = Field(default=None, description="实地考察, where needed")
    outcome: Literal["proposed", "not_proposed"]
    remarks: Narrative | None = None
    raw_mean: MeanScore | None = Field(default=None, description="mean of the experts' totals")
    normalised: NormalisedScore | None = Field(
        default=None, description="mean over the panel of each expert's z-scored total"
    )
    rank: Ordinal | None = Field(default=None, description="place in the batch, 1 the best")
    priority: tuple[PriorityGround, ...] = Field(
        default=(),
        max_length=FEW_MAX,
        description="R-PRIORITY grounds, the tie-break on equal scores",
    )


class PublicityOpened(EventPayload):
    """The proposed list was published for 5 working days (R-PUBLICITY; 001 第十一条(四)).

    ``first_day`` is day 1 (the publication day if a working day, else the next working day);
    the window closes at the end of ``last_day``, Beijing time. The consulted ministries are named.
    """

    context: ClassVar[Context] = "review"
    subject_kind: ClassVar[SubjectKind] = "publicity"

    publicity_id: Id
    batch_id: Id
    programme: Programme
    published_on: PlatformDate
    first_day: PlatformDate
    last_day: PlatformDate
    entries: tuple[PublicityEntry, ...] = Field(min_length=1, max_length=MANY_MAX)
    consulted: tuple[ConsultedMinistry, ...] = Field(
        default=("财政部", "生态环境部", "商务部"), max_length=FEW_MAX
    )
    notice: DocumentRef | None = None

    @model_validator(mode="after")
    def _window_in_order(self) -> PublicityOpened:
        if not self.published_on <= self.first_day <= self.last_day:
            raise ValueError("expected published_on <= first_day <= last_day")
        return self


class ConsultationAnswered(EventPayload):
    """A consulted ministry gave its opinion on the publicised list (R-PUBLICITY).

    An objection from a ministry is also filed as ObjectionFiled, so that it is resolved before
    the close like any other.
    """

    context: ClassVar[Context] = "review"
    subject_kind: ClassVar[SubjectKind] = "publicity"

    publicity_id: Id
    ministry: ConsultedMinistry
    opinion: Literal["no_objection", "objection"]
    remarks: Narrative | None = None


class ObjectionFiled(EventPayload):
    """An objection to a publicised applicant was filed within the window (R-PUBLICITY).

    The log is kept forever and read by auditors: the objector is not named here, only the
    kind of source; the intake message keeps the rest.
    """

    context: ClassVar[Context] = "review"
    subject_kind: ClassVar[SubjectKind] = "publicity"

    publicity_id: Id
    objection_id: Id
    application_id: Id
    source: Literal["public", "财政部", "生态环境部", "商务部"]
    grounds: Narrative
    evidence: tuple[DocumentRef, ...] = Field(default=(), max_length=FEW_MAX)


class ObjectionResolved(EventPayload):
    """An objection was decided before the close (R-PUBLICITY); upheld withholds the title."""

    context: ClassVar[Context] = "review"
    subject_kind: ClassVar[SubjectKind] = "publicity"

    publicity_id: Id
    objection_id: Id
    application_id: Id
    outcome: Literal["upheld", "dismissed"]
    reasoning: Narrative


class CandidateDisqualified(EventPayload):
    """The ministry found fraud in a recommended EIDB application and took it out of the selection
    (R-FRAUD; 002/003 三(一) 一经发现取消申报资格).

    ``stage`` is ``review`` before the publicity (it is not ranked or proposed) or ``publicity``
    (it is withheld when the publicity closes).
    """

    context: ClassVar[Context] = "review"
    subject_kind: ClassVar[SubjectKind] = "application"

    application_id: Id
    batch_id: Id
    stage: Literal["review", "publicity"]
    rule_id: Literal["R-FRAUD"] = "R-FRAUD"
    finding: Narrative
    evidence: tuple[DocumentRef, ...] = Field(min_length=1, max_length=FEW_MAX)


class PublicityClosed(EventPayload):
    """The publicity window closed with every objection resolved (R-PUBLICITY).

    ``cleared`` are the applications to be awarded; ``withheld`` had an upheld objection or were
    disqualified for fraud during the window (CandidateDisqualified).
    """

    context: ClassVar[Context] = "review"
    subject_kind: ClassVar[SubjectKind] = "publicity"

    publicity_id: Id
    batch_id: Id
    cleared: tuple[Id, ...] = Field(max_length=MANY_MAX)
    withheld: tuple[Id, ...] = Field(default=(), max_length=MANY_MAX)

    @model_validator(mode="after")
    def _disjoint(self) -> PublicityClosed:
        if set(self.cleared) & set(self.withheld):
            raise ValueError("an application is both cleared and withheld")
        return self


class TitleAwarded(EventPayload):
    """A base received its title (001 第十一条(四); R-TITLE-NAME, R-CREATION-PERIOD).

    ``title`` is the canonical name: for NIID 国家新型工业化产业示范基地（示范内容·所在地）; for
    EIDB, whose awardees are first 创建对象 (002),
    国家新兴产业发展示范基地创建对象（创建领域·名称）. An EIDB awardee is a base under creation
    until ``under_creation_until`` (2 years), then accepted or not; NIID has no creation period.
    ``announced_on`` starts the year after which the base is evaluated (R-EVAL-YEARLY).
    """

    context: ClassVar[Context] = "review"
    subject_kind: ClassVar[SubjectKind] = "base"

    base_id: Id
    application_id: Id
    batch_id: Id
    programme: Programme
    category: Category
    name: Name
    domain: Phrase = Field(description="示范内容 (NIID) or 创建领域 (EIDB)")
    location: Name = Field(description="所在地: the zone or the city")
    title: Title
    announced_on: PlatformDate
    announcement: DocumentRef
    under_creation_until: PlatformDate | None = None

    @model_validator(mode="after")
    def _creation_period_for_eidb_only(self) -> TitleAwarded:
        if (self.programme == "EIDB") != (self.under_creation_until is not None):
            raise ValueError("under_creation_until is required for EIDB and absent for NIID")
        if self.under_creation_until is not None and self.under_creation_until <= self.announced_on:
            raise ValueError("under_creation_until must fall after announced_on")
        if self.programme == "NIID" and self.category != "park":
            raise ValueError("NIID awards parks only")
        return self


class CreationAccepted(EventPayload):
    """MIIT accepted an EIDB base after its creation period (验收; R-CREATION-PERIOD, 002 一).

    ``title`` drops 创建对象: 国家新兴产业发展示范基地（创建领域·名称）.
    """

    context: ClassVar[Context] = "review"
    subject_kind: ClassVar[SubjectKind] = "base"

    base_id: Id
    title: Title = Field(description="the title it now holds as a demonstration base")
    score: Score | None = None
    report: DocumentRef


class CreationAcceptanceFailed(EventPayload):
    """An EIDB base under creation failed acceptance and loses its title (R-CREATION-PERIOD)."""

    context: ClassVar[Context] = "review"
    subject_kind: ClassVar[SubjectKind] = "base"

    base_id: Id
    reason: Narrative
    score: Score | None = None
    report: DocumentRef
