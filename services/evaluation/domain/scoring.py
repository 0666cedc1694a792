"""The scoring model of an evaluation round (R-STARS; 001 第二十条(三)). Pure, no I/O.

001 第二十条(三) asks for "定量和定性相结合的综合评价" plus special evaluations of "创新能力、
绿色发展、数字转型". A base's score, out of 100, is therefore made of five parts, each a mark out
of 100 weighted by the round's own weights (data of the round, :class:`ScoringWeights`, adding
up to 1):

``quantitative``
    The figures of the annual report form (:class:`AnnualFigures`; the statistical agencies'
    figures instead where the ministry gives them, since they prevail, 001 第十条), each
    **min-max normalised across the round's cohort** to 0–100: the best base of the cohort gets
    100, the worst 0, the others in proportion. Min-max, not z-scores, so that every part is a
    mark on the same bounded 0–100 scale as the experts' marks and the weights mean what they say;
    an outlier only compresses the others, it never yields a negative or unbounded mark.
    ``energy_intensity`` is better when lower and is inverted; an indicator on which the whole
    cohort is equal gives everyone 100. The mark is the weighted mean of the normalised
    indicators by the round's indicator weights.
``qualitative``
    The experts' mark of the development report and the base's development (定性).
``innovation``, ``green``, ``digital``
    The marks of the special evaluations (专项评价) of innovation, green and digital development.

A base scored on its figures alone (a non-filer under the round's ``figures_alone`` rule) has no
report to judge: its other four marks are 0. Marks and points are rounded to 0.01 (half to even)
and the score is the sum of the rounded points, so that anyone can add the parts up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from shared.contract.events_evaluation import AnnualFigures, Indicator, ScoringWeights

LOWER_IS_BETTER = frozenset({"energy_intensity"})
"""Indicators where less is better (energy per unit of industrial value added)."""

JUDGED_PARTS = ("qualitative", "innovation", "green", "digital")
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Entry:
    """One base to score: its figures and the ministry's marks (None: its figures alone)."""

    base_id: str
    figures: AnnualFigures
    marks: Mapping[str, Decimal] | None


@dataclass(frozen=True)
class Part:
    part: str
    weight: Decimal
    mark: Decimal
    points: Decimal


@dataclass(frozen=True)
class Scored:
    base_id: str
    score: Decimal
    parts: tuple[Part, ...]


def rounded(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def normalised(values: Mapping[str, Decimal], lower_is_better: bool) -> dict[str, Decimal]:
    """Min-max normalisation of one indicator across the cohort, to 0–100."""
    low, high = min(values.values()), max(values.values())
    if high == low:
        return dict.fromkeys(values, HUNDRED)
    span = high - low
    if lower_is_better:
        return {key: (high - value) / span * HUNDRED for key, value in values.items()}
    return {key: (value - low) / span * HUNDRED for key, value in values.items()}


def quantitative_marks(
    figures: Mapping[str, AnnualFigures], indicator_weights: Mapping[Indicator, Decimal]
) -> dict[str, Decimal]:
    """Each base's quantitative mark: the weighted mean of its normalised indicators."""
    total_weight = sum(indicator_weights.values(), Decimal(0))
    sums = dict.fromkeys(figures, Decimal(0))
    for indicator, weight in indicator_weights.items():
        values = {base_id: getattr(f, indicator) for base_id, f in figures.items()}
        for base_id, mark in normalised(values, indicator in LOWER_IS_BETTER).items():
            sums[base_id] += weight * mark
    return {base_id: rounded(total / total_weight) for base_id, total in sums.items()}


def part_weights(weights: ScoringWeights) -> dict[str, Decimal]:
    return {
        "quantitative": weights.quantitative,
        "qualitative": weights.qualitative,
        "innovation": weights.innovation,
        "green": weights.green,
        "digital": weights.digital,
    }


def score_of(base_id: str, marks: Mapping[str, Decimal], weights: ScoringWeights) -> Scored:
    parts = tuple(
        Part(name, weight, rounded(marks[name]), rounded(weight * rounded(marks[name])))
        for name, weight in part_weights(weights).items()
    )
    return Scored(base_id, sum((p.points for p in parts), Decimal(0)), parts)


def score_cohort(entries: list[Entry], weights: ScoringWeights) -> list[Scored]:
    """Score every entry against the cohort they form, best first (ties by base id)."""
    if not entries:
        return []
    figures = {entry.base_id: entry.figures for entry in entries}
    quantitative = quantitative_marks(figures, weights.indicators)
    scored = []
    for entry in entries:
        judged = entry.marks or dict.fromkeys(JUDGED_PARTS, Decimal(0))
        marks = {"quantitative": quantitative[entry.base_id], **judged}
        scored.append(score_of(entry.base_id, marks, weights))
    return sorted(scored, key=lambda s: (-s.score, s.base_id))


def ranks(scored: list[Scored]) -> dict[str, int]:
    """1 + the number of bases with a strictly higher score: equal scores share a rank."""
    result: dict[str, int] = {}
    for position, entry in enumerate(scored):
        previous = scored[position - 1] if position else None
        same = previous is not None and previous.score == entry.score
        result[entry.base_id] = result[previous.base_id] if same and previous else position + 1
    return result
