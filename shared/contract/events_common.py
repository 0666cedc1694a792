"""The vocabulary the integration events share: enumerations, bounded numbers, value objects.

Enumerations are ``Literal`` aliases, so a value outside the rules is refused at the edge and the
AsyncAPI document lists the allowed values. Numbers are exact integers with bounds (see
:data:`ExactInt`). Value objects are frozen and forbid extra fields, like the payloads that carry
them.

Everything a sender writes is bounded (P-STRICT): every string by a length (the figures below),
every list by a number of items, every decimal by its digits and a range (finite: no NaN or
Infinity), every date by :data:`PlatformDate`'s years.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Annotated, Final, Literal, TypeVar
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from shared.contract.provinces import check_province

ID_MAX: Final = 128
"""Characters of an id: of an application, base, batch, publicity, objection, finding, expert."""

NAME_MAX: Final = 200
"""Characters of a name: a park's, an enterprise's, an applicant's, a zone's, a city's, an
expert's or an organisation's; a domain, a section of a scoring sheet, a document's number."""

PHRASE_MAX: Final = 500
"""Characters of a phrase made of names: a base's 示范内容 (a form's text is at most 500), the
dotted path of a field."""

TITLE_MAX: Final = 1000
"""Characters of a title made of phrases: a base's (R-TITLE-NAME), a document's."""

TEXT_MAX: Final = 4000
"""Characters of free text no rule caps: a reason, a message, the figures of a rule shown."""

NARRATIVE_MAX: Final = 2000
"""Characters of a narrative section: R-MATERIALS caps them at 2,000."""

URL_MAX: Final = 2048
"""Characters of a URL."""

FEW_MAX: Final = 100
"""Items of a list a sender writes out: documents, deadlines, domains, experts, reasons."""

MANY_MAX: Final = 10_000
"""Items of a list with one item per application, base or problem: a publicity's entries, a
round's participants, the reasons an application is refused."""

INT_MAX: Final = 2**53 - 1
"""The largest integer every JSON reader holds exactly."""

FIRST_YEAR: Final = 2000
LAST_YEAR: Final = 2100
"""The years of every date and time of the platform (the first NIID batch was called in 2009)."""

Programme = Literal["NIID", "EIDB"]
"""NIID: 国家新型工业化产业示范基地; EIDB: 国家新兴产业发展示范基地."""

BATCHES_BEFORE_PLATFORM: Final[Mapping[str, int]] = MappingProxyType({"NIID": 10, "EIDB": 0})
"""How many batches of each programme were called before the platform (ADR 15): NIID's ten
(2009–2022, their titles taken over by ImportTitle, ADR 8), EIDB none (工信厅规函〔2026〕101号 calls
its 第一批, 2026). The platform's own batches are numbered from the next one on, and "the next
batch" of R-SUSPENDED-PROVINCE is never one of history."""


def last_batch_before_platform(programme: str) -> int:
    """The number of the :data:`Programme`'s last batch called before the platform (0: none)."""
    return BATCHES_BEFORE_PLATFORM[programme]


Category = Literal["park", "enterprise"]
"""园区 or 企业; NIID has parks only."""

EidbDomain = Literal[
    "人工智能",
    "智能网联新能源汽车",
    "新型储能制造",
    "清洁低碳氢",
    "生物制造",
    "智能机器人",
    "低空装备",
    "商业航天",
    "安全应急装备",
    "软件",
]
"""The ten EIDB creation domains (R-ONE-DOMAIN; 002/003 二)."""

NiidDomain = Literal[
    "装备工业",
    "原材料工业",
    "消费品工业",
    "信息产业",
    "高技术转化应用",
    "产业转移合作",
    "新产业新业态",
]
"""The NIID fields (R-ONE-DOMAIN; 001 第三条); a base's 示范内容 names a sub-sector of one."""

Stage = Literal["submission", "city", "province", "ministry"]
"""Where in R-PROCEDURE an application stood when it was decided on."""

Level = Literal["city", "province", "ministry"]
"""Who receives a submission by a deadline (R-DEADLINES): cities, provinces, the ministry."""

PriorityGround = Literal[
    "中国软件名园", "国家安全应急产业示范基地", "革命老区", "民族地区", "边疆地区"
]
"""R-PRIORITY: MIIT pilot tasks carried, or a special-type area (which also lowers thresholds)."""

ConsultedMinistry = Literal["财政部", "生态环境部", "商务部"]
"""Consulted during publicity, copied on evaluation results (001 第十一条, 第二十条)."""

IncidentKind = Literal["environmental", "production_safety", "other_serious"]
"""突发环境污染事件, 生产安全事故, or another serious adverse event (EIDB, R-SAFETY-RECORD)."""

EnvironmentalGrade = Literal["Ⅰ级", "Ⅱ级", "Ⅲ级", "Ⅳ级"]
"""Grades of a sudden environmental incident, Ⅰ级 the gravest."""

AccidentGrade = Literal["特别重大", "重大", "较大", "一般"]
"""Grades of a production-safety accident, 特别重大 the gravest."""

Tier = Literal["省级培育", "省级示范基地", "国家级示范基地", "卓越提升计划"]
"""R-TIERS (004 三): provincial cultivation, provincial base, national base, excellence plan."""

RevocationRule = Literal["R-REVOKE-INCIDENT", "R-REVOKE-RECTIFY", "R-REVOKE-2STARS", "R-FRAUD"]
"""The rules under which a title is revoked (001 第二十三条, 第二十五条)."""


def _exact_int(value: object) -> object:
    # The envelope and the intake validate a payload strictly as JSON (shared.contract.nested), but
    # the services rebuild payloads from their own records with strict=False, and lax mode
    # overrides even Field(strict=True): it would take 3.0, True and "3" for an int. Checking the
    # type before pydantic does keeps integers exact on every path.
    if type(value) is not int:
        raise PydanticCustomError(
            "int_type", "Input should be an integer, not {kind}", {"kind": type(value).__name__}
        )
    return value


def _exact_bool(value: object) -> object:
    # Lax mode would read 1, "yes" and "on" as True.
    if type(value) is not bool:
        raise PydanticCustomError(
            "bool_type", "Input should be true or false, not {kind}", {"kind": type(value).__name__}
        )
    return value


ExactBool = Annotated[bool, BeforeValidator(_exact_bool)]
"""A ``bool`` that refuses numbers and strings, whatever the validation mode."""

_EXACT = BeforeValidator(_exact_int)
# Bounds come before the validator: after it, pydantic renders them in the JSON schema as
# ``ge``/``le`` instead of ``minimum``/``maximum``.

ExactInt = Annotated[int, _EXACT]
"""An ``int`` that refuses floats, booleans and strings, whatever the validation mode."""

Count = Annotated[int, Field(ge=0, le=INT_MAX), _EXACT]
Ordinal = Annotated[int, Field(ge=1, le=INT_MAX), _EXACT]
"""A 1-based number: batch numbers, ranks, 序号, stream sequences."""

Stars = Annotated[int, Field(ge=1, le=5), _EXACT]
"""R-STARS: one to five stars, more is better."""

Year = Annotated[int, Field(ge=2009, le=2100), _EXACT]
"""A calendar year; the first NIID batch was called in 2009."""

Score = Annotated[
    Decimal, Field(ge=0, le=1000, max_digits=6, decimal_places=2, allow_inf_nan=False)
]
"""An expert or evaluation score; a decimal so that it serialises exactly (as a string)."""

Id = Annotated[str, Field(min_length=1, max_length=ID_MAX)]
"""An id: of an application, a base, a batch, a publicity, an objection, a finding, an expert."""

Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX)]
"""A name (see :data:`NAME_MAX`)."""

Phrase = Annotated[str, Field(min_length=1, max_length=PHRASE_MAX)]
"""A phrase made of names, e.g. a base's 示范内容 装备制造(工程机械)."""

Title = Annotated[str, Field(min_length=1, max_length=TITLE_MAX)]
"""A base's or a document's title."""

Text = Annotated[str, Field(min_length=1, max_length=TEXT_MAX)]
"""Free text no rule caps: a reason, a message."""

Narrative = Annotated[str, Field(min_length=1, max_length=NARRATIVE_MAX)]
"""Free text of one section; R-MATERIALS caps narrative sections at 2,000 characters."""

Key = Annotated[str, Field(max_length=NAME_MAX)]
"""A key of a form or a report as JSON."""

RuleId = Annotated[str, Field(max_length=ID_MAX, pattern=r"^R-[A-Z0-9]+(-[A-Z0-9]+)*$")]
"""A rule ID of RULES.md, e.g. ``R-THRESHOLDS``."""

Province = Annotated[str, Field(max_length=6), AfterValidator(check_province)]
"""A :data:`~shared.contract.provinces.ProvinceCode` whose length is checked before it is looked
up (so that a refusal never repeats a long input)."""


D = TypeVar("D", bound=date)


def _in_platform_years(value: D) -> D:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise PydanticCustomError(
            "date_out_of_range",
            "Input should fall in the years {first} to {last}, not {year}",
            {"first": FIRST_YEAR, "last": LAST_YEAR, "year": value.year},
        )
    return value


_YEARS = AfterValidator(_in_platform_years)

PlatformDate = Annotated[
    date,
    _YEARS,
    Field(
        json_schema_extra={
            "formatMinimum": f"{FIRST_YEAR}-01-01",
            "formatMaximum": f"{LAST_YEAR}-12-31",
        }
    ),
]
"""A date in the years :data:`FIRST_YEAR` to :data:`LAST_YEAR`, as JSON ``YYYY-MM-DD``."""

PlatformDatetime = Annotated[
    AwareDatetime,
    _YEARS,
    Field(
        json_schema_extra={
            "formatMinimum": f"{FIRST_YEAR}-01-01T00:00:00Z",
            "formatMaximum": f"{LAST_YEAR}-12-31T23:59:59Z",
        }
    ),
]
"""A time with its time zone, in the years :data:`FIRST_YEAR` to :data:`LAST_YEAR`."""


class ValueObject(BaseModel):
    """Base of the values nested in payloads: frozen, strict, no extra fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class RuleViolation(ValueObject):
    """One reason for a refusal: the rule, the field, and the figures required and given."""

    rule_id: RuleId | None = Field(
        default=None, description="None when the refusal is about form, not a rule"
    )
    field: str | None = Field(
        default=None, max_length=PHRASE_MAX, description="dotted path of the field in question"
    )
    required: str | None = Field(
        default=None, max_length=TEXT_MAX, description="what the rule requires, as shown"
    )
    given: str | None = Field(
        default=None, max_length=TEXT_MAX, description="what the applicant gave, as shown"
    )
    message: Text


class EventRef(ValueObject):
    """A pointer to an earlier event on the log, as an auditor finds it."""

    event_id: UUID
    stream_sequence: Ordinal = Field(description="sequence of the event in the EVENTS stream")


class DocumentRef(ValueObject):
    """Evidence: a document by title, its number (文号) and the digest of the file kept."""

    title: Title
    number: str | None = Field(
        default=None, max_length=NAME_MAX, description="文号, e.g. 工信厅规函〔2026〕101号"
    )
    sha256: str | None = Field(default=None, max_length=64, pattern=r"^[0-9a-f]{64}$")
    url: str | None = Field(default=None, max_length=URL_MAX)


class Deadline(ValueObject):
    """R-DEADLINES: submissions to ``level`` are due by ``due`` (postmark date counts)."""

    level: Level = Field(description="who receives: cities, the province, the ministry")
    due: PlatformDate
    province: Province | None = Field(default=None, description="None: every province")
    postmark_counts: ExactBool = True


class CityQuota(ValueObject):
    """R-QUOTAS: how many of one category a city may recommend (city None: every other city)."""

    city: str | None = Field(default=None, max_length=NAME_MAX)
    category: Category
    minimum: Count = 0
    maximum: Ordinal


EidbParkFigure = Literal[
    "revenue_average",
    "leading_revenue_average",
    "leading_share_pct",
    "labour_productivity",
    "park_rd_intensity_pct",
    "leading_rd_intensity_pct",
    "high_level_talent_share_pct",
    "smart_factory_share_pct",
    "output_per_land",
    "investment_intensity",
    "quality_firms",
    "platforms",
    "patents",
    "smart_factories",
]
"""The figures of an EIDB park's application (002 附件2) a batch's 创建基本条件 may set a minimum
on: three-year averages, shares and weighted counts, each computed from the form, never typed."""

EidbEnterpriseFigure = Literal[
    "revenue_average",
    "domain_revenue_average",
    "domain_share_pct",
    "rd_intensity_pct",
    "domain_rd_intensity_pct",
    "gross_margin_pct",
    "labour_productivity",
    "high_level_talent_share_pct",
    "awards",
    "patents",
    "standards",
]
"""The figures of an EIDB enterprise's application (002 附件3) a batch's 创建基本条件 may set a
minimum on."""

ConditionFigure = Annotated[
    Decimal, Field(ge=0, le=10**9, max_digits=15, decimal_places=4, allow_inf_nan=False)
]
"""A minimum of a 创建基本条件, in the figure's own unit (亿元, %, 万元/人, a weighted count)."""

CountWeight = Annotated[
    Decimal, Field(ge=0, le=1000, max_digits=8, decimal_places=4, allow_inf_nan=False)
]
"""The weight of one kind in a weighted count (e.g. 领航级 smart factories)."""


class BasicConditions(ValueObject):
    """An EIDB batch's 创建基本条件 (003 四(二): the 考评指标 of 工信部规〔2025〕250号), as data of
    the batch (R-THRESHOLDS; ADR 10): minimums on the computed figures of each category's form,
    checked on arrival; a park of 人工智能 or 软件 is not assessed on ``smart_factory_share_pct``
    (R-NO-SMART-FACTORY).

    ``verified`` says the figures are the 考评指标's own: unverified conditions refuse nobody and
    are flagged for the reviewers. ``weights`` weigh the forms' weighted counts by block and kind
    (002 附件2/3: 优质企业, 国家级创新平台, 有效发明专利, 智能工厂, 科技奖励, 标准); without them a
    minimum on a weighted count cannot be set.
    """

    verified: ExactBool
    source: Phrase = Field(description="the document the figures come from, e.g. its 文号")
    park: dict[EidbParkFigure, ConditionFigure] = Field(default_factory=dict, max_length=FEW_MAX)
    enterprise: dict[EidbEnterpriseFigure, ConditionFigure] = Field(
        default_factory=dict, max_length=FEW_MAX
    )
    weights: dict[Key, Annotated[dict[Key, CountWeight], Field(max_length=FEW_MAX)]] | None = Field(
        default=None, max_length=FEW_MAX, description="block → kind → weight"
    )


class SectionScore(ValueObject):
    """One section of the expert scoring sheet (附件4/5: 发展基础 ... 保障措施, domain points)."""

    section: Name
    score: Score


class PublicityEntry(ValueObject):
    """One applicant on a publicised list, with the title it is proposed for."""

    application_id: Id
    name: Name
    proposed_title: Title


class FiveStarEntry(ValueObject):
    """One base on a year's five-star list (R-FIVE-STAR-LIST)."""

    base_id: Id
    title: Title
