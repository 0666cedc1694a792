"""The scoring model and the star mapping of a round (R-STARS), pure functions.

Realistic proportions come from ../shared/data/nid_evaluation_summary.csv: 2019, 30 five-star
bases of 381 evaluated (7.9 %); 2021, 28 five-star (6.7 %) and 240 four-star (58 %).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.evaluation.domain.scoring import Entry, Scored, normalised, ranks, score_cohort
from services.evaluation.domain.stars import assign_stars, quota_places, stars_by_cut_offs
from shared.contract.events_evaluation import (
    AnnualFigures,
    ScoringWeights,
    StarCutOffs,
    StarQuotas,
)
from tests.unit.test_evaluation_support import CUT_OFFS, WEIGHTS, figures

pytestmark = pytest.mark.unit

D = Decimal


def weights(**changes: object) -> ScoringWeights:
    return ScoringWeights.model_validate({**WEIGHTS, **changes}, strict=False)


def quotas(five: str, four: str = "0", three: str = "0", two: str = "0") -> StarQuotas:
    data = {"method": "quotas", "five": five, "four": four, "three": three, "two": two}
    return StarQuotas.model_validate(data, strict=False)


def entry(base_id: str, level: int, mark: int | None = 80) -> Entry:
    form = AnnualFigures.model_validate(figures(level), strict=False)
    judged = (
        None
        if mark is None
        else dict.fromkeys(("qualitative", "innovation", "green", "digital"), D(mark))
    )
    return Entry(base_id, form, judged)


def scored(n: int) -> list[Scored]:
    """``n`` bases with distinct scores, best first."""
    return [Scored(f"B{i:03}", D(1000) - i, ()) for i in range(n)]


def test_r_stars_figures_are_min_max_normalised_across_the_cohort() -> None:
    """R-STARS: the best base of the cohort gets 100, the worst 0, the others in proportion."""
    marks = normalised({"A": D(300), "B": D(400), "C": D(700)}, lower_is_better=False)

    assert marks == {"A": D(0), "B": D(25), "C": D(100)}


def test_r_stars_energy_intensity_is_better_when_lower() -> None:
    """R-STARS: the green indicator (energy per unit of value added) is inverted."""
    assert normalised({"A": D("0.5"), "B": D("1.5")}, lower_is_better=True) == {
        "A": D(100),
        "B": D(0),
    }


def test_r_stars_an_indicator_on_which_the_cohort_is_equal_gives_everyone_full_marks() -> None:
    assert normalised({"A": D(5), "B": D(5)}, lower_is_better=False) == {"A": D(100), "B": D(100)}


def test_r_stars_a_score_is_the_sum_of_its_weighted_parts() -> None:
    """R-STARS: five parts (figures, experts, innovation, green, digital) weighted by the round."""
    best, worst = score_cohort([entry("A", 1, mark=60), entry("B", 9, mark=90)], weights())

    assert best.base_id == "B" and worst.base_id == "A"
    assert [p.part for p in best.parts] == [
        "quantitative",
        "qualitative",
        "innovation",
        "green",
        "digital",
    ]
    assert [p.mark for p in best.parts] == [D(100), D(90), D(90), D(90), D(90)]
    assert best.score == sum(p.points for p in best.parts) == D("95.00")
    assert worst.score == D("30.00")  # 0.5 × 0 + 0.5 × 60


def test_r_stars_the_weights_are_data_of_the_round() -> None:
    """R-STARS: the same cohort scores differently under other weights."""
    cohort = [entry("A", 1, mark=60), entry("B", 9, mark=90)]
    judged_only = weights(quantitative="0", qualitative="0.7")

    assert score_cohort(cohort, judged_only)[1].score == D("60.00")


def test_r_stars_weights_of_the_parts_must_add_up_to_one() -> None:
    with pytest.raises(ValueError, match=r"add up to 1\.1"):
        weights(quantitative="0.6")


def test_r_stars_a_base_scored_on_its_figures_alone_has_no_other_part() -> None:
    """R-EVAL-MATERIALS: a non-filer scored by the round's figures_alone rule."""
    [_, alone] = score_cohort([entry("A", 9), entry("B", 1, mark=None)], weights())

    assert alone.base_id == "B" and alone.score == D("0.00")
    assert [p.mark for p in alone.parts][1:] == [D(0)] * 4


def test_r_stars_equal_scores_share_a_rank() -> None:
    tied = [Scored("A", D(90), ()), Scored("B", D(90), ()), Scored("C", D(80), ())]

    assert ranks(tied) == {"A": 1, "B": 1, "C": 3}


@pytest.mark.parametrize(
    ("score", "stars"), [("85", 5), ("84.99", 4), ("70", 4), ("55", 3), ("40", 2), ("39.99", 1)]
)
def test_r_stars_cut_offs_give_the_least_score_of_each_star(score: str, stars: int) -> None:
    """R-STARS: one to five stars by the round's cut-offs (data of the round)."""
    cut_offs = StarCutOffs.model_validate(CUT_OFFS, strict=False)

    assert stars_by_cut_offs(D(score), cut_offs) == stars


def test_r_stars_quotas_give_thirty_five_star_bases_of_381_as_in_2019() -> None:
    """R-STARS, R-FIVE-STAR-LIST: 2019, 30 five-star bases of 381 evaluated (7.9 %)."""
    stars = assign_stars(scored(381), quotas("0.079", "0.5", "0.3", "0.1"), rated=381)

    counts = {n: list(stars.values()).count(n) for n in range(1, 6)}
    assert quota_places(quotas("0.079"), 381)[5] == 30
    assert counts == {5: 30, 4: 190, 3: 114, 2: 38, 1: 9}
    assert [stars[f"B{i:03}"] for i in (0, 29, 30)] == [5, 5, 4]


def test_r_stars_quotas_give_28_five_and_240_four_star_bases_as_in_2021() -> None:
    """R-STARS: 2021, 28 five-star (6.7 %) and 240 four-star (58 %) bases."""
    stars = assign_stars(scored(416), quotas("0.0675", "0.577"), rated=416)

    counts = {n: list(stars.values()).count(n) for n in range(1, 6)}
    assert counts == {5: 28, 4: 240, 3: 0, 2: 0, 1: 148}


def test_r_stars_a_quota_is_a_ceiling_equal_scores_never_split() -> None:
    """R-STARS: a tie that would overflow the five-star places goes to four stars together."""
    tied = [Scored("A", D(90), ()), Scored("B", D(88), ()), Scored("C", D(88), ())]

    stars = assign_stars(tied, quotas("0.5", "0.5"), rated=4)

    assert stars == {"A": 5, "B": 4, "C": 4}


def test_r_stars_quotas_cannot_share_out_more_than_all_the_bases() -> None:
    with pytest.raises(ValueError, match="more than 1"):
        quotas("0.5", "0.5", "0.1")
