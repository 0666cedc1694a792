"""The base of every service's ``eventsourcing`` application: its own event store, with tracking.

Each service records its domain events in its own store (an SQLite file under ``var/`` by default,
PostgreSQL when configured). The recorder is a *process* recorder, so the stream sequence a consumer
processed is recorded in the same transaction as the events it decided (DESIGN.md, "Consuming is
exactly-once in effect"), and the relay keeps its own position there too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar
from uuid import UUID, uuid5

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError, ProcessRecorder, Tracking

from shared.rules import not_found

A = TypeVar("A", bound=Application[UUID])

OUTBOX = "outbox"
"""The tracking name under which the relay records the last notification it published."""


class ServiceApplication(Application[UUID]):
    """An ``eventsourcing`` application whose recorder also keeps tracking records.

    Aggregates are cached in memory once read or saved: a service is the only writer of its own
    store (one process, one worker thread), so nothing can change them behind its back and the
    cache never needs to look in the store again (no fast-forward). Each read is a deep copy, so a
    command refused half-way leaves the cached aggregate as it was saved.
    """

    env: ClassVar[dict[str, str]] = {
        "AGGREGATE_CACHE_MAXSIZE": "20000",
        "AGGREGATE_CACHE_FASTFORWARD": "n",
    }

    def construct_recorder(self) -> ProcessRecorder:
        return self.factory.process_recorder()

    @property
    def process_recorder(self) -> ProcessRecorder:
        recorder = self.recorder
        assert isinstance(recorder, ProcessRecorder)
        return recorder

    def position(self, upstream: str) -> int:
        """The last stream sequence (or notification id) recorded as processed for ``upstream``."""
        return self.process_recorder.max_tracking_id(upstream) or 0

    def record(self, *aggregates: Any, upstream: str | None = None, position: int = 0) -> None:
        """Save the aggregates' new events and, when given, the processed position, atomically."""
        tracking = (
            Tracking(application_name=upstream, notification_id=position) if upstream else None
        )
        processing = ProcessingEvent[UUID](tracking=tracking)
        processing.collect_events(*aggregates)
        recordings = self._record(processing)
        self._notify(recordings)

    def find(self, aggregate_id: UUID) -> Any | None:
        """The aggregate, or None if this service holds none by that id."""
        # ``in self.repository`` would rebuild the aggregate only to say yes.
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def get_or_refuse(self, aggregate_id: UUID, field: str, kind: str, given: str) -> Any:
        """The aggregate a command names, or a refusal naming the field and what was given."""
        found = self.find(aggregate_id)
        if found is None:
            raise not_found(field, kind, given)
        return found

    def advance(self, upstream: str, position: int) -> None:
        """Record ``position`` as processed for ``upstream`` with no new events."""
        self.process_recorder.insert_tracking(
            Tracking(application_name=upstream, notification_id=position)
        )


EVENT_NAMESPACE = UUID("6f1c2b9e-3d4a-5e6f-8a7b-9c0d1e2f3a4b")


def stable_event_id(service: str, domain_event: Any) -> UUID:
    """The integration event id of a stored domain event: the same on every republish.

    The service is part of the name: two services may hold aggregates with the same id (each
    its own view of one base), and the log's ids are unique across the whole stream.
    """
    name = f"{service}:{domain_event.originator_id}:{domain_event.originator_version}"
    return uuid5(EVENT_NAMESPACE, name)


def open_store(construct: Callable[[], A], attempts: int = 5) -> A:
    """Build a service's application, its tables created if missing.

    Services that share one PostgreSQL schema create its shared type at start-up at the same
    moment; PostgreSQL's ``CREATE ... IF NOT EXISTS`` is not safe against that race, so a start
    that loses it tries again, a bounded number of times.
    """
    for attempt in range(1, attempts + 1):
        try:
            return construct()
        except IntegrityError:
            if attempt == attempts:
                raise
            time.sleep(0.2 * attempt)
    raise AssertionError("unreachable")
