"""Review: the ministry's side of selection. Plain Python, no I/O.

Candidates (applications recommended to the ministry) get expert panels and scores; a batch's
proposed list is decided on normalised scores; the list is publicised, objections resolved; the
cleared become bases with their canonical titles. Each rule of RULES.md this context enforces
(R-PROCEDURE, R-PRIORITY, R-PUBLICITY, R-TITLE-NAME, R-CREATION-PERIOD) lives here once, as a
named check returning a :class:`Violation` (rule ID, field, figures) or raising
:class:`RuleViolationError`.
"""

from __future__ import annotations

from services.review.domain.base import (
    Base,
    award,
    base_id_for,
    check_taken_over_from_history,
    import_title,
)
from services.review.domain.batch import ProgrammeCalls, ReviewBatch
from services.review.domain.candidate import Candidate, dossier_of
from services.review.domain.docket import Docket
from services.review.domain.panel import MIN_PANEL, conflicts_of_interest
from services.review.domain.procedure import business_date, check_by_ministry
from services.review.domain.publicity import Publicity, publicity_id_for, window_for
from services.review.domain.scoring import Standing, proposed, standings
from services.review.domain.sheet import DOMAIN_SECTION, ScoringSheet, ScoringSheets
from services.review.domain.titles import (
    PROGRAMME_TITLES,
    Title,
    canonical_title,
    creation_period_end,
)
from shared.rules import RuleViolationError, Violation, not_found

__all__ = [
    "DOMAIN_SECTION",
    "MIN_PANEL",
    "PROGRAMME_TITLES",
    "Base",
    "Candidate",
    "Docket",
    "ProgrammeCalls",
    "Publicity",
    "ReviewBatch",
    "RuleViolationError",
    "ScoringSheet",
    "ScoringSheets",
    "Standing",
    "Title",
    "Violation",
    "award",
    "base_id_for",
    "business_date",
    "canonical_title",
    "check_by_ministry",
    "check_taken_over_from_history",
    "conflicts_of_interest",
    "creation_period_end",
    "dossier_of",
    "import_title",
    "not_found",
    "proposed",
    "publicity_id_for",
    "standings",
    "window_for",
]
