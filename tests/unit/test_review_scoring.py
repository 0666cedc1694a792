"""The arithmetic of expert review, by hand: raw means, z-scores, ranking, the proposed list."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.review.domain.scoring import normalised_scores, proposed, standings, z_scores

pytestmark = pytest.mark.unit
D = Decimal

# Expert X is generous, expert Y severe. X: A 90, B 80, C 70 (mean 80); Y: A 60, B 70, C 50
# (mean 60). Both spread sqrt(((10)² + 0 + (10)²) / 3) = sqrt(200/3) = 8.16496581, so a total
# 10 points from the mean is z = 10 / 8.16496581 = sqrt(1.5) = 1.22474487.
# A: (1.22474487 + 0) / 2 = 0.61237244; B: (0 + 1.22474487) / 2 = 0.61237244; C: -1.22474487.
# Raw means: A (90 + 60) / 2 = 75, B (80 + 70) / 2 = 75, C (70 + 50) / 2 = 60.
TOTALS = {
    "A": {"X": D(90), "Y": D(60)},
    "B": {"X": D(80), "Y": D(70)},
    "C": {"X": D(70), "Y": D(50)},
}


def test_each_experts_totals_are_z_scored_against_that_experts_own_mean_and_spread() -> None:
    z = z_scores(TOTALS)

    assert round(z["A", "X"], 8) == D("1.22474487")
    assert z["B", "X"] == 0
    assert round(z["C", "Y"], 8) == D("-1.22474487")


def test_the_normalised_score_is_the_mean_of_the_panels_z_scores_to_four_places() -> None:
    assert normalised_scores(TOTALS) == {"A": D("0.6124"), "B": D("0.6124"), "C": D("-1.2247")}


def test_an_expert_with_no_spread_ranks_nothing() -> None:
    """One application scored, or the same total for all: that expert's z-scores are 0."""
    totals = {"A": {"X": D(80), "Z": D(99)}, "B": {"X": D(70)}}

    z = z_scores(totals)

    assert z["A", "Z"] == 0
    assert normalised_scores(totals) == {"A": D("0.5000"), "B": D("-1.0000")}


def test_r_priority_breaks_a_tie_of_equal_scores_only() -> None:
    """R-PRIORITY: equal normalised scores (A and B) → the applicant with priority grounds first;
    never a pass over a better score (C has priority and stays last)."""
    ranked = standings(TOTALS, {"B": True, "C": True})

    assert [(s.application_id, s.rank) for s in ranked] == [("B", 1), ("A", 2), ("C", 3)]
    assert ranked[0].raw_mean == D("75.0000") and ranked[0].normalised == D("0.6124")


def test_without_priority_an_exact_tie_is_ordered_by_raw_mean_then_id() -> None:
    """The order is total and the same on every replay."""
    assert [s.application_id for s in standings(TOTALS, {})] == ["A", "B", "C"]


def test_a_severe_experts_low_totals_do_not_sink_the_applications_that_expert_scored() -> None:
    """Raw means would put P (scored by the severe S) below Q; normalised scores do not."""
    totals = {
        "P": {"S": D(70), "G": D(95)},
        "Q": {"L": D(90), "G": D(90)},
        "R": {"S": D(50), "L": D(80), "G": D(80)},
    }

    ranked = standings(totals, {})

    assert ranked[0].application_id == "P"
    assert ranked[0].raw_mean < ranked[1].raw_mean


@pytest.mark.parametrize(
    ("propose", "cut_off", "expected"),
    [(2, None, {"A", "B"}), (None, D(70), {"A", "B"}), (1, D(70), {"A"}), (3, D(76), set())],
)
def test_the_list_takes_the_first_n_and_or_those_at_or_above_the_cut_off(
    propose: int | None, cut_off: Decimal | None, expected: set[str]
) -> None:
    assert proposed(standings(TOTALS, {}), propose, cut_off) == expected
