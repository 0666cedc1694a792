"""Intake: the attempts outside publishers make, and the decisions they get back.

A province's tool (or the ``demobase`` CLI on its behalf) publishes an :class:`IntakeMessage` on
``intake.v1.<context>.<province>.<CommandType>`` with ``Nats-Msg-Id`` set to its ``command_id``
(a UUID4, unguessable). The owning service decides and records the fact on the log; the publisher
may name a reply subject in the ``Demobase-Reply-To`` header to receive an :class:`IntakeDecision`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    model_validator,
)

from shared.contract.authority import MINISTRY_ONLY, Authority
from shared.contract.events_common import (
    FEW_MAX,
    ID_MAX,
    NAME_MAX,
    TEXT_MAX,
    BasicConditions,
    Category,
    CityQuota,
    Deadline,
    DocumentRef,
    ExactBool,
    Id,
    Key,
    Name,
    Narrative,
    Ordinal,
    PlatformDatetime,
    PriorityGround,
    Programme,
    Province,
    Title,
)
from shared.contract.nested import validate_nested
from shared.contract.subjects import Context, intake_subject


class CommandBody(BaseModel):
    """Base of every intake command's body; subclasses are registered by ``command_type``."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    command_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    context: ClassVar[Context]
    authority: ClassVar[Authority]
    """Who may send it (P-AUTHORITY): the platform's data, checked before any service sees it."""
    every_context: ClassVar[bool] = False
    """Sent to every deciding service on its own intake subjects (the platform clock)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "context" in cls.__dict__:
            if "authority" not in cls.__dict__:
                raise TypeError(f"{cls.__name__} does not say who may send it (authority)")
            cls.command_type = cls.__name__
            COMMAND_TYPES[cls.command_type] = cls


COMMAND_TYPES: dict[str, type[CommandBody]] = {}


PreliminaryScore = Annotated[
    Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2, allow_inf_nan=False)
]
"""A province's preliminary score of an application, out of 100."""


class SubmitApplication(CommandBody):
    """An applicant's application, sent by its province (R-PROCEDURE, R-MATERIALS)."""

    context: ClassVar[Context] = "submission"
    authority: ClassVar[Authority] = Authority(roles=("province",))

    programme: Programme
    category: Category
    name: str = Field(
        min_length=1, max_length=NAME_MAX, description="the park's or enterprise's name"
    )
    applicant: str = Field(min_length=1, max_length=NAME_MAX, description="申报单位名称")
    city: str | None = Field(default=None, max_length=50)
    domain: str = Field(min_length=1, max_length=50, description="示范内容 / 创建领域")
    uscc: str | None = Field(
        default=None, max_length=ID_MAX, description="统一社会信用代码 (enterprises)"
    )
    zone: str | None = Field(default=None, max_length=NAME_MAX, description="所在开发区 (parks)")
    batch_id: str | None = Field(default=None, max_length=ID_MAX)
    form: dict[Key, Any] = Field(
        default_factory=dict, max_length=FEW_MAX, description="the application form"
    )


class OpenBatch(CommandBody):
    """The ministry opens a batch: a call, its domains and deadlines (R-PROCEDURE, R-DEADLINES)."""

    context: ClassVar[Context] = "submission"
    authority: ClassVar[Authority] = MINISTRY_ONLY

    batch_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    programme: Programme
    number: Ordinal
    title: Title
    notice: DocumentRef
    domains: tuple[Name, ...] = Field(min_length=1, max_length=FEW_MAX)
    categories: tuple[Category, ...] = Field(min_length=1, max_length=FEW_MAX)
    deadlines: tuple[Deadline, ...] = Field(min_length=1, max_length=FEW_MAX)
    suspended_provinces: tuple[Province, ...] = Field(default=(), max_length=FEW_MAX)
    conditions: BasicConditions | None = Field(
        default=None,
        description="EIDB: the 创建基本条件 applications are checked against on arrival "
        "(003 四(二); R-THRESHOLDS, R-NO-SMART-FACTORY)",
    )

    @model_validator(mode="after")
    def _conditions_for_eidb_only(self) -> OpenBatch:
        if self.conditions is not None and self.programme != "EIDB":
            raise ValueError(
                "创建基本条件 are EIDB's; an NIID batch is held to the thresholds of 001 附件"
            )
        return self


class ForwardBatch(CommandBody):
    """A province forwards the call: its cities' deadline, quotas, whether cities review first."""

    context: ClassVar[Context] = "submission"
    authority: ClassVar[Authority] = Authority(roles=("province",))

    batch_id: Id
    notice: DocumentRef
    city_review: ExactBool
    deadlines: tuple[Deadline, ...] = Field(default=(), max_length=FEW_MAX)
    quotas: tuple[CityQuota, ...] = Field(default=(), max_length=FEW_MAX)


class ReviewByCity(CommandBody):
    """A city puts an application forward to its province (EIDB; R-PROCEDURE, R-QUOTAS)."""

    context: ClassVar[Context] = "submission"
    authority: ClassVar[Authority] = Authority(roles=("city",), owned_by="application_id")

    application_id: Id
    city: Name
    rank: Ordinal
    summary_table: DocumentRef | None = None


class RecommendApplication(CommandBody):
    """The province recommends an application to the ministry (R-PROCEDURE, R-DEADLINES)."""

    context: ClassVar[Context] = "submission"
    authority: ClassVar[Authority] = Authority(roles=("province",), owned_by="application_id")

    application_id: Id
    recommendation: DocumentRef
    preliminary_score: PreliminaryScore | None = None
    priority: tuple[PriorityGround, ...] = Field(default=(), max_length=FEW_MAX)


class RejectApplication(CommandBody):
    """The city or the province turns an application down, with its reasons."""

    context: ClassVar[Context] = "submission"
    authority: ClassVar[Authority] = Authority(
        ("city", "province"), owned_by="application_id", stage_is_role=True
    )

    application_id: Id
    stage: Literal["city", "province"]
    reasons: tuple[Annotated[str, Field(max_length=TEXT_MAX)], ...] = Field(
        min_length=1, max_length=FEW_MAX
    )


class DisqualifyApplication(CommandBody):
    """Fraud (弄虚作假) found in an EIDB application before its province recommended it: the
    applicant loses its right to apply (R-FRAUD; 002/003 三(一) 一经发现取消申报资格).

    Found by its city or its province; after the recommendation the ministry disqualifies it in
    review (``DisqualifyCandidate``), and after the award fraud is reported on the base.
    """

    context: ClassVar[Context] = "submission"
    authority: ClassVar[Authority] = Authority(
        ("city", "province"), owned_by="application_id", stage_is_role=True
    )

    application_id: Id
    stage: Literal["city", "province"]
    finding: Narrative
    evidence: tuple[DocumentRef, ...] = Field(min_length=1, max_length=FEW_MAX)


class AllowSecondDomain(CommandBody):
    """The ministry allows one EIDB applicant one more domain in one batch: the explicit, recorded
    exception that 002/003 四(一) (每个申报对象原则上限申报 1 个创建领域) leaves to it
    (R-ONE-DOMAIN; ADR 14). Without it, a second domain is rejected naming the first.

    The applicant is named as it applies: an enterprise by its 统一社会信用代码, a park by its
    province and name.
    """

    context: ClassVar[Context] = "submission"
    authority: ClassVar[Authority] = MINISTRY_ONLY

    batch_id: Id
    province: Province = Field(description="the applicant's province")
    category: Category
    name: Name = Field(description="the park's or enterprise's name (园区/企业名称)")
    uscc: str | None = Field(
        default=None, max_length=ID_MAX, description="统一社会信用代码 (enterprises)"
    )
    domain: Name = Field(description="the further 创建领域 it may apply in")
    reasoning: Narrative
    decision: DocumentRef | None = Field(default=None, description="the ministry's document")

    @model_validator(mode="after")
    def _enterprise_by_its_code(self) -> AllowSecondDomain:
        if (self.category == "enterprise") != (self.uscc is not None):
            raise ValueError("an enterprise is named by its uscc, a park by its name alone")
        return self


class LoadZoneCatalogue(CommandBody):
    """The ministry loads an edition of 《中国开发区审核公告目录》 (R-ELIGIBLE-ZONE)."""

    context: ClassVar[Context] = "submission"
    authority: ClassVar[Authority] = MINISTRY_ONLY

    edition: str = Field(min_length=1, max_length=NAME_MAX, description="e.g. 2018年版")
    csv_text: str = Field(
        min_length=1, max_length=2_000_000, description="name,province_code,level"
    )


class IntakeMessage(BaseModel):
    """One attempt on the intake stream."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    command_id: UUID
    command_type: str = Field(max_length=64)
    issued_at: PlatformDatetime = Field(
        description="when the sender says it issued the command: kept, never read by a rule "
        "(P-POSTMARK: rules read the time the platform received it)"
    )
    actor: str = Field(min_length=1, max_length=ID_MAX)
    province: Province
    correlation_id: UUID
    body: CommandBody
    _received_at: datetime | None = PrivateAttr(default=None)

    def postmarked(self, received_at: datetime) -> IntakeMessage:
        """This attempt as the platform received it: ``received_at`` on the platform's clock."""
        copy = self.model_copy()
        copy._received_at = received_at
        return copy

    @property
    def received_at(self) -> datetime:
        """The time every rule reads (P-POSTMARK): when the platform received the attempt."""
        if self._received_at is None:
            raise RuntimeError("the platform has not postmarked this attempt")
        return self._received_at

    @model_validator(mode="before")
    @classmethod
    def _typed_body(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("body"), dict):
            klass = COMMAND_TYPES.get(str(data.get("command_type")))
            if klass is None:
                raise ValueError(
                    f"command_type {data.get('command_type')!r} is not in the contract"
                )
            data = {**data, "body": validate_nested("body", klass, data["body"])}
        return data

    @property
    def subject(self) -> str:
        return intake_subject(self.body.context, self.province, self.command_type)


class Problem(BaseModel):
    """Why an attempt was refused: the field, the rule (when one applies), the figures."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str
    reason: str
    rule_id: str | None = None
    required: str | None = None
    given: str | None = None

    def __str__(self) -> str:
        rule = f"[{self.rule_id}] " if self.rule_id else ""
        shown = [f"{k}: {v}" for k, v in (("required", self.required), ("given", self.given)) if v]
        figures = f" ({'; '.join(shown)})" if shown else ""
        return f"{rule}{self.field}: {self.reason}{figures}"


class IntakeDecision(BaseModel):
    """The owning service's answer to one attempt."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    command_id: UUID | None
    accepted: ExactBool
    recorded: str | None = Field(default=None, description="the event type recorded on the log")
    subject_id: str | None = None
    problems: tuple[Problem, ...] = ()


class AttemptRefused(BaseModel):
    """The dead letter of a refused attempt, on ``deadletter.v1.<context>.<province>.<Command>``.

    Published by the owning service for every attempt it refused without recording a fact (a
    malformed message, a command it does not handle, or a step refused by a rule, such as
    R-DEADLINES or R-QUOTAS), whether or not the sender asked for a reply. The attempt itself stays
    on ``INTAKE`` at ``intake_sequence``; ``Nats-Msg-Id`` is ``<service>:<intake_sequence>``, so
    a service that re-decides after a crash publishes it once.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    service: str
    intake_sequence: Ordinal = Field(description="the attempt's sequence on INTAKE")
    intake_subject: str
    command_type: str = Field(description="the subject's last token")
    decision: IntakeDecision


def problems_of(error: ValidationError, prefix: str = "") -> tuple[Problem, ...]:
    """One :class:`Problem` per field pydantic refused, with the value that was given."""
    problems = []
    for item in error.errors(include_url=False):
        location = ".".join(str(part) for part in item["loc"] if part != "function-after")
        given = item.get("input")
        shown = None if isinstance(given, dict) else repr(given)[:120]
        problems.append(Problem(field=prefix + location, reason=item["msg"], given=shown))
    return tuple(problems)


from shared.contract import commands_evaluation as _commands_evaluation  # noqa: E402,F401
from shared.contract import commands_platform as _commands_platform  # noqa: E402,F401
from shared.contract import commands_review as _commands_review  # noqa: E402,F401
