"""Who may take a step, the business date of a step, and what every decided fact carries.

Identity comes from the subject: the ministry is ``000000``, a province its GB/T 2260 code. A
province acts for its own bases only; the ministry for all.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from shared.calendar import BEIJING
from shared.contract.provinces import MINISTRY
from shared.rules import Violation


class Decided(Aggregate.Event):
    """A decided fact: who decided it, when it took effect, and which message caused it."""

    actor: str
    occurred_at: datetime
    correlation_id: UUID
    causation_id: UUID | None


def business_date(at: datetime) -> date:
    """The date, in Beijing, of an effective time: what a filing or a publication is dated."""
    return at.astimezone(BEIJING).date()


def check_by_ministry(province: str, step: str, rule_id: str = "R-PROCEDURE") -> Violation | None:
    """Only the ministry opens and rates rounds, finds fraud, and decides titles and tiers."""
    if province == MINISTRY:
        return None
    return Violation(
        rule_id,
        "province",
        f"{MINISTRY} (the ministry)",
        province,
        f"only the ministry may {step}",
    )


def check_own_base(
    base_province: str, province: str, step: str, rule_id: str = "R-PROCEDURE"
) -> Violation | None:
    """A province acts for its own bases; the ministry for every base."""
    if province in (base_province, MINISTRY):
        return None
    return Violation(
        rule_id,
        "province",
        f"{base_province} (the base's province) or {MINISTRY}",
        province,
        f"province {province} may not {step} a base of province {base_province}",
    )


def fields_of(event: Any, *names: str) -> dict[str, Any]:
    """Some fields of a stored event, by name, for its integration event."""
    return {name: getattr(event, name) for name in names}
