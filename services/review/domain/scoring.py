"""The arithmetic of expert review, pure: raw means, normalised scores, ranking, the list.

Experts differ in severity: one gives 60 where another gives 90. So each expert's totals are
z-scored against that expert's own mean and spread (population standard deviation) across the
batch, and an application's normalised score is the mean of its panel's z-scores. An expert with
no spread (one application, or the same total for all) ranks nothing: their z-scores are 0.
The batch is ranked by normalised score; R-PRIORITY breaks ties only (equal normalised scores:
applicants with priority grounds first), then the raw mean, then the application id, so the
order is total and the same on every replay.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

PLACES = Decimal("0.0001")
CENTS = Decimal("0.01")

Totals = Mapping[str, Mapping[str, Decimal]]
"""Application id → expert id → that expert's total for it."""


@dataclass(frozen=True)
class Standing:
    """An application's place in its batch."""

    application_id: str
    raw_mean: Decimal
    normalised: Decimal
    priority: bool
    rank: int


def mean(values: Iterable[Decimal]) -> Decimal:
    items = list(values)
    return sum(items, Decimal(0)) / len(items)


def rounded(value: Decimal, places: Decimal = PLACES) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


def z_scores(totals: Totals) -> dict[tuple[str, str], Decimal]:
    """(application, expert) → the expert's total z-scored against the expert's own totals."""
    by_expert: dict[str, dict[str, Decimal]] = {}
    for application, scored in totals.items():
        for expert, total in scored.items():
            by_expert.setdefault(expert, {})[application] = total
    z: dict[tuple[str, str], Decimal] = {}
    with localcontext() as context:
        context.prec = 28
        for expert, given in by_expert.items():
            centre = mean(given.values())
            spread = mean((t - centre) ** 2 for t in given.values()).sqrt()
            for application, total in given.items():
                z[application, expert] = (total - centre) / spread if spread else Decimal(0)
    return z


def normalised_scores(totals: Totals) -> dict[str, Decimal]:
    """Application → the mean of its panel's z-scores, to four places."""
    z = z_scores(totals)
    return {
        application: rounded(mean(z[application, expert] for expert in scored))
        for application, scored in totals.items()
    }


def standings(totals: Totals, priority: Mapping[str, bool]) -> list[Standing]:
    """The batch ranked: normalised score, then R-PRIORITY, then raw mean, then id."""
    normalised = normalised_scores(totals)
    raw = {application: rounded(mean(scored.values())) for application, scored in totals.items()}
    order = sorted(
        totals,
        key=lambda a: (-normalised[a], not priority.get(a, False), -raw[a], a),
    )
    return [
        Standing(a, raw[a], normalised[a], priority.get(a, False), rank)
        for rank, a in enumerate(order, start=1)
    ]


def proposed(ranked: Iterable[Standing], propose: int | None, cut_off: Decimal | None) -> set[str]:
    """The applications proposed: within the first ``propose`` and at or above ``cut_off``."""
    return {
        s.application_id
        for s in ranked
        if (propose is None or s.rank <= propose) and (cut_off is None or s.raw_mean >= cut_off)
    }
