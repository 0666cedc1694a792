"""Turning what the form reader and the eligibility rules found into the application's record."""

from __future__ import annotations

from typing import Any

from shared.contract.commands import Problem, SubmitApplication
from shared.rules import Violation


def violation_of(problem: Problem, prefix: str = "") -> Violation:
    """A form problem as a rule violation (a form's own inconsistencies are R-MATERIALS)."""
    return Violation(
        rule_id=problem.rule_id or "R-MATERIALS",
        field=prefix + problem.field,
        required=problem.required or "",
        given=problem.given or "",
        message=problem.reason,
    )


def prefixed(prefix: str, problems: tuple[Problem, ...]) -> tuple[Problem, ...]:
    return tuple(p.model_copy(update={"field": prefix + p.field}) for p in problems)


def form_matches_application(body: SubmitApplication, form: Any) -> list[Violation]:
    """The form is the application's own: same domain (R-ONE-DOMAIN)."""
    if getattr(form, "domain", body.domain) == body.domain:
        return []
    return [
        Violation(
            "R-ONE-DOMAIN",
            "form.domain",
            body.domain,
            str(form.domain),
            "the form names another domain than the application",
        )
    ]


def unique(violations: list[Violation]) -> list[Violation]:
    """Each (rule, field) once: the arrival checks and the eligibility rules overlap."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for violation in violations:
        key = (violation.rule_id, violation.field.removeprefix("form."))
        if key not in seen:
            seen.add(key)
            kept.append(violation)
    return kept
