"""Evaluation: the life of a title after its award. No I/O.

A :class:`Base` is a titled base as evaluation knows it: when it was announced (R-EVAL-YEARLY
counts a full year from then), its programme, and whether it still holds its title. Annual reports,
star ratings, incidents and revocations attach to it (RULES.md, "Life of a title").
"""

from __future__ import annotations

from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

BASE_NAMESPACE = uuid5(NAMESPACE_URL, "https://demobase.miit/base")


class Base(Aggregate):
    """A titled base, from its award on."""

    @staticmethod
    def create_id(base_id: str) -> UUID:
        return uuid5(BASE_NAMESPACE, base_id)

    @event("Enrolled")
    def __init__(
        self, base_id: str, province: str, programme: str, name: str, announced_on: date
    ) -> None:
        self.base_id = base_id
        self.province = province
        self.programme = programme
        self.name = name
        self.announced_on = announced_on
        self.status = "titled"
