"""The evaluation service's application: titled bases and their yearly cycle.

Each method checks the rules in the domain before anything changes, then records every aggregate
it changed together with the intake (or log) position, in one transaction. Business time is the
attempt's postmark (``received_at``, P-POSTMARK) or the event's ``occurred_at``, never the wall
clock.
"""

from __future__ import annotations

from services.evaluation.integration import translate
from services.evaluation.usecases.revocations import Revocations
from services.evaluation.usecases.rounds import Rounds
from services.evaluation.usecases.titles import Titles

__all__ = ["EvaluationApplication", "translate"]


class EvaluationApplication(Rounds, Revocations, Titles):
    """Rounds, annual materials, star ratings, five-star lists, incidents, rectification
    deadlines, revocation, fraud, renaming, tiers and action plans."""

    name = "evaluation"
