"""A base's record beyond its stars: its tier, its action plan, its name. Pure, no I/O.

R-TIERS (004 三): bases sit in tiers, provincial cultivation (省级培育) and provincial
bases (省级示范基地), national bases (国家级示范基地) and national bases in the excellence plan
(卓越提升计划). A titled base of this platform is national: it enters as 国家级示范基地
and moves only between the two national tiers; it leaves them only by losing its title
(revocation), never by a tier move.

R-ACTION-PLAN (001 第十二条): a base keeps a rolling three-year plan. A plan covers first_year to
first_year + 2; a new plan rolls on from the current one: it starts after the current plan's first
year and no later than the year after its last (no gap); the first one starts no earlier than the
year of the announcement.

R-RENAME (001 第二十二条): a rename is for a change of administrative division or zone name or
extent, only with the leading industry and the boundaries (四至) unchanged.
"""

from __future__ import annotations

from typing import Any

from shared.rules import Violation

NATIONAL_TIERS = ("国家级示范基地", "卓越提升计划")
ENTRY_TIER = "国家级示范基地"
PLAN_YEARS = 3


def check_tier_move(current: str, to_tier: str) -> Violation | None:
    """R-TIERS: a national base moves between the national tiers, to a different one."""
    if to_tier == current:
        return Violation(
            "R-TIERS",
            "to_tier",
            f"a tier other than {current}",
            to_tier,
            f"the base is already in {current}",
        )
    if to_tier not in NATIONAL_TIERS:
        return Violation(
            "R-TIERS",
            "to_tier",
            " or ".join(NATIONAL_TIERS),
            to_tier,
            "a national base leaves the national tiers only by losing its title",
        )
    return None


def check_plan_rolls(
    current: dict[str, Any] | None, first_year: int, announced_year: int
) -> Violation | None:
    """R-ACTION-PLAN: the first plan starts from the announcement; a new one rolls on, no gap."""
    if current is None:
        if first_year >= announced_year:
            return None
        required = f"{announced_year} or later (the title was announced in {announced_year})"
    else:
        earliest, latest = current["first_year"] + 1, current["last_year"] + 1
        if earliest <= first_year <= latest:
            return None
        required = (
            f"{earliest}–{latest} (rolling on from the plan "
            f"{current['first_year']}–{current['last_year']})"
        )
    return Violation(
        "R-ACTION-PLAN",
        "first_year",
        required,
        str(first_year),
        f"a three-year plan from {first_year} does not roll on from the current one",
    )


def check_rename(leading_industry_changed: bool, boundaries_changed: bool) -> Violation | None:
    """R-RENAME: only with the leading industry and the boundaries (四至) unchanged."""
    changed = [
        name
        for name, flag in (
            ("the leading industry", leading_industry_changed),
            ("the boundaries (四至)", boundaries_changed),
        )
        if flag
    ]
    if not changed:
        return None
    field = "leading_industry_changed" if leading_industry_changed else "boundaries_changed"
    return Violation(
        "R-RENAME",
        field,
        "leading industry and boundaries unchanged",
        " and ".join(changed),
        f"a base cannot be renamed once {' and '.join(changed)} changed (001 第二十二条)",
    )
