"""Who takes part in a year's round (R-EVAL-YEARLY; 001 第十七, 十八条). Pure, no I/O.

The round's **reference date** is 31 December of its evaluation year: a base takes part once a
full year has passed since its announcement by that date, i.e. if it was announced on or before 31
December of the year before (a base announced on 2022-01-10 is first evaluated for 2023). A base
whose title was revoked (or whose revocation is decided) never takes part again.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from services.evaluation.domain.revocation import describe_revocation


def reference_date(evaluation_year: int) -> date:
    return date(evaluation_year, 12, 31)


def announced_by(evaluation_year: int) -> date:
    """The last announcement date a full year before the reference date."""
    return date(evaluation_year - 1, 12, 31)


def exclusion_of(
    announced_on: date,
    revocation: dict[str, Any] | None,
    pending: dict[str, Any] | None,
    evaluation_year: int,
) -> tuple[str, str] | None:
    """Why a base does not take part (reason, detail), or None if it does."""
    if revocation is not None:
        earlier = describe_revocation(revocation)
        return "revoked", f"R-EVAL-YEARLY: a revoked base is never evaluated; it was {earlier}"
    if pending is not None:
        return "revoked", f"R-EVAL-YEARLY: its revocation under {pending['rule_id']} is decided"
    if announced_on > announced_by(evaluation_year):
        return "not_a_full_year", (
            f"R-EVAL-YEARLY: announced on {announced_on}, not a full year before "
            f"{reference_date(evaluation_year)}"
        )
    return None
