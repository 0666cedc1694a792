"""Review: the ministry's side of selection. No I/O.

A :class:`Candidate` is an application that its province recommended to the ministry; expert
panels, scores, publicity and awards attach to it (RULES.md, "Selection": R-PROCEDURE onwards).
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

CANDIDATE_NAMESPACE = uuid5(NAMESPACE_URL, "https://demobase.miit/candidate")


class Candidate(Aggregate):
    """An application before the ministry, from its recommendation on."""

    @staticmethod
    def create_id(application_id: str) -> UUID:
        return uuid5(CANDIDATE_NAMESPACE, application_id)

    @event("Registered")
    def __init__(
        self, application_id: str, province: str, programme: str, recommended_at: datetime
    ) -> None:
        self.application_id = application_id
        self.province = province
        self.programme = programme
        self.recommended_at = recommended_at
        self.stage = "recommended"
