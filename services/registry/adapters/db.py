"""The registry's own store: SQLite by default, PostgreSQL when configured.

The SQL is written once, with ``?`` placeholders and ``ON CONFLICT`` upserts that both engines
understand; this adapter only differs in how it connects and how it spells a placeholder.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import psycopg

from shared.config import Settings

Row = tuple[Any, ...]

CONNECTION_FAULTS: tuple[type[Exception], ...] = (
    sqlite3.OperationalError,
    sqlite3.InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)
"""Faults of the store itself (locked, disk I/O, connection lost): never an event's fault, so
never quarantined; they propagate as they always did."""


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any: ...
    def fetchall(self) -> list[Row]: ...
    def fetchone(self) -> Row | None: ...
    def fetchmany(self, size: int) -> list[Row]: ...


class Database(Protocol):
    """What the projection and the queries need of a store."""

    table_prefix: str

    def transaction(self) -> contextlib.AbstractContextManager[Cursor]: ...
    def snapshot(self) -> contextlib.AbstractContextManager[Cursor]: ...
    def close(self) -> None: ...
    def with_prefix(self, table_prefix: str, *, durable: bool = True) -> Database:
        """The same store, its tables named with another prefix (a rebuild's new tables).

        With ``durable=False`` its commits are consistent but not flushed to disk one by one:
        for tables that nothing reads until a durable transaction of the store swaps them in
        (a rebuild's), so that a crash before the swap loses only a rebuild to run again."""

    def exclusive(self, cursor: Cursor, table: str) -> None:
        """Within a write transaction: keep every other writer and reader of ``table`` out."""


class SqliteDatabase:
    """One SQLite file; a connection per thread, WAL so that readers never wait for the writer."""

    def __init__(
        self, path: Path, table_prefix: str = "registry_", *, durable: bool = True
    ) -> None:
        self.path, self.table_prefix, self.durable = path, table_prefix, durable
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            # WAL with NORMAL never corrupts and keeps every commit's atomicity; it only leaves
            # the fsync to the next checkpoint or FULL commit (the swap's, on the live tables).
            connection.execute(f"PRAGMA synchronous={'FULL' if self.durable else 'NORMAL'}")
            self._local.connection = connection
        return connection

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Cursor]:
        """A write transaction: takes the write lock at once, so two writers never deadlock."""
        with self._begin("BEGIN IMMEDIATE") as cursor:
            yield cursor

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Cursor]:
        """A read transaction: one consistent view that never waits for the writer (WAL)."""
        with self._begin("BEGIN DEFERRED") as cursor:
            yield cursor

    @contextlib.contextmanager
    def _begin(self, statement: str) -> Iterator[Cursor]:
        connection = self._connection()
        cursor = connection.cursor()
        cursor.execute(statement)
        try:
            yield cursor
        except BaseException:
            connection.rollback()
            raise
        connection.commit()

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    def with_prefix(self, table_prefix: str, *, durable: bool = True) -> SqliteDatabase:
        return SqliteDatabase(self.path, table_prefix, durable=durable)

    def exclusive(self, cursor: Cursor, table: str) -> None:
        """Nothing to do: ``BEGIN IMMEDIATE`` holds the one write lock already, and WAL readers
        keep the view they started with."""


class _PgCursor:
    def __init__(self, cursor: psycopg.Cursor[Row]) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._cursor.execute(sql.replace("?", "%s"), params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        return self._cursor.executemany(sql.replace("?", "%s"), rows)

    def fetchall(self) -> list[Row]:
        return self._cursor.fetchall()

    def fetchone(self) -> Row | None:
        return self._cursor.fetchone()

    def fetchmany(self, size: int) -> list[Row]:
        return self._cursor.fetchmany(size)


class PostgresDatabase:
    """A PostgreSQL database (optionally a schema of it); a connection per thread."""

    def __init__(
        self,
        conninfo: str,
        schema: str = "",
        table_prefix: str = "registry_",
        *,
        durable: bool = True,
    ) -> None:
        self.conninfo, self.schema, self.table_prefix = conninfo, schema, table_prefix
        self.durable = durable
        self._local = threading.local()

    def _connection(self) -> psycopg.Connection[Row]:
        connection: psycopg.Connection[Row] | None = getattr(self._local, "connection", None)
        if connection is None or connection.closed:
            connection = psycopg.connect(self.conninfo, autocommit=True)
            if self.schema:
                connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                connection.execute(f'SET search_path TO "{self.schema}"')
            if not self.durable:  # a crash may lose the last commits, never make a partial one
                connection.execute("SET synchronous_commit TO off")
            self._local.connection = connection
        return connection

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Cursor]:
        connection = self._connection()
        with connection.transaction(), connection.cursor() as cursor:
            yield _PgCursor(cursor)

    def snapshot(self) -> contextlib.AbstractContextManager[Cursor]:
        """Reads under MVCC never block the writer; a transaction gives one consistent view."""
        return self.transaction()

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    def with_prefix(self, table_prefix: str, *, durable: bool = True) -> PostgresDatabase:
        return PostgresDatabase(self.conninfo, self.schema, table_prefix, durable=durable)

    def exclusive(self, cursor: Cursor, table: str) -> None:
        cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")


def open_database(settings: Settings, name: str = "registry") -> Database:
    """The registry's store as the settings say: PostgreSQL or an SQLite file under ``var/``."""
    if settings.uses_postgres:
        return PostgresDatabase(settings.postgres_conninfo, settings.postgres_schema, f"{name}_")
    return SqliteDatabase(settings.var_dir / f"{name}.sqlite", f"{name}_")
