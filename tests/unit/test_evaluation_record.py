"""A base's record, given events / when command / then events or error: its tier (R-TIERS), its
rolling three-year action plan (R-ACTION-PLAN) and its name (R-RENAME)."""

from __future__ import annotations

from typing import Any

import pytest

from shared.rules import RuleViolationError
from tests.unit.test_evaluation_support import HUNAN, JIANGSU, Evaluation, marks

pytestmark = pytest.mark.unit

BASE = "长沙经开区"
OLD = "国家新型工业化产业示范基地（装备制造·长沙经开区）"
NEW = "国家新型工业化产业示范基地（装备制造·长沙经济技术开发区）"


@pytest.fixture
def world() -> Evaluation:
    world = Evaluation()
    world.award(BASE, HUNAN, "2020-01-10")
    return world


def rules(error: pytest.ExceptionInfo[RuleViolationError]) -> list[str]:
    return [v.rule_id for v in error.value.violations]


def test_r_tiers_an_awarded_base_enters_the_national_tier(world: Evaluation) -> None:
    """R-TIERS: the tier is part of the base's record, and entering it is an event."""
    [entered] = world.of_type("TierChanged")

    assert (entered.base_id, entered.from_tier, entered.to_tier) == (BASE, None, "国家级示范基地")


def test_r_tiers_the_ministry_moves_a_base_into_the_excellence_plan_and_back(
    world: Evaluation,
) -> None:
    """R-TIERS: 卓越提升计划 selects national bases (004 三(三))."""
    up = world.when(
        "ChangeTier",
        {
            "base_id": BASE,
            "to_tier": "卓越提升计划",
            "reason": "三年五星，全国领先",
            "decision": {"title": "卓越提升计划名单"},
        },
    )
    down = world.when(
        "ChangeTier", {"base_id": BASE, "to_tier": "国家级示范基地", "reason": "退出卓越提升计划"}
    )

    moves = [(t.from_tier, t.to_tier) for t in world.of_type("TierChanged")][1:]
    assert up.recorded == down.recorded == "TierChanged"
    assert moves == [("国家级示范基地", "卓越提升计划"), ("卓越提升计划", "国家级示范基地")]


@pytest.mark.parametrize("tier", ["省级培育", "省级示范基地", "国家级示范基地"])
def test_r_tiers_a_national_base_does_not_move_to_a_provincial_tier_or_its_own(
    world: Evaluation, tier: str
) -> None:
    with pytest.raises(RuleViolationError) as refused:
        world.when("ChangeTier", {"base_id": BASE, "to_tier": tier, "reason": "调整"})
    assert rules(refused) == ["R-TIERS"]


def test_r_tiers_only_the_ministry_moves_a_base(world: Evaluation) -> None:
    with pytest.raises(RuleViolationError) as refused:
        world.when("ChangeTier", {"base_id": BASE, "to_tier": "卓越提升计划", "reason": "x"}, HUNAN)
    assert rules(refused) == ["R-TIERS"]


def plan(first_year: int) -> dict[str, Any]:
    return {
        "base_id": BASE,
        "first_year": first_year,
        "plan": {"title": f"发展提升三年行动计划（{first_year}—{first_year + 2}年）"},
    }


def test_r_action_plan_a_plan_covers_three_years_and_a_new_one_rolls_on(
    world: Evaluation,
) -> None:
    """R-ACTION-PLAN: a rolling three-year plan (001 第十二条), part of the base's record."""
    first = world.when("FileActionPlan", plan(2024), HUNAN)
    rolled = world.when("FileActionPlan", plan(2026), HUNAN)

    plans = [(p.first_year, p.last_year) for p in world.of_type("ActionPlanFiled")]
    assert first.recorded == rolled.recorded == "ActionPlanFiled"
    assert plans == [(2024, 2026), (2026, 2028)]
    current = world.app.base(BASE).plan
    assert current is not None and (current["first_year"], current["last_year"]) == (2026, 2028)


@pytest.mark.parametrize("first_year", [2024, 2028])
def test_r_action_plan_a_new_plan_neither_goes_back_nor_leaves_a_gap(
    world: Evaluation, first_year: int
) -> None:
    world.when("FileActionPlan", plan(2024), HUNAN)

    with pytest.raises(RuleViolationError) as refused:
        world.when("FileActionPlan", plan(first_year), HUNAN)
    assert rules(refused) == ["R-ACTION-PLAN"]
    assert refused.value.violations[0].required.startswith("2025–2027")


def test_r_action_plan_the_first_plan_starts_no_earlier_than_the_title(world: Evaluation) -> None:
    with pytest.raises(RuleViolationError) as refused:
        world.when("FileActionPlan", plan(2019), HUNAN)
    assert rules(refused) == ["R-ACTION-PLAN"]


def test_r_action_plan_a_province_files_only_its_own_bases_plans(world: Evaluation) -> None:
    with pytest.raises(RuleViolationError) as refused:
        world.when("FileActionPlan", plan(2024), JIANGSU)
    assert rules(refused) == ["R-ACTION-PLAN"]


def rename(**changes: Any) -> dict[str, Any]:
    return {
        "base_id": BASE,
        "new_title": NEW,
        "cause": "开发区名称变更",
        "leading_industry_changed": False,
        "boundaries_changed": False,
        "request": {"title": "关于示范基地更名的申请"},
        **changes,
    }


@pytest.mark.parametrize("changed", ["leading_industry_changed", "boundaries_changed"])
def test_r_rename_refused_when_the_leading_industry_or_the_boundaries_changed(
    world: Evaluation, changed: str
) -> None:
    """R-RENAME: only with the leading industry and the 四至 unchanged (001 第二十二条)."""
    with pytest.raises(RuleViolationError) as refused:
        world.when("RequestRename", rename(**{changed: True}), HUNAN)
    assert rules(refused) == ["R-RENAME"] and refused.value.violations[0].field == changed


def test_r_rename_an_approved_rename_is_published_with_that_years_results(
    world: Evaluation,
) -> None:
    """R-RENAME: the province applies, MIIT approves, the rename goes out with the results."""
    world.open_round(2025)
    world.when("RequestRename", rename(), HUNAN, on="2026-02-01")
    world.when(
        "DecideRename",
        {"base_id": BASE, "approved": True, "decision": {"title": "关于同意示范基地更名的复函"}},
        on="2026-02-20",
    )
    assert not world.of_type("TitleRenamed")  # not before the results

    world.file(2025, BASE, level=9)
    world.rate(2025, [marks(BASE, 90)])

    [renamed] = world.of_type("TitleRenamed")
    assert (renamed.old_title, renamed.new_title, renamed.published_with_year) == (OLD, NEW, 2025)
    assert renamed.approval.title == "关于同意示范基地更名的复函"
    assert world.of_type("FiveStarListPublished")[0].bases[0].title == NEW
    assert world.app.base(BASE).former_titles == [OLD]


def test_r_rename_a_refused_rename_is_not_published(world: Evaluation) -> None:
    world.open_round(2025)
    world.when("RequestRename", rename(), HUNAN, on="2026-02-01")
    world.when(
        "DecideRename",
        {
            "base_id": BASE,
            "approved": False,
            "reason": "材料不全",
            "decision": {"title": "不予同意"},
        },
        on="2026-02-20",
    )
    world.rate(2025, [])

    assert not world.of_type("TitleRenamed")


def test_r_rename_only_the_ministry_decides_and_only_once(world: Evaluation) -> None:
    world.when("RequestRename", rename(), HUNAN, on="2026-02-01")
    decide = {"base_id": BASE, "approved": True, "decision": {"title": "复函"}}

    with pytest.raises(RuleViolationError) as by_province:
        world.when("DecideRename", decide, HUNAN)
    world.when("DecideRename", decide)
    with pytest.raises(RuleViolationError) as twice:
        world.when("DecideRename", decide)
    assert rules(by_province) == rules(twice) == ["R-RENAME"]
