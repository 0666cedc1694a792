"""The review service's application: candidates before the ministry, from panel to title.

Each method checks the rules in the domain before anything changes, then records every aggregate
it changed together with the intake (or log) position, in one transaction. Business time is the
attempt's postmark (``received_at``, P-POSTMARK) or the event's ``occurred_at``, never the wall
clock. The use cases are in ``services/review/usecases/``, as in the evaluation service.
"""

from __future__ import annotations

from services.review.integration import translate
from services.review.usecases.expert_review import ExpertReview
from services.review.usecases.publicity import Publicising
from services.review.usecases.titles import Titles

__all__ = ["ReviewApplication", "translate"]


class ReviewApplication(ExpertReview, Publicising, Titles):
    """Expert panels and scores, publicity with objections, awards, EIDB acceptance."""

    name = "review"
