"""The development-zone catalogue in force: an edition an operator loads (R-ELIGIBLE-ZONE).

Kept as events, so that an application is always judged against the edition in force when it
arrived, and a replay judges it the same way.
"""

from __future__ import annotations

import functools
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.submission.data.zones import ZoneCatalogue

CATALOGUE_ID = uuid5(NAMESPACE_URL, "https://demobase.miit/zone-catalogue")


class Catalogue(Aggregate):
    """The editions of 《中国开发区审核公告目录》 loaded so far; the last one is in force."""

    @staticmethod
    def create_id() -> UUID:
        return CATALOGUE_ID

    @event("Started")
    def __init__(self) -> None:
        self.edition = ""
        self.csv_text = ""

    class EditionLoaded(Aggregate.Event):
        edition: str
        csv_text: str
        zones: int

    @event(EditionLoaded)
    def load(self, edition: str, csv_text: str, zones: int) -> None:
        self.edition = edition
        self.csv_text = csv_text

    def in_force(self) -> ZoneCatalogue:
        return _parsed(self.csv_text, self.edition)


@functools.lru_cache(maxsize=4)
def _parsed(csv_text: str, edition: str) -> ZoneCatalogue:
    """An edition's zones, parsed once: every application is checked against them."""
    if not csv_text:
        return ZoneCatalogue([], edition="none loaded")
    return ZoneCatalogue.from_csv_text(csv_text, source=edition)
