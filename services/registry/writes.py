"""A batch's writes: what the projection writes at once, what it may write at the batch's end,
and the business times of the causes it has seen (ADR 17).

Most rows an event makes are read by no later event of its batch: its timeline line, its links,
its stars, its leaves of the Merkle tree. :class:`BatchWriter` passes every statement of an event
that later events do read (its entry, its title, its version) to the store at once, and keeps the
others to write with one ``executemany`` per statement at the end of the batch, in the order they
came. What an event looks up of its cause (``projections._effective``) it finds in :class:`Causes`
first: the causes of this batch (whose timeline lines are not written yet) and of recent batches.

Used only by the optimistic batch of ``projections.apply_batch``: if anything fails there, the
batch is taken back and applied again one event at a time with the plain cursor, where ``later``
writes at once and no cause is looked up in memory; the same statements, in the same order for
each table, so the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.registry.adapters.db import Cursor, Row

Cause = tuple[datetime, str | None]
"""What a later event reads of its cause: when the cause occurred (as its envelope says), and
the business time of the cause's own version in the history (None: its subject has no entry)."""


@dataclass
class Causes:
    """The causes of recent events, by event id, of one registry's tables: two generations of at
    most :attr:`capacity` each, so memory stays flat at any length of the log. A miss is asked of
    the store. Valid only while the store's position is the one they were committed at: another
    writer (a swap, a drop, a second process) empties them."""

    capacity: int = 50_000
    position: tuple[str, int] | None = None
    """The stream and position of the store when they were last committed."""
    current: dict[str, Cause] = field(default_factory=dict)
    previous: dict[str, Cause] = field(default_factory=dict)

    def follow(self, position: tuple[str, int]) -> None:
        """At a batch's start: forget everything unless the store is where they left it."""
        if position != self.position:
            self.clear()

    def get(self, event_id: str) -> Cause | None:
        return self.current.get(event_id) or self.previous.get(event_id)

    def commit(self, seen: dict[str, Cause], position: tuple[str, int]) -> None:
        """After a batch's commit: its causes join the others, the oldest generation goes."""
        self.current.update(seen)
        if len(self.current) > self.capacity:
            self.previous, self.current = self.current, {}
        self.position = position

    def clear(self) -> None:
        self.current, self.previous, self.position = {}, {}, None


class BatchWriter:
    """A cursor for the optimistic batch: ``execute`` goes to the store at once, ``later`` at
    :meth:`flush`; causes are read from the batch and from :class:`Causes` before the store."""

    def __init__(self, cursor: Cursor, causes: Causes) -> None:
        self.cursor, self.causes = cursor, causes
        self.deferred: dict[str, list[Sequence[Any]]] = {}
        self.seen: dict[str, Cause] = {}
        """The causes of this batch: every event applied in it, by event id."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.cursor.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        return self.cursor.executemany(sql, rows)

    def fetchall(self) -> list[Row]:
        return self.cursor.fetchall()

    def fetchone(self) -> Row | None:
        return self.cursor.fetchone()

    def fetchmany(self, size: int) -> list[Row]:
        return self.cursor.fetchmany(size)

    def later(self, sql: str, params: Sequence[Any]) -> None:
        self.deferred.setdefault(sql, []).append(params)

    def cause(self, event_id: str) -> Cause | None:
        return self.seen.get(event_id) or self.causes.get(event_id)

    def flush(self) -> None:
        """Write what was kept, one statement at a time in the order first used (each table has
        one statement here, so its rows go in the order the events made them)."""
        for sql, rows in self.deferred.items():
            self.cursor.executemany(sql, rows)
        self.deferred = {}


def later(cursor: Cursor, sql: str, params: Sequence[Any]) -> None:
    """Write a row that no later event of the batch reads: at the batch's end in the optimistic
    batch, at once otherwise."""
    if isinstance(cursor, BatchWriter):
        cursor.later(sql, params)
    else:
        cursor.execute(sql, params)
