"""Evaluation rounds, given events / when command / then events or error: who takes part
(R-EVAL-YEARLY), the annual materials (R-EVAL-MATERIALS), the results (R-STARS) and the five-star
list (R-FIVE-STAR-LIST)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from shared.rules import RuleViolationError
from tests.unit.test_evaluation_support import (
    GUANGDONG,
    HUNAN,
    JIANGSU,
    Evaluation,
    figures,
    marks,
    round_body,
)

pytestmark = pytest.mark.unit

QUOTAS_2019 = {"method": "quotas", "five": "0.079", "four": "0.5", "three": "0.3", "two": "0.1"}


def rules(error: pytest.ExceptionInfo[RuleViolationError]) -> list[str]:
    return [v.rule_id for v in error.value.violations]


@pytest.fixture
def world() -> Evaluation:
    """Three bases: two announced in 2020, one in 2025 (too recent for the 2025 round)."""
    world = Evaluation()
    world.award("长沙经开区", HUNAN, "2020-01-10")
    world.award("南京江宁", JIANGSU, "2020-01-10")
    world.award("广州新区", GUANGDONG, "2025-02-01")
    return world


def test_r_eval_yearly_a_base_takes_part_once_a_full_year_has_passed(world: Evaluation) -> None:
    """R-EVAL-YEARLY: the reference date is 12-31 of the year; announced by the year before."""
    decision = world.open_round(2025)

    [opened] = world.of_type("EvaluationRoundOpened")
    assert decision.accepted and decision.recorded == "EvaluationRoundOpened"
    assert [p.base_id for p in opened.participants] == ["长沙经开区", "南京江宁"]
    [exclusion] = opened.exclusions
    assert (exclusion.base_id, exclusion.reason) == ("广州新区", "not_a_full_year")
    assert "2025-02-01" in exclusion.detail and "2025-12-31" in exclusion.detail
    assert str(opened.announced_by) == "2024-12-31"
    assert opened.weights is not None and opened.star_mapping is not None


def test_r_eval_yearly_the_same_base_takes_part_the_next_year(world: Evaluation) -> None:
    world.open_round(2025)
    world.open_round(2026)

    opened = world.of_type("EvaluationRoundOpened")[-1]
    assert "广州新区" in [p.base_id for p in opened.participants] and not opened.exclusions


def test_r_eval_yearly_one_round_per_programme_and_year(world: Evaluation) -> None:
    world.open_round(2025)

    with pytest.raises(RuleViolationError) as refused:
        world.when(
            "OpenEvaluationRound", {**round_body(2025), "round_id": "OTHER"}, on="2026-01-11"
        )
    assert rules(refused) == ["R-EVAL-YEARLY"]


def test_r_eval_yearly_only_the_ministry_opens_a_round(world: Evaluation) -> None:
    with pytest.raises(RuleViolationError) as refused:
        world.when("OpenEvaluationRound", round_body(2025), province=HUNAN, on="2026-01-10")
    assert rules(refused) == ["R-EVAL-YEARLY"]


def test_r_eval_materials_forwarded_materials_are_on_the_log(world: Evaluation) -> None:
    """R-EVAL-MATERIALS: the base files with its province, which reviews and forwards them."""
    world.open_round(2025)
    world.file(2025, "长沙经开区", level=3)

    [submitted] = world.of_type("AnnualReportSubmitted")
    assert submitted.base_id == "长沙经开区" and submitted.batch_id == "NIID-EVAL-2025"
    assert submitted.report_form["sales_revenue"] == "600"
    assert submitted.sections[0].heading == "发展概况"
    assert submitted.development_report.sha256 is not None


def test_r_eval_materials_the_province_returns_them_with_reasons_and_the_base_files_again(
    world: Evaluation,
) -> None:
    """R-EVAL-MATERIALS: returned with reasons, filed again, then forwarded."""
    world.open_round(2025)
    form = {
        "round_id": "NIID-EVAL-2025",
        "base_id": "长沙经开区",
        "report_form": figures(1),
        "development_report": {"document": {"title": "2025年度发展报告"}},
    }
    review = {"round_id": "NIID-EVAL-2025", "base_id": "长沙经开区"}
    world.when("FileAnnualMaterials", form, HUNAN, on="2026-03-01")
    returned = world.when(
        "ReviewAnnualMaterials",
        {**review, "outcome": "return", "reasons": ["研发投入强度与统计数据不符"]},
        HUNAN,
        on="2026-03-02",
    )
    world.when("FileAnnualMaterials", form, HUNAN, on="2026-03-05")
    forwarded = world.when(
        "ReviewAnnualMaterials", {**review, "outcome": "forward"}, HUNAN, on="2026-03-06"
    )

    assert returned.recorded == "AnnualMaterialsReturned"
    assert world.of_type("AnnualMaterialsReturned")[0].reasons == ("研发投入强度与统计数据不符",)
    assert forwarded.recorded == "AnnualReportSubmitted"
    assert world.of_type("AnnualReportSubmitted")[0].development_report.title == "2025年度发展报告"


def test_r_eval_materials_filing_after_the_provinces_deadline_is_refused(
    world: Evaluation,
) -> None:
    world.open_round(2025)
    body = {
        "round_id": "NIID-EVAL-2025",
        "base_id": "长沙经开区",
        "report_form": figures(1),
        "development_report": {"document": {"title": "报告"}},
    }

    with pytest.raises(RuleViolationError) as refused:
        world.when("FileAnnualMaterials", body, HUNAN, on="2026-03-16")
    assert rules(refused) == ["R-EVAL-MATERIALS"]
    assert refused.value.violations[0].required == "on or before 2026-03-15"


def test_r_eval_materials_a_province_files_only_for_its_own_bases(world: Evaluation) -> None:
    world.open_round(2025)
    body = {
        "round_id": "NIID-EVAL-2025",
        "base_id": "长沙经开区",
        "report_form": figures(1),
        "development_report": {"document": {"title": "报告"}},
    }

    with pytest.raises(RuleViolationError) as refused:
        world.when("FileAnnualMaterials", body, JIANGSU, on="2026-03-01")
    assert rules(refused) == ["R-EVAL-MATERIALS"]


def test_r_eval_materials_a_base_not_taking_part_files_nothing(world: Evaluation) -> None:
    world.open_round(2025)
    body = {
        "round_id": "NIID-EVAL-2025",
        "base_id": "广州新区",
        "report_form": figures(1),
        "development_report": {"document": {"title": "报告"}},
    }

    with pytest.raises(RuleViolationError) as refused:
        world.when("FileAnnualMaterials", body, GUANGDONG, on="2026-03-01")
    assert rules(refused) == ["R-EVAL-YEARLY"]


def test_r_eval_materials_a_non_filer_is_recorded_and_rated_one_star(world: Evaluation) -> None:
    """R-EVAL-MATERIALS: nothing by the deadline → MaterialsMissing, and the round's rule."""
    world.open_round(2025, rule="one_star")
    world.file(2025, "长沙经开区", level=3)
    world.rate(2025, [marks("长沙经开区", 90)])

    [missing] = world.of_type("MaterialsMissing")
    assert (missing.base_id, missing.rule, str(missing.due)) == (
        "南京江宁",
        "one_star",
        "2026-03-31",
    )
    rated = {p.base_id: p for p in world.of_type("StarRated")}
    assert (rated["南京江宁"].stars, rated["南京江宁"].materials) == (1, "missing")
    assert rated["南京江宁"].score is None


def test_r_eval_materials_a_round_may_exclude_non_filers(world: Evaluation) -> None:
    world.open_round(2025, rule="exclude")
    world.file(2025, "长沙经开区", level=3)
    world.rate(2025, [marks("长沙经开区", 90)])

    assert world.stars(2025) == {"长沙经开区": 5}
    [published] = world.of_type("EvaluationResultsPublished")
    assert [(n.base_id, n.reason) for n in published.not_rated] == [
        ("南京江宁", "materials_missing")
    ]


def test_r_eval_materials_a_round_may_score_non_filers_on_statistics_alone(
    world: Evaluation,
) -> None:
    """R-EVAL-MATERIALS: figures_alone; the statistical agencies' figures (001 第十条)."""
    world.open_round(2025, rule="figures_alone")
    world.file(2025, "长沙经开区", level=1)
    world.rate(2025, [marks("长沙经开区", 90), marks("南京江宁", 0, statistics=figures(9))])

    rated = {p.base_id: p for p in world.of_type("StarRated")}
    assert rated["南京江宁"].materials == "missing"
    assert rated["南京江宁"].score == Decimal("50.00")  # all figures best, no other part


def test_r_eval_materials_the_round_is_rated_only_after_the_deadline(world: Evaluation) -> None:
    world.open_round(2025)
    body = {
        "round_id": "NIID-EVAL-2025",
        "assessments": [],
        "notice": {"title": "结果"},
        "five_star_notice": {"title": "名单"},
    }

    with pytest.raises(RuleViolationError) as refused:
        world.when("RateRound", body, on="2026-03-31")
    assert rules(refused) == ["R-EVAL-MATERIALS"]


def test_r_stars_every_filer_needs_the_ministrys_marks(world: Evaluation) -> None:
    world.open_round(2025)
    world.file(2025, "长沙经开区", level=3)

    with pytest.raises(RuleViolationError) as refused:
        world.rate(2025, [marks("广州新区", 80)])
    assert rules(refused) == ["R-STARS", "R-STARS"]
    assert {v.given for v in refused.value.violations} == {"长沙经开区", "广州新区"}


def test_r_stars_results_carry_score_and_parts_and_go_to_the_provinces(world: Evaluation) -> None:
    """R-STARS: one to five stars with the score and its parts; results by province, published
    and copied to MOF, MEE and MOFCOM."""
    world.open_round(2025)
    world.file(2025, "长沙经开区", level=9)
    world.file(2025, "南京江宁", level=1, province=JIANGSU)
    decision = world.rate(2025, [marks("长沙经开区", 90), marks("南京江宁", 50)])

    rated = {p.base_id: p for p in world.of_type("StarRated")}
    assert decision.recorded == "EvaluationResultsPublished"
    assert (rated["长沙经开区"].stars, rated["长沙经开区"].score) == (5, Decimal("95.00"))
    assert (rated["南京江宁"].stars, rated["南京江宁"].score) == (1, Decimal("25.00"))
    assert sum(p.points for p in rated["长沙经开区"].parts) == rated["长沙经开区"].score
    assert rated["长沙经开区"].rank == 1
    [published] = world.of_type("EvaluationResultsPublished")
    assert published.rated == 2 and published.copied_to == ("财政部", "生态环境部", "商务部")
    by_province = {r.province: r for r in published.by_province}
    assert by_province[HUNAN].five == 1 and by_province[JIANGSU].one == 1


def test_r_stars_a_round_is_rated_once(world: Evaluation) -> None:
    world.open_round(2025)
    world.rate(2025, [])

    with pytest.raises(RuleViolationError) as refused:
        world.rate(2025, [])
    assert rules(refused) == ["R-EVAL-MATERIALS"]


def test_r_five_star_list_names_the_years_five_star_bases(world: Evaluation) -> None:
    """R-FIVE-STAR-LIST: published each year with the results."""
    world.open_round(2025)
    world.file(2025, "长沙经开区", level=9)
    world.file(2025, "南京江宁", level=1, province=JIANGSU)
    world.rate(2025, [marks("长沙经开区", 90), marks("南京江宁", 50)])

    [listed] = world.of_type("FiveStarListPublished")
    assert [(b.base_id, b.title) for b in listed.bases] == [
        ("长沙经开区", "国家新型工业化产业示范基地（装备制造·长沙经开区）")
    ]
    assert (listed.evaluation_year, listed.notice.title) == (2025, "2025年度五星示范基地名单")


def test_r_stars_r_five_star_list_381_bases_with_2019_quotas_give_30_five_star_bases() -> None:
    """R-STARS, R-FIVE-STAR-LIST: 381 bases evaluated, quotas of the round → 30 five-star."""
    world = Evaluation()
    bases = [f"B{i:03}" for i in range(381)]
    for base_id in bases:
        world.award(base_id, announced_on="2017-02-10")
    world.open_round(2019, mapping=QUOTAS_2019)
    for level, base_id in enumerate(bases):
        world.file(2019, base_id, level=level)
    world.rate(2019, [marks(base_id, 70) for base_id in bases])

    counts = _count(world.stars(2019).values())
    assert counts == {5: 30, 4: 190, 3: 114, 2: 38, 1: 9}
    assert len(world.of_type("FiveStarListPublished")[0].bases) == 30


def _count(stars: Any) -> dict[int, int]:
    values = list(stars)
    return {n: values.count(n) for n in (5, 4, 3, 2, 1)}
