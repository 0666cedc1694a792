"""What reading a form can find wrong, each with the dotted path of its field.

Three kinds, all reported at once: a :class:`~shared.contract.commands.Problem` (the form cannot be
read, or a rule refuses a field), a :class:`FormMismatch` (a figure the applicant typed differs from
the one the form defines as a computation), a :class:`FormDuplicate` (one firm, platform, patent or
person listed twice: counted once). The first two refuse; a duplicate is a notice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from pydantic import ValidationError

from shared.contract.commands import Problem, problems_of


def shown(value: Decimal) -> str:
    """A figure as the applicant would write it: no exponent, no trailing zeros."""
    text = f"{value.quantize(Decimal('0.0001')).normalize():f}"
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class Tolerance:
    """How far a typed figure may be from the computed one: rounding, not disagreement.

    A mismatch is a difference larger than ``absolute`` (in the field's unit) and larger than
    ``relative`` times the computed figure.
    """

    absolute: Decimal = Decimal("0.05")
    relative: Decimal = Decimal("0.001")

    def agrees(self, typed: Decimal, computed: Decimal) -> bool:
        allowed = max(self.absolute, self.relative * abs(computed))
        return abs(typed - computed) <= allowed


DEFAULT_TOLERANCE = Tolerance()
EXACT = Tolerance(absolute=Decimal(0), relative=Decimal(0))
"""For counts: a typed count of things listed by id must equal the distinct count."""


@dataclass(frozen=True)
class FormMismatch:
    """A typed figure that the computation contradicts; the computed figure prevails."""

    field: str
    typed: Decimal
    computed: Decimal

    rule_id = "R-MATERIALS"
    blocking = True

    @property
    def reason(self) -> str:
        return f"typed {shown(self.typed)} but the form's own figures give {shown(self.computed)}"

    def as_problem(self) -> Problem:
        return Problem(
            field=self.field, reason=self.reason, rule_id=self.rule_id,
            required=shown(self.computed), given=shown(self.typed),
        )  # fmt: skip


@dataclass(frozen=True)
class FormDuplicate:
    """One thing listed more than once under the same kind; it is counted once."""

    field: str
    item_id: str
    kind: str
    occurrences: int

    rule_id = "R-MATERIALS"
    blocking = False

    @property
    def reason(self) -> str:
        return f"{self.item_id} is listed {self.occurrences} times as {self.kind}; counted once"

    def as_problem(self) -> Problem:
        return Problem(
            field=self.field, reason=self.reason, rule_id=self.rule_id,
            required="each listed once", given=f"{self.occurrences} times",
        )  # fmt: skip


FormIssue = Problem | FormMismatch | FormDuplicate


def check_figure(
    field: str, typed: Decimal | None, computed: Decimal | None, tolerance: Tolerance
) -> list[FormMismatch]:
    """A mismatch when both figures exist and they disagree beyond ``tolerance``."""
    if typed is None or computed is None or tolerance.agrees(typed, computed):
        return []
    return [FormMismatch(field, typed, computed)]


def blocking(issues: Iterable[FormIssue]) -> list[FormIssue]:
    """The issues that refuse the form (everything but duplicates)."""
    return [issue for issue in issues if not isinstance(issue, FormDuplicate)]


def as_problems(issues: Iterable[FormIssue]) -> tuple[Problem, ...]:
    """Every issue as the contract's :class:`Problem`, for an ``IntakeDecision``."""
    return tuple(i if isinstance(i, Problem) else i.as_problem() for i in issues)


def shape_problems(error: ValidationError) -> list[FormIssue]:
    """One problem per field pydantic refused, paths relative to the form."""
    return list(problems_of(error))
