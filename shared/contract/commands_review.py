"""Intake commands of the review context: expert review, publicity, awards, EIDB acceptance.

The ministry (subject token ``000000``) sends them all, its experts' scores included; objections
may come from the public through any province's portal, or from a consulted ministry. Every
command's ``issued_at`` is its effective (business) time: a publicity is published on its date,
an objection is on time or late by it, a publicity closes and titles are announced on it.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from shared.contract.authority import MINISTRY_ONLY, Authority
from shared.contract.commands import CommandBody
from shared.contract.events_common import (
    FEW_MAX,
    MANY_MAX,
    ConsultedMinistry,
    DocumentRef,
    ExactBool,
    Id,
    Name,
    Narrative,
    Ordinal,
    Phrase,
    PlatformDate,
    Programme,
    Province,
    Score,
    ValueObject,
)
from shared.contract.subjects import Context


class PanelExpert(ValueObject):
    """One expert of a panel, with what decides a conflict of interest (回避)."""

    expert_id: Id
    name: Name
    province: Province = Field(description="GB/T 2260 code of the province the expert is from")
    organisation: Name = Field(description="工作单位")


class FormPanel(CommandBody):
    """The ministry names the experts who review one recommended application (R-PROCEDURE)."""

    context: ClassVar[Context] = "review"
    authority: ClassVar[Authority] = MINISTRY_ONLY

    application_id: Id
    experts: tuple[PanelExpert, ...] = Field(min_length=1, max_length=FEW_MAX)


class ScoreApplication(CommandBody):
    """One expert's scores of one application, section by section (附件4/附件5 and the domain's).

    ``sections`` maps each section of the scoring sheet (发展基础, 总体思路, 重点任务, 进度安排,
    保障措施, 领域特色) to the points given.
    """

    context: ClassVar[Context] = "review"
    authority: ClassVar[Authority] = Authority(roles=("expert",), actor_names="expert_id")

    application_id: Id
    expert_id: Id
    sections: dict[Name, Score] = Field(min_length=1, max_length=FEW_MAX)


class RecordSiteVisit(CommandBody):
    """Experts visited the applicant (实地考察, where needed; 001 第十一条(三))."""

    context: ClassVar[Context] = "review"
    authority: ClassVar[Authority] = MINISTRY_ONLY

    application_id: Id
    visited_on: PlatformDate
    experts: tuple[Id, ...] = Field(default=(), max_length=FEW_MAX)
    findings: Narrative | None = None


class DecideProposedList(CommandBody):
    """The ministry ranks a batch and proposes the best: the top ``propose``, those whose mean
    total reaches ``cut_off`` points, or both."""

    context: ClassVar[Context] = "review"
    authority: ClassVar[Authority] = MINISTRY_ONLY

    batch_id: Id
    propose: Ordinal | None = Field(default=None, description="how many to propose, at most")
    cut_off: Score | None = Field(default=None, description="the least mean total proposed")

    @model_validator(mode="after")
    def _some_limit(self) -> DecideProposedList:
        if self.propose is None and self.cut_off is None:
            raise ValueError("give propose (how many), cut_off (least mean total), or both")
        return self


class OpenPublicity(CommandBody):
    """Publish a batch's proposed list for 5 working days from the command's date (R-PUBLICITY)."""

    context: ClassVar[Context] = "review"
    authority: ClassVar[Authority] = MINISTRY_ONLY

    batch_id: Id
    notice: DocumentRef | None = None


class FileObjection(CommandBody):
    """An objection to a publicised applicant, on time if before the window closes."""

    context: ClassVar[Context] = "review"
    authority: ClassVar[Authority] = Authority(roles=("public", "province", "ministry"))

    publicity_id: Id
    application_id: Id
    source: Literal["public", "财政部", "生态环境部", "商务部"]
    grounds: Narrative
    evidence: tuple[DocumentRef, ...] = Field(default=(), max_length=FEW_MAX)


class ResolveObjection(CommandBody):
    """The ministry upholds (the title is withheld) or dismisses an objection, with reasons."""

    context: ClassVar[Context] = "review"
    authority: ClassVar[Authority] = MINISTRY_ONLY

    publicity_id: Id
    objection_id: Id
    outcome: Literal["upheld", "dismissed"]
    reasoning: Narrative


class RecordConsultation(CommandBody):
    """A consulted ministry's opinion; an objection names the applicants it is against."""

    context: ClassVar[Context] = "review"
    authority: ClassVar[Authority] = MINISTRY_ONLY

    publicity_id: Id
    ministry: ConsultedMinistry
    opinion: Literal["no_objection", "objection"]
    remarks: Narrative | None = None
    objected: tuple[Id, ...] = Field(
        default=(), max_length=MANY_MAX, description="application ids objected to"
    )

    @model_validator(mode="after")
    def _objection_names_applicants(self) -> RecordConsultation:
        if (self.opinion == "objection") != bool(self.objected):
            raise ValueError("an objection names the applications objected to, and only then")
        if self.opinion == "objection" and self.remarks is None:
            raise ValueError("an objection gives its grounds in remarks")
        return self


class DisqualifyCandidate(CommandBody):
    """Fraud (弄虚作假) found by the ministry in a recommended EIDB application, in expert review or
    during publicity: it is taken out of the selection (R-FRAUD; 002/003 三(一)).

    Before the recommendation its city or province disqualifies it (``DisqualifyApplication``);
    after the award, fraud is reported on the base (``ReportFraud``, 001 第二十五条).
    """

    context: ClassVar[Context] = "review"
    authority: ClassVar[Authority] = MINISTRY_ONLY

    application_id: Id
    finding: Narrative
    evidence: tuple[DocumentRef, ...] = Field(min_length=1, max_length=FEW_MAX)


class ClosePublicity(CommandBody):
    """Close a publicity after its window; the cleared applicants' titles are announced that day."""

    context: ClassVar[Context] = "review"
    authority: ClassVar[Authority] = MINISTRY_ONLY

    publicity_id: Id
    announcement: DocumentRef | None = None


class AcceptCreation(CommandBody):
    """验收 of an EIDB base after its 2-year creation period (R-CREATION-PERIOD)."""

    context: ClassVar[Context] = "review"
    authority: ClassVar[Authority] = MINISTRY_ONLY

    base_id: Id
    accepted: ExactBool
    score: Score | None = None
    report: DocumentRef
    reason: Narrative | None = Field(default=None, description="why it failed, when it did")

    @model_validator(mode="after")
    def _failure_has_a_reason(self) -> AcceptCreation:
        if not self.accepted and self.reason is None:
            raise ValueError("a failed acceptance gives its reason")
        return self


class ImportTitle(CommandBody):
    """A title awarded before the platform existed, taken over from the ministry's announcement.

    For migrating the 445 NIID bases of batches 1–10: the title is recorded on the log as
    TitleAwarded, with the original announcement as its evidence, so that evaluation and the
    registry treat it like any other (R-TITLE-NAME applies to its name).
    """

    context: ClassVar[Context] = "review"
    authority: ClassVar[Authority] = MINISTRY_ONLY

    programme: Programme
    batch_number: Ordinal | None = Field(
        default=None, description="the batch that awarded it, where the record says"
    )
    province: Province = Field(description="the base's province (the ministry sends this)")
    name: Name = Field(description="the base's zone or park (所在地)")
    showcase: Phrase = Field(description="示范内容, e.g. 装备制造(工程机械)")
    announced_on: PlatformDate = Field(
        description="the announcement's date (or its latest possible one)"
    )
    announcement: DocumentRef
