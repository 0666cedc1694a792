"""The base of every service's ``eventsourcing`` application: its own event store, with tracking.

Each service records its domain events in its own store (an SQLite file under ``var/`` by default,
PostgreSQL when configured). The recorder is a *process* recorder, so the stream sequence a consumer
processed is recorded in the same transaction as the events it decided (DESIGN.md, "Consuming is
exactly-once in effect"), and the relay keeps its own position there too.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar, TypeVar
from uuid import UUID, uuid5

import psycopg
from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    Cache,
    LRUCache,
    ProcessingEvent,
    Repository,
)
from eventsourcing.persistence import (
    InterfaceError,
    OperationalError,
    ProcessRecorder,
    Tracking,
)

from shared.ddl import create_racing
from shared.fence import WriterFence, WriterLockLostError
from shared.rules import not_found

A = TypeVar("A", bound=Application[UUID])

STORE_FAULTS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    sqlite3.OperationalError,
    sqlite3.InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    WriterLockLostError,
)
"""Faults of a store itself (unreachable, locked, connection lost, this process's writer lock
briefly lost): never an attempt's or an event's fault, so waited out and retried, never
refused."""

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

    def fence_with(self, fence: WriterFence) -> None:
        """Refuse every commit from now on unless ``fence`` says this process is still the
        service's writer (ADR 19)."""
        recorder: Any = self.recorder
        if not hasattr(recorder, "fence"):
            raise TypeError(f"{type(recorder).__name__} is not a fenced recorder "
                            "(PROCESS_RECORDER_TOPIC: Settings.eventsourcing_env)")  # fmt: skip
        recorder.fence = fence

    def stream_identity(self, stream: str, created: str) -> str:
        """The identity (creation time) of ``stream`` as this store recorded it when it first
        consumed it; ``created`` is recorded if none was (issue 9, item 5)."""
        recorder: Any = self.process_recorder
        postgres = hasattr(recorder.datastore, "schema")
        table = f'"{recorder.datastore.schema}".demobase_stream' if postgres else "demobase_stream"
        mark = "%s" if postgres else "?"

        def create() -> None:  # services sharing a schema create it at the same moment
            with recorder.datastore.transaction(commit=True) as cursor:
                cursor.execute(f"CREATE TABLE IF NOT EXISTS {table} "
                               "(stream TEXT PRIMARY KEY, created TEXT NOT NULL)")  # fmt: skip

        create_racing(create)
        with recorder.datastore.transaction(commit=True) as cursor:
            # the first service of a shared schema to consume the stream records it for all
            cursor.execute(f"INSERT INTO {table} (stream, created) VALUES ({mark}, {mark}) "
                           "ON CONFLICT (stream) DO NOTHING", (stream, created))  # fmt: skip
            cursor.execute(f"SELECT created FROM {table} WHERE stream = {mark}", (stream,))
            row = cursor.fetchone()
        return str(row["created"] if postgres else row[0])

    def position(self, upstream: str) -> int:
        """The last stream sequence (or notification id) recorded as processed for ``upstream``."""
        return self.process_recorder.max_tracking_id(upstream) or 0

    publishable: Callable[[Any], None] | None = None
    """Raises for a domain event that could never be published (its integration event beyond the
    server's max payload): set by the runtime once connected, checked before anything is saved."""

    _deciding: ProcessingEvent[UUID] | None = None
    """The batch being decided (:meth:`one_commit`): what it recorded so far, not yet committed."""

    def construct_repository(self) -> Repository[UUID]:
        plain = super().construct_repository()
        repository = PendingRepository.__new__(PendingRepository)
        repository.__dict__.update(plain.__dict__)  # the same store, cache and options
        return repository

    @property
    def pending(self) -> PendingRepository:
        repository = self.repository
        assert isinstance(repository, PendingRepository)
        return repository

    def record(self, *aggregates: Any, upstream: str | None = None, position: int = 0) -> None:
        """Save the aggregates' new events and, when given, the processed position, atomically;
        nothing is saved if one of the events could never be published (``publishable``).

        Within :meth:`one_commit`, they are kept for the batch's one commit instead, and the next
        attempt of the batch reads the aggregates as this one left them."""
        tracking = (
            Tracking(application_name=upstream, notification_id=position) if upstream else None
        )
        processing = ProcessingEvent[UUID](tracking=tracking)
        processing.collect_events(*aggregates)
        if self.publishable is not None:
            for domain_event in processing.events:
                self.publishable(domain_event)
        deciding = self._deciding
        if deciding is not None:
            deciding.events.extend(processing.events)
            deciding.aggregates.update(processing.aggregates)
            deciding.tracking = tracking or deciding.tracking
            decided = self.pending.decided
            assert decided is not None
            decided.update(processing.aggregates)
            return
        recordings = self._record(processing)
        self._notify(recordings)

    @contextlib.contextmanager
    def one_commit(self) -> Iterator[None]:
        """Decide several messages of one stream against the same aggregates, then commit
        everything they recorded, with the position of the last, in one transaction.

        Every :meth:`record` and :meth:`advance` inside the block is kept in memory, and reads
        (``repository.get``, ``in repository``, :meth:`find`) see the aggregates as the batch
        left them; nothing reaches the store, or the cache, until the block ends without an
        exception. A block that raises leaves the store and the cache exactly as they were, so
        the batch can be decided again from the store's position (DESIGN.md: "Batch the
        commits, not the order")."""
        if self._deciding is not None:
            raise RuntimeError("a batch is already being decided")
        deciding = ProcessingEvent[UUID]()
        self._deciding, self.pending.decided = deciding, {}
        try:
            yield
        finally:
            self._deciding, self.pending.decided = None, None
        if deciding.events or deciding.tracking is not None:
            recordings = self._record(deciding)
            self._notify(recordings)

    def forget_cached(self) -> None:
        """Empty the aggregate cache: after a store fault during a commit, whether the commit
        happened is unknown, and the cache (filled only after a commit that returned) may be
        behind the store; every aggregate is read from the store again."""
        cache = self.repository.cache
        if isinstance(cache, LRUCache):
            self.repository.cache = LRUCache(maxsize=cache.maxsize)
        elif cache is not None:
            self.repository.cache = Cache()

    def find(self, aggregate_id: UUID) -> Any | None:
        """The aggregate, or None if this service holds none by that id."""
        # one lookup: ``in self.repository`` and then ``get`` would ask the store twice
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def peek(self, aggregate_id: UUID) -> Any | None:
        """The aggregate as it stands (as the batch left it), or None: the object itself, not a
        copy, for reading only. A change made to it would reach the cache without an event, so
        anything that may change or record an aggregate uses :meth:`find`."""
        decided = self.pending.decided
        if decided is not None and aggregate_id in decided:
            return decided[aggregate_id]
        try:
            return self.repository.get(aggregate_id, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            return None

    def get_or_refuse(self, aggregate_id: UUID, field: str, kind: str, given: str) -> Any:
        """The aggregate a command names, or a refusal naming the field and what was given."""
        found = self.find(aggregate_id)
        if found is None:
            raise not_found(field, kind, given)
        return found

    def advance(self, upstream: str, position: int) -> None:
        """Record ``position`` as processed for ``upstream`` with no new events (within
        :meth:`one_commit`, with the batch's commit)."""
        tracking = Tracking(application_name=upstream, notification_id=position)
        if self._deciding is not None:
            self._deciding.tracking = tracking
            return
        self.process_recorder.insert_tracking(tracking)


class PendingRepository(Repository[UUID]):
    """The repository of a :class:`ServiceApplication`: while a batch is being decided, an
    aggregate the batch recorded is read as the batch left it (a deep copy, as from the cache,
    so an attempt refused half-way changes nothing)."""

    decided: dict[UUID, Any] | None = None

    def __contains__(self, aggregate_id: object) -> bool:
        """Whether the aggregate exists, without rebuilding it: in the batch, in the cache (which
        this process, the store's one writer, keeps current: ADR 11), or else one read of the
        store (asked for every new aggregate's id, so it costs one indexed read, not a
        reconstruction in a transaction of its own)."""
        if not isinstance(aggregate_id, UUID):
            return super().__contains__(aggregate_id)  # type: ignore[operator]
        decided = self.decided
        if decided is not None and aggregate_id in decided:
            return True
        if self.cache is not None:
            with contextlib.suppress(KeyError):
                self.cache.get(aggregate_id)
                return True
        holds = getattr(self.event_store.recorder, "holds", None)
        if holds is None:  # a recorder without it (not one of the platform's stores)
            return super().__contains__(aggregate_id)
        return bool(holds(aggregate_id))

    def get(self, aggregate_id: UUID, *, version: int | None = None, **options: Any) -> Any:
        decided = self.decided
        if decided is not None and version is None and aggregate_id in decided:
            return copy.deepcopy(decided[aggregate_id])
        return super().get(aggregate_id, version=version, **options)


EVENT_NAMESPACE = UUID("6f1c2b9e-3d4a-5e6f-8a7b-9c0d1e2f3a4b")


def stable_event_id(service: str, domain_event: Any) -> UUID:
    """The integration event id of a stored domain event: the same on every republish.

    The service is part of the name: two services may hold aggregates with the same id (each
    its own view of one base), and the log's ids are unique across the whole stream.
    """
    name = f"{service}:{domain_event.originator_id}:{domain_event.originator_version}"
    return uuid5(EVENT_NAMESPACE, name)


class LockHeldError(RuntimeError):
    """Another live process holds the lock; ``pid`` is what it wrote there."""

    def __init__(self, path: Path, pid: str) -> None:
        super().__init__(f"{path} is held by pid {pid}")
        self.pid = pid


@contextlib.contextmanager
def pid_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (writing this pid in it) while the block runs.

    The kernel releases it when the process ends, however it ends: no stale lock to clean up.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise LockHeldError(path, handle.read().strip() or "?") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield


def open_store(construct: Callable[[], A], attempts: int = 5) -> A:
    """Build a service's application, its tables created if missing.

    Services that share one PostgreSQL schema create its tables and shared type at start-up at
    the same moment; a start that loses that race (:mod:`shared.ddl`) tries again, a bounded
    number of times.
    """
    return create_racing(construct, attempts, pause=0.2)
