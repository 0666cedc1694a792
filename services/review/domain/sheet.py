"""The experts' scoring sheet: the sections of 附件4 (park) / 附件5 (enterprise) and their maxima.

The seeds name the five sections (发展基础, 总体思路, 重点任务, 进度安排, 保障措施) and the
domain-specific points ("此外，相关领域评价内容还包括…") but publish no points, so the maxima are
data (``services/review/data/scoring_sheets.yaml``, marked unverified), never constants here. A
panel keeps the sheet it was formed with, so a later change of the data never rescores it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from shared.rules import RuleViolationError, Violation

DOMAIN_SECTION = "领域特色"
"""The section that carries the domain's extra points."""


@dataclass(frozen=True)
class ScoringSheet:
    """Section → maximum points, and where the sheet comes from."""

    source: str
    maxima: Mapping[str, Decimal]

    def violations(self, sections: Mapping[str, Decimal]) -> list[Violation]:
        """Every section missing, unknown or above its maximum, with the figures."""
        expected = ", ".join(self.maxima)
        found = [
            *(
                Violation("R-PROCEDURE", f"sections.{name}", f"a score for {name}", "nothing",
                          f"the sheet ({self.source}) scores {expected}")
                for name in self.maxima if name not in sections
            ),
            *(
                Violation("R-PROCEDURE", f"sections.{name}", f"one of {expected}", name,
                          f"{name!r} is not a section of the sheet ({self.source})")
                for name in sections if name not in self.maxima
            ),
        ]  # fmt: skip
        return found + [
            check_within_maximum(name, score, self.maxima[name])
            for name, score in sections.items()
            if name in self.maxima and score > self.maxima[name]
        ]


def check_within_maximum(section: str, score: Decimal, maximum: Decimal) -> Violation:
    return Violation(
        "R-PROCEDURE", f"sections.{section}", f"at most {maximum}", str(score),
        f"{section}: {score} points is above the section's maximum of {maximum}",
    )  # fmt: skip


@dataclass(frozen=True)
class ScoringSheets:
    """The sheets by ``<programme>-<category>`` and the domains' extra points by programme."""

    sheets: Mapping[str, ScoringSheet]
    domain_points: Mapping[str, Mapping[str, Decimal]]
    """Programme → domain (or ``default``) → the maximum of :data:`DOMAIN_SECTION`."""

    def sheet_for(self, programme: str, category: str, domain: str) -> ScoringSheet:
        """The sheet a panel scores against: the five sections, plus the domain's points."""
        sheet = self.sheets.get(f"{programme}-{category}")
        if sheet is None:
            raise RuleViolationError([Violation(
                "R-PROCEDURE", "category", f"one of {', '.join(self.sheets)}",
                f"{programme}-{category}", "no scoring sheet for this kind of applicant",
            )])  # fmt: skip
        points = self.domain_points.get(programme, {})
        extra = points.get(domain, points.get("default"))
        if not extra:
            return sheet
        maxima = {**sheet.maxima, DOMAIN_SECTION: extra}
        return ScoringSheet(f"{sheet.source}; {DOMAIN_SECTION}: {domain}", maxima)
