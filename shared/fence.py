"""One writer per service store, fenced, with standbys (ADR 19).

A service caches its aggregates because nobody else writes its store (ADR 11). That is only true
while exactly one process of the service decides, so every process of a service first takes the
service's **writer lock** (a PostgreSQL advisory lock held on a connection of its own, or an
``flock`` on ``var/<service>.lock`` beside the SQLite file). A second process waits for it, as a
standby, and takes over when the writer dies.

A lock alone is not a fence: PostgreSQL can end the session that holds it (an administrator, a
restart, a network cut) while the process holding it carries on, and a lock file can be deleted.
So taking the lock also advances the service's **epoch**, a number kept in the store itself
(table ``demobase_writer``), and every commit of the service reads the epoch inside its own
transaction (``FOR SHARE`` on PostgreSQL; SQLite's write transactions are serial): a commit made
under an epoch another process has advanced since is refused, whatever the lock said, and the
process stops deciding (:class:`WriterFencedError`). The lock is what a standby waits on; the epoch
is what makes two writers impossible.

A writer that finds its lock gone (checked every :data:`CONFIRM_INTERVAL` seconds) commits
nothing until it has it again (:class:`WriterLockLostError`, waited out like any store fault):
if nobody took the lock meanwhile, it takes it again and moves the epoch on from its own, and
carries on with its cache intact (nobody can have written); if somebody did, it is fenced.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

import psycopg
import structlog
from eventsourcing.persistence import InterfaceError, OperationalError, Tracking
from eventsourcing.postgres import PostgresProcessRecorder
from eventsourcing.sqlite import SQLiteProcessRecorder
from eventsourcing.utils import retry
from psycopg import sql

from shared.config import Settings
from shared.ddl import create_racing
from shared.metrics import WRITER_ACTIVE

log = structlog.get_logger()

CONFIRM_INTERVAL = 1.0
"""Seconds between a writer's checks that it still holds its lock."""
STANDBY_INTERVAL = 0.5
"""Seconds between a standby's tries at the writer's lock."""
TABLE = "demobase_writer"
"""The table, in each service's store, holding each service's writer epoch."""

LOCK_FAULTS: tuple[type[Exception], ...] = (psycopg.Error, sqlite3.Error, OSError)
"""Faults of the lock's or the epoch's store itself: waited out, never a decision."""


class WriterLockLostError(RuntimeError):
    """This process's writer lock is gone and not yet taken again: nothing is committed until it
    is (a store fault, waited out: ``shared.store.STORE_FAULTS``)."""


class WriterFencedError(RuntimeError):
    """Another process has become this service's writer: this one must stop deciding, and stops
    (exit status 5); restarted, it stands by."""


class WriterLock(Protocol):
    """The lock a standby waits on."""

    where: str

    def try_take(self) -> str | None:
        """Take the lock if free: None when taken, else who holds it."""

    def still_held(self) -> bool: ...

    def release(self) -> None: ...


class EpochTable(Protocol):
    """The writer epochs kept in the store, read inside each commit."""

    def advance(self, service: str, holder: str, expected: int | None) -> int | None:
        """Move ``service``'s epoch on (from ``expected`` only, when given): the new epoch, or
        None if it was no longer ``expected`` (somebody else has written since)."""

    def read(self, cursor: Any, service: str) -> int | None:
        """``service``'s epoch as the commit's own transaction (``cursor``) sees it."""


def advisory_key(settings: Settings, service: str) -> int:
    name = f"demobase:{settings.postgres_dbname}:{settings.postgres_schema}:{service}"
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@dataclass
class PostgresWriterLock:
    """A session-level advisory lock on a connection of its own, named in ``pg_stat_activity``
    as ``demobase <service> writer (pid N)``."""

    conninfo: str
    key: int
    name: str
    where: str
    connection: psycopg.Connection[Any] | None = None

    def try_take(self) -> str | None:
        if self.connection is None or self.connection.closed:
            self.connection = psycopg.connect(
                self.conninfo, autocommit=True, connect_timeout=5, application_name=self.name
            )
        row = self.connection.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        if row and row[0]:
            return None
        holder = self.connection.execute(
            "SELECT a.application_name, a.pid FROM pg_locks l JOIN pg_stat_activity a "
            "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
            "AND l.classid::bigint = %s AND l.objid::bigint = %s AND l.objsubid = 1",
            ((self.key >> 32) & 0xFFFFFFFF, self.key & 0xFFFFFFFF),
        ).fetchone()
        return f"{holder[0] or '?'} (backend {holder[1]})" if holder else "another session"

    def still_held(self) -> bool:
        if self.connection is None or self.connection.closed:
            return False
        try:
            self.connection.execute("SELECT 1")
        except psycopg.Error:
            self.release()
            return False
        return True

    def release(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(psycopg.Error):
                self.connection.close()
            self.connection = None


@dataclass
class FileWriterLock:
    """An ``flock`` on a file holding the writer's pid; held only while the file at ``path`` is
    still the one locked (a deleted or replaced lock file is a lost lock)."""

    path: Path
    where: str
    handle: Any = None

    def try_take(self) -> str | None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            handle.close()
            return f"pid {holder}"
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self.release()
        self.handle = handle
        return None

    def still_held(self) -> bool:
        if self.handle is None:
            return False
        try:
            now, locked = os.stat(self.path), os.fstat(self.handle.fileno())
        except FileNotFoundError:
            return False
        return (now.st_dev, now.st_ino) == (locked.st_dev, locked.st_ino)

    def release(self) -> None:
        if self.handle is not None:
            with contextlib.suppress(OSError):
                self.handle.close()
            self.handle = None


@dataclass(frozen=True)
class PostgresEpochs:
    conninfo: str
    schema: str

    @property
    def table(self) -> sql.Composed:
        return sql.SQL("{}.{}").format(sql.Identifier(self.schema), sql.Identifier(TABLE))

    def advance(self, service: str, holder: str, expected: int | None) -> int | None:
        with psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5) as connection:
            self._create(connection)
            if expected is None:
                statement = sql.SQL(
                    "INSERT INTO {t} AS w (service, epoch, holder, since) "
                    "VALUES (%s, 1, %s, now()) ON CONFLICT (service) DO UPDATE "
                    "SET epoch = w.epoch + 1, holder = EXCLUDED.holder, since = now() "
                    "RETURNING epoch"
                ).format(t=self.table)
                row = connection.execute(statement, (service, holder)).fetchone()
            else:
                statement = sql.SQL(
                    "UPDATE {t} SET epoch = epoch + 1, holder = %s, since = now() "
                    "WHERE service = %s AND epoch = %s RETURNING epoch"
                ).format(t=self.table)
                row = connection.execute(statement, (holder, service, expected)).fetchone()
        return None if row is None else int(row[0])

    def _create(self, connection: psycopg.Connection[Any]) -> None:
        def create() -> None:  # services sharing a schema create it at the same moment
            connection.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema))
            )
            connection.execute(sql.SQL(
                "CREATE TABLE IF NOT EXISTS {t} (service text PRIMARY KEY, "
                "epoch bigint NOT NULL, holder text NOT NULL, since timestamptz NOT NULL)"
            ).format(t=self.table))  # fmt: skip

        create_racing(create)

    def read(self, cursor: Any, service: str) -> int | None:
        statement = sql.SQL("SELECT epoch FROM {t} WHERE service = %s FOR SHARE")
        cursor.execute(statement.format(t=self.table), (service,))
        row = cursor.fetchone()
        return None if row is None else int(row["epoch"])


@dataclass(frozen=True)
class SQLiteEpochs:
    path: Path

    def advance(self, service: str, holder: str, expected: int | None) -> int | None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            connection.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} (service TEXT PRIMARY KEY, "
                "epoch INTEGER NOT NULL, holder TEXT NOT NULL, since TEXT NOT NULL)"
            )
            connection.execute("BEGIN IMMEDIATE")
            row = connection.execute(
                f"SELECT epoch FROM {TABLE} WHERE service = ?", (service,)
            ).fetchone()
            current = None if row is None else int(row[0])
            if expected is not None and current != expected:
                connection.execute("ROLLBACK")
                return None
            epoch = (current or 0) + 1
            connection.execute(
                f"INSERT INTO {TABLE} (service, epoch, holder, since) "
                "VALUES (?, ?, ?, datetime('now')) ON CONFLICT (service) DO UPDATE "
                "SET epoch = excluded.epoch, holder = excluded.holder, since = excluded.since",
                (service, epoch, holder),
            )
            connection.execute("COMMIT")
            return epoch
        finally:
            connection.close()

    def read(self, cursor: Any, service: str) -> int | None:
        cursor.execute(f"SELECT epoch FROM {TABLE} WHERE service = ?", (service,))
        row = cursor.fetchone()
        return None if row is None else int(row[0])


STANDBY, HELD, LOST, FENCED = "standby", "held", "lost", "fenced"


@dataclass
class WriterFence:
    """This process's right to write one service's store: its lock, and its epoch."""

    service: str
    lock: WriterLock
    epochs: EpochTable
    epoch: int | None = None
    state: str = STANDBY
    holder: str = field(default_factory=lambda: f"pid {os.getpid()} on {os.uname().nodename}")

    async def take(self, stop: asyncio.Event) -> bool:
        """Wait for the writer's lock (as a standby while another process holds it), then move
        the epoch on; False if ``stop`` came first."""
        WRITER_ACTIVE.labels(self.service).set(0)
        standing_by: str | None = None
        while not stop.is_set():
            try:
                holder = await asyncio.to_thread(self.lock.try_take)
                if holder is None:
                    self.epoch = await asyncio.to_thread(
                        self.epochs.advance, self.service, self.holder, None
                    )
                    break
            except LOCK_FAULTS as error:
                log.warning("writer lock not reachable; trying again", where=self.lock.where,
                            error=f"{type(error).__name__}: {error}")  # fmt: skip
                holder = standing_by
            if holder != standing_by:
                log.info("standing by: another process writes this store", holder=holder,
                         where=self.lock.where)  # fmt: skip
                standing_by = holder
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=STANDBY_INTERVAL)
        else:
            self.lock.release()
            return False
        self.state = HELD
        WRITER_ACTIVE.labels(self.service).set(1)
        log.info("writing the store", epoch=self.epoch, where=self.lock.where,
                 took_over_from=standing_by)  # fmt: skip
        return True

    def check(self, cursor: Any) -> None:
        """Refuse the commit being made (``cursor`` is its transaction) unless this process is
        still the writer: called by the fenced recorders before anything is written."""
        if self.state == FENCED:
            raise WriterFencedError(self._fenced())
        if self.state != HELD:
            raise WriterLockLostError(
                f"the {self.service} writer lock ({self.lock.where}) was lost; nothing is "
                "committed until it is taken again"
            )
        recorded = self.epochs.read(cursor, self.service)
        if recorded != self.epoch:
            self.state = FENCED
            WRITER_ACTIVE.labels(self.service).set(0)
            raise WriterFencedError(self._fenced(recorded))

    def confirm(self) -> None:
        """Check the lock is still held; if not, take it again and move the epoch on from this
        process's own, or be fenced (raises :class:`WriterFencedError`). A store that cannot be
        reached leaves the writer waiting (no commit) until the next check."""
        if self.state == FENCED:
            raise WriterFencedError(self._fenced())
        if self.lock.still_held() and self.state == HELD:
            return
        if self.state == HELD:
            self.state = LOST
            log.warning("writer lock lost: no commit until it is taken again",
                        where=self.lock.where, epoch=self.epoch)  # fmt: skip
        try:
            if not self.lock.still_held():
                holder = self.lock.try_take()
                if holder is not None:
                    self._fence(f"the lock is now held by {holder}")
            epoch = self.epochs.advance(self.service, self.holder, self.epoch)
        except LOCK_FAULTS as error:
            log.warning("writer lock not taken again yet", error=f"{type(error).__name__}: {error}")
            return
        if epoch is None:
            self._fence("another process advanced the epoch")
        self.epoch, self.state = epoch, HELD
        log.info("writer lock taken again; nobody wrote meanwhile", epoch=epoch)

    async def watch(self, stop: asyncio.Event) -> None:
        """:meth:`confirm` every :data:`CONFIRM_INTERVAL` seconds until ``stop``; raises
        :class:`WriterFencedError` once another process is the writer."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=CONFIRM_INTERVAL)
            if not stop.is_set():
                await asyncio.to_thread(self.confirm)

    def release(self) -> None:
        self.lock.release()
        WRITER_ACTIVE.labels(self.service).set(0)

    def _fence(self, why: str) -> None:
        self.state = FENCED
        WRITER_ACTIVE.labels(self.service).set(0)
        self.lock.release()
        log.error("fenced: another process is the writer now", reason=why)
        raise WriterFencedError(self._fenced())

    def _fenced(self, recorded: int | None = None) -> str:
        now = f" (epoch {recorded} in the store)" if recorded is not None else ""
        return (
            f"another {self.service} process has become the writer of {self.lock.where} since "
            f"this one took epoch {self.epoch}{now}: this process stops deciding"
        )


def writer_fence(settings: Settings, service: str) -> WriterFence:
    """The fence of ``service``'s store as ``settings`` place it."""
    if settings.uses_postgres:
        schema = settings.postgres_schema or "public"
        where = f"PostgreSQL {settings.postgres_dbname}/{schema}"
        lock: WriterLock = PostgresWriterLock(
            settings.postgres_conninfo, advisory_key(settings, service),
            f"demobase {service} writer (pid {os.getpid()})", where,
        )  # fmt: skip
        return WriterFence(service, lock, PostgresEpochs(settings.postgres_conninfo, schema))
    store = settings.var_dir / f"{service}.sqlite"
    lock = FileWriterLock(settings.var_dir / f"{service}.lock", str(store))
    return WriterFence(service, lock, SQLiteEpochs(store))


class FencedSQLiteProcessRecorder(SQLiteProcessRecorder):
    """SQLite's process recorder, refusing every commit this process may no longer make."""

    fence: WriterFence | None = None

    def _insert_events(self, c: Any, stored_events: Any, **kwargs: Any) -> Any:
        if self.fence is not None:
            self.fence.check(c)
        return super()._insert_events(c, stored_events, **kwargs)

    def insert_tracking(self, tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as c:
            if self.fence is not None:
                self.fence.check(c)
            self._insert_tracking(c, tracking)

    def holds(self, originator_id: UUID) -> bool:
        """Whether the store holds any event of ``originator_id``: one indexed read in SQLite's
        own read transaction (no BEGIN and ROLLBACK of its own, no event read back), asked for
        every new aggregate's id, once an attempt."""
        statement = f"SELECT 1 FROM {self.events_table_name} WHERE originator_id = ? LIMIT 1"
        with (
            self.datastore.get_connection(commit=False) as connection,
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, (originator_id.hex,))
            return cursor.fetchone() is not None


class FencedPostgresProcessRecorder(PostgresProcessRecorder):
    """PostgreSQL's process recorder, refusing every commit this process may no longer make."""

    fence: WriterFence | None = None

    def _insert_events(self, curs: Any, stored_events: Any, **kwargs: Any) -> None:
        if self.fence is not None:
            self.fence.check(curs)
        super()._insert_events(curs, stored_events, **kwargs)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_tracking(self, tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as curs:
            if self.fence is not None:
                self.fence.check(curs)
            self._insert_tracking(curs, tracking)

    def holds(self, originator_id: UUID) -> bool:
        """Whether the store holds any event of ``originator_id`` (its first, not all)."""
        return bool(self.select_events(originator_id, limit=1))
