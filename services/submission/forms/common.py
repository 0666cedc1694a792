"""What the three forms share: the base model, labels, three-year series, narratives, incidents.

Plain Python, no I/O. A form holds what the applicant typed; every figure the form defines as a
computation (an average, a share, a growth rate, a weighted count) is computed here, and where the
applicant also typed it, the typed figure is only cross-checked, never trusted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from shared.contract.events_common import (
    AccidentGrade,
    EnvironmentalGrade,
    IncidentKind,
    Year,
)

NARRATIVE_LIMIT = 2000
"""R-MATERIALS: a narrative section is at most 2,000 characters (002 附件2/3)."""

FIRST_EIDB_YEARS = (2023, 2024, 2025)
"""The three years of the first EIDB batch's forms (002 附件2/3)."""

Amount = Annotated[Decimal, Field(allow_inf_nan=False)]
"""A figure that may be negative: a growth rate, a margin."""

Quantity = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]
"""A figure that cannot be negative: revenue, area, a count typed as a number."""

Percent = Annotated[Decimal, Field(ge=0, le=100, allow_inf_nan=False)]
"""A share in per cent, 0 to 100."""

Text = Annotated[str, Field(min_length=1, max_length=500)]
"""A short text: a name, an address, a document number."""

NarrativeText = Annotated[str, Field(min_length=1)]
"""A narrative section; its R-MATERIALS length limit is checked after reading, so that it is
reported with the section's name and length alongside every other problem."""

ItemId = Annotated[str, Field(min_length=1, max_length=100)]
"""The identity of a counted thing: a credit code, a patent number, a pseudonymous person id."""


@dataclass(frozen=True)
class Label:
    """The Chinese label of a field as the printed form shows it, and its unit."""

    title: str
    unit: str = ""


def label_of(model: type[BaseModel], name: str) -> Label:
    """The :class:`Label` of a field, or its name when it has none."""
    for item in model.model_fields[name].metadata:
        if isinstance(item, Label):
            return item
    return Label(name)


class FormModel(BaseModel):
    """Base of every form and block: frozen, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class NarrativeSections(FormModel):
    """Base of the blocks whose text fields are narrative sections (R-MATERIALS: ≤ 2,000 each)."""


class YearSeries(FormModel):
    """Three consecutive years of one figure; the three-year average is computed, not typed.

    Accepts ``[a, b, c]`` (the years of the first EIDB batch, 2023–2025) or a mapping of years to
    values, e.g. ``{"2023": a, "2024": b, "2025": c}``, with an optional typed ``average`` (近三年
    平均值) that is cross-checked against :attr:`mean`.
    """

    first_year: Year = FIRST_EIDB_YEARS[0]
    values: tuple[Amount, Amount, Amount]
    average: Amount | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_list_or_years(cls, data: Any) -> Any:
        if isinstance(data, list | tuple):
            return {"values": data}
        if isinstance(data, dict) and "values" not in data:
            return _by_year(data)
        return data

    @property
    def years(self) -> tuple[int, int, int]:
        return (self.first_year, self.first_year + 1, self.first_year + 2)

    @property
    def mean(self) -> Decimal:
        return sum(self.values, Decimal(0)) / 3

    @property
    def latest(self) -> Decimal:
        return self.values[2]

    def by_year(self) -> Iterator[tuple[int, Decimal]]:
        return zip(self.years, self.values, strict=True)


def _by_year(data: dict[Any, Any]) -> dict[str, Any]:
    rest = {key: value for key, value in data.items() if key not in ("average", "近三年平均值")}
    try:
        years = sorted(int(str(key).removesuffix("年")) for key in rest)
    except ValueError as error:
        raise ValueError("a series is a list of three values or a mapping of years") from error
    if len(years) != 3 or years != list(range(years[0], years[0] + 3)):
        raise ValueError(f"a series covers three consecutive years, not {years}")
    values = [rest[key] for key in sorted(rest, key=lambda k: int(str(k).removesuffix("年")))]
    average = data.get("average", data.get("近三年平均值"))
    return {"first_year": years[0], "values": values, "average": average}


def _non_negative(series: YearSeries) -> YearSeries:
    if any(value < 0 for value in series.values):
        raise ValueError("this figure cannot be negative")
    return series


QuantitySeries = Annotated[YearSeries, AfterValidator(_non_negative)]
"""A :class:`YearSeries` of a figure that cannot be negative (revenue, people, investment)."""


class Incident(FormModel):
    """One incident of the last three years, as the applicant declares it (R-SAFETY-RECORD)."""

    kind: Annotated[
        IncidentKind,
        Label("事件类型（environmental 环境事件；production_safety 安全事故；other_serious 其他）"),
    ]
    grade: Annotated[EnvironmentalGrade | AccidentGrade | None, Label("等级")] = None
    occurred_on: Annotated[date, Label("发生日期")]
    description: Annotated[Text, Label("简要情况")]

    @model_validator(mode="after")
    def _grade_fits_kind(self) -> Incident:
        environmental = ("Ⅰ级", "Ⅱ级", "Ⅲ级", "Ⅳ级")
        if self.kind == "environmental" and self.grade not in environmental:
            raise ValueError("an environmental incident has a grade Ⅰ级 to Ⅳ级")
        if self.kind == "production_safety" and (self.grade is None or self.grade in environmental):
            raise ValueError("a production-safety accident has a grade 特别重大/重大/较大/一般")
        if self.kind == "other_serious" and self.grade is not None:
            raise ValueError("another serious adverse event has no grade")
        return self


Incidents = Annotated[tuple[Incident, ...], Label("近三年突发环境事件、生产安全事故及其他不良事件")]
