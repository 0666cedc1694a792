"""Evaluation: the life of a title after its award. Plain Python, no I/O.

Each rule of RULES.md's "Life of a title" that this context enforces lives here once, as a named
check returning a :class:`Violation` or a pure function: R-EVAL-YEARLY (:mod:`participation`),
R-EVAL-MATERIALS (:mod:`materials`, :mod:`round`), R-STARS and R-FIVE-STAR-LIST (:mod:`scoring`,
:mod:`stars`, :mod:`rating`), R-REVOKE-* and R-FRAUD (:mod:`revocation`), R-RENAME, R-TIERS and
R-ACTION-PLAN (:mod:`record`).
"""

from __future__ import annotations

from services.evaluation.domain.base import Base
from services.evaluation.domain.ledgers import BatchLedger, RectificationDocket, Roster
from services.evaluation.domain.materials import AnnualMaterials
from services.evaluation.domain.participation import announced_by, exclusion_of, reference_date
from services.evaluation.domain.procedure import (
    business_date,
    check_by_ministry,
    check_own_base,
)
from services.evaluation.domain.rating import (
    Candidate,
    Outcome,
    by_province,
    check_assessments,
    rate,
)
from services.evaluation.domain.record import ENTRY_TIER
from services.evaluation.domain.rename import RenameRequest
from services.evaluation.domain.revocation import incident_revokes, incident_revokes_title
from services.evaluation.domain.round import EvaluationRound, check_materials_window
from shared.rules import RuleViolationError, Violation, not_found

__all__ = [
    "ENTRY_TIER",
    "AnnualMaterials",
    "Base",
    "BatchLedger",
    "Candidate",
    "EvaluationRound",
    "Outcome",
    "RectificationDocket",
    "RenameRequest",
    "Roster",
    "RuleViolationError",
    "Violation",
    "announced_by",
    "business_date",
    "by_province",
    "check_assessments",
    "check_by_ministry",
    "check_materials_window",
    "check_own_base",
    "exclusion_of",
    "incident_revokes",
    "incident_revokes_title",
    "not_found",
    "rate",
    "reference_date",
]
