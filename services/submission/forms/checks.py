"""Checks every form shares, run once a form has been read: series, ratios, narrative lengths.

Each returns what it finds with the field's dotted path; none stops at the first finding.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from pydantic import BaseModel

from services.submission.forms.common import (
    NARRATIVE_LIMIT,
    NarrativeSections,
    YearSeries,
    label_of,
)
from services.submission.forms.problems import FormMismatch, Tolerance, check_figure
from shared.contract.commands import Problem


def walk(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, object, BaseModel, str]]:
    """Every field below ``model``: its path, its value, the model holding it and its name."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        path = f"{prefix}{name}"
        yield path, value, model, name
        if isinstance(value, BaseModel) and not isinstance(value, YearSeries):
            yield from walk(value, f"{path}.")
        elif isinstance(value, tuple):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from walk(item, f"{path}.{index}.")


def series_of(model: BaseModel) -> Iterator[tuple[str, YearSeries]]:
    """Every :class:`YearSeries` in a form, with its path."""
    for path, value, _, _ in walk(model):
        if isinstance(value, YearSeries):
            yield path, value


def check_same_years(model: BaseModel) -> None:
    """Raise when the form's series do not all cover the same three years."""
    spans = {series.years for _, series in series_of(model)}
    if len(spans) > 1:
        shown = "; ".join(f"{path}: {s.years[0]}–{s.years[2]}" for path, s in series_of(model))
        raise ValueError(f"every series of a form covers the same three years ({shown})")


def average_mismatches(model: BaseModel, tolerance: Tolerance) -> list[FormMismatch]:
    """Each typed 近三年平均值 against the mean of its three years."""
    return [
        mismatch
        for path, series in series_of(model)
        for mismatch in check_figure(f"{path}.average", series.average, series.mean, tolerance)
    ]


def ratio_mismatches(
    path: str,
    typed: YearSeries | None,
    numerator: YearSeries,
    denominator: YearSeries,
    tolerance: Tolerance,
    scale: Decimal = Decimal(100),
) -> list[FormMismatch]:
    """A typed share (or per-head figure) against numerator / denominator × scale, year by year."""
    if typed is None:
        return []
    found: list[FormMismatch] = []
    for (year, given), top, bottom in zip(
        typed.by_year(), numerator.values, denominator.values, strict=True
    ):
        computed = None if bottom == 0 else top * scale / bottom
        found += check_figure(f"{path}.{year}", given, computed, tolerance)
    return found


def growth_mismatches(
    path: str, typed: YearSeries | None, base: YearSeries, tolerance: Tolerance
) -> list[FormMismatch]:
    """A typed growth rate (%) against the series it describes; the first year has no base here."""
    if typed is None:
        return []
    found: list[FormMismatch] = []
    years = list(typed.by_year())
    for (year, given), before, after in zip(years[1:], base.values, base.values[1:], strict=False):
        computed = None if before == 0 else (after - before) * 100 / before
        found += check_figure(f"{path}.{year}", given, computed, tolerance)
    return found


def narrative_problems(model: BaseModel) -> list[Problem]:
    """R-MATERIALS: every narrative section over 2,000 characters, named, with its length."""
    found = []
    for path, value, holder, name in walk(model):
        if isinstance(holder, NarrativeSections) and isinstance(value, str):
            length = len(value.strip())
            if length > NARRATIVE_LIMIT:
                section = label_of(type(holder), name).title
                found.append(
                    Problem(
                        field=path,
                        rule_id="R-MATERIALS",
                        reason=f"「{section}」 is {length} characters; a section has at most "
                        f"{NARRATIVE_LIMIT}",
                        required=f"≤ {NARRATIVE_LIMIT} characters",
                        given=f"{length} characters",
                    )
                )
    return found


def evidence_problems(model: BaseModel) -> list[Problem]:
    """R-MATERIALS: the 附件清单 lists the 有关说明或证明材料 an application carries
    (001 第十条(三); 002/003 附件2/3 三、附件清单); an empty list, or blank entries only, is
    refused."""
    listed = getattr(model, "attachments", None)
    if listed is None or any(item.strip() for item in listed):
        return []
    label = label_of(type(model), "attachments").title
    return [
        Problem(
            field="attachments",
            rule_id="R-MATERIALS",
            reason=f"「{label}」 lists no 有关说明或证明材料: an application carries its "
            "supporting evidence (001 第十条(三))",
            required="at least one 说明或证明材料",
            given="none listed" if not listed else f"{len(listed)} blank entries",
        )
    ]


def mean_ratio(
    numerator: YearSeries, denominator: YearSeries, scale: Decimal = Decimal(100)
) -> Decimal | None:
    """The three-year average of numerator / denominator × scale; None if a year divides by 0."""
    pairs = list(zip(numerator.values, denominator.values, strict=True))
    if any(bottom == 0 for _, bottom in pairs):
        return None
    return sum((top * scale / bottom for top, bottom in pairs), Decimal(0)) / 3
