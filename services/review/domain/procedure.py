"""R-PROCEDURE in the ministry's hands: each step in order, once, by the right actor.

Also the business dates every rule reads: a command's effective time, as a date in Beijing.
"""

from __future__ import annotations

import calendar as gregorian
from datetime import date, datetime

from shared.calendar import BEIJING
from shared.contract.provinces import MINISTRY
from shared.rules import Violation


def check_step(status: str, allowed: tuple[str, ...], step: str, subject: str) -> Violation | None:
    """R-PROCEDURE: ``step`` is taken only from the statuses that lead to it, never twice."""
    if status in allowed:
        return None
    return Violation(
        "R-PROCEDURE", "status", " or ".join(allowed), status,
        f"cannot {step} {subject}: it is {status}",
    )  # fmt: skip


def check_by_ministry(province: str, step: str) -> Violation | None:
    """R-PROCEDURE (Actors): the ministry runs expert review, publicity and awards."""
    if province == MINISTRY:
        return None
    return Violation(
        "R-PROCEDURE", "province", f"{MINISTRY} (the ministry)", province,
        f"only the ministry may {step}",
    )  # fmt: skip


def business_date(at: datetime) -> date:
    """The date, in Beijing, of an effective time: what a publication or announcement is dated."""
    return at.astimezone(BEIJING).date()


def years_after(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    year = day.year + years
    return day.replace(year=year, day=min(day.day, gregorian.monthrange(year, day.month)[1]))
