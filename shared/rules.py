"""How a rule says no, the same in every service's domain.

A check from RULES.md returns a :class:`Violation` (the rule ID, the field, the figure required and
the figure given) or raises :class:`RuleViolationError` with every violation at once; nothing
changes when it does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Violation:
    """One failed rule: which, on which field, what it requires and what was given."""

    rule_id: str
    field: str
    required: str
    given: str
    message: str


class RuleViolationError(Exception):
    """One or more rules refuse the command; nothing changes."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        super().__init__("; ".join(f"[{v.rule_id}] {v.field}: {v.message}" for v in violations))


def not_found(
    field: str, kind: str, given: str, rule_id: str = "R-PROCEDURE"
) -> RuleViolationError:
    """A command names something the service does not hold (by default R-PROCEDURE)."""
    return RuleViolationError(
        [Violation(rule_id, field, f"an existing {kind}", given, f"no {kind} {given!r}")]
    )


def refuse(*violations: Violation | None) -> None:
    """Raise :class:`RuleViolationError` if any of the checks failed."""
    failed = [violation for violation in violations if violation is not None]
    if failed:
        raise RuleViolationError(failed)


def check_disqualifiable_for_fraud(programme: object) -> Violation | None:
    """R-FRAUD's selection clause (002/003 三(一) 一经发现取消申报资格) is EIDB's: 001 (NIID) only
    revokes titles for fraud. Checked by whoever finds it: the city, the province, the ministry."""
    if programme == "EIDB":
        return None
    return Violation(
        "R-FRAUD", "application_id", "an EIDB application (002/003 三(一))", str(programme),
        "disqualification for fraud during selection is EIDB's rule",
    )  # fmt: skip


def check_not_disqualified(
    batch_id: str, disqualification: Mapping[str, str] | None, field: str, who: str
) -> Violation | None:
    """R-FRAUD's selection clause (002/003 三(一) 有弄虚作假行为的，一经发现取消申报资格): an
    applicant disqualified for fraud in a call has lost its right to apply in it, under any
    application id.
    ``disqualification`` is the finding recorded in the batch (application_id, stage, finding,
    found_on), if any."""
    if disqualification is None:
        return None
    earlier = disqualification["application_id"]
    return Violation(
        "R-FRAUD", field, f"an applicant not disqualified for fraud in {batch_id} (002/003 三(一))",
        f"{who}: disqualified as {earlier} on {disqualification['found_on']}",
        f"{who} was disqualified for fraud in {batch_id} ({earlier}, by the "
        f"{disqualification['stage']} on {disqualification['found_on']}: "
        f"{disqualification['finding']}); it has lost its right to apply in this call",
    )  # fmt: skip
