"""The registry's Merkle tree over ``EVENTS`` (RFC 9162), kept beside its projection and rebuilt
with it (ADR 16).

Leaf ``i`` is the event at stream sequence ``i + 1``, hashed from its bytes as the stream holds
them. The store keeps every perfect subtree (level, index, hash): an append writes the leaf and
the subtrees it completes (two rows per event on average, in the batch's transaction), and the
hash of any range a proof needs is a few rows. The tree's size is the registry's position; a
sequence at or below it that arrives again with other bytes is a *reused sequence*: an alarm,
never a silent skip.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from prometheus_client import Counter

from services.registry.adapters.db import Cursor, Database
from shared.transparency.merkle import (
    EMPTY_ROOT,
    Frontier,
    PerfectHash,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    range_hash,
)

log = structlog.get_logger()

TABLE = "merkle"
REUSED = Counter(
    "registry_log_sequence_reused_total",
    "Events that arrived at a sequence the registry had passed, with other bytes",
)


def create(cursor: Cursor, prefix: str) -> None:
    cursor.execute(
        f"""CREATE TABLE IF NOT EXISTS {prefix}{TABLE} (
            level INTEGER NOT NULL, idx BIGINT NOT NULL, hash TEXT NOT NULL,
            PRIMARY KEY (level, idx))"""
    )


def drop(cursor: Cursor, prefix: str) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {prefix}{TABLE}")


def swap(cursor: Cursor, live: str, new: str) -> None:
    """Replace the live tree by a rebuild's, in the caller's transaction (with the projection)."""
    cursor.execute(f"DROP TABLE IF EXISTS {live}{TABLE}")
    cursor.execute(f"ALTER TABLE {new}{TABLE} RENAME TO {live}{TABLE}")


def size(cursor: Cursor, prefix: str) -> int:
    cursor.execute(f"SELECT MAX(idx) FROM {prefix}{TABLE} WHERE level = 0")
    row = cursor.fetchone()
    return 0 if row is None or row[0] is None else int(row[0]) + 1


def leaf(cursor: Cursor, prefix: str, sequence: int) -> bytes | None:
    """The leaf hash of the event at ``sequence`` (the tree's leaf ``sequence - 1``), if held."""
    try:
        return _perfect(cursor, prefix)(0, sequence - 1)
    except LookupError:
        return None


def _perfect(cursor: Cursor, prefix: str) -> PerfectHash:
    def perfect(level: int, index: int) -> bytes:
        cursor.execute(
            f"SELECT hash FROM {prefix}{TABLE} WHERE level = ? AND idx = ?", (level, index)
        )
        row = cursor.fetchone()
        if row is None:
            raise LookupError(f"the tree has no node at level {level}, index {index}")
        return bytes.fromhex(str(row[0]))

    return perfect


@dataclass(frozen=True)
class Reused:
    """An event at a sequence the tree holds already, with other bytes."""

    sequence: int
    held: str
    arrived: str


def append_batch(cursor: Cursor, prefix: str, batch: Sequence[tuple[Any, ...]]) -> list[Reused]:
    """Append the events of ``batch`` that extend the tree, in the caller's transaction; report
    each that arrives at a sequence the tree has passed with bytes other than those it holds."""
    held = size(cursor, prefix)
    perfect = _perfect(cursor, prefix)
    frontier = Frontier(held, [perfect(lv, ix) for lv, ix in Frontier.levels_of(held)])
    reused: list[Reused] = []
    nodes: list[tuple[int, int, str]] = []
    appended: dict[int, bytes] = {}  # this batch's leaves, not in the store until its end
    for event in batch:
        sequence, data = int(event[0]), bytes(event[1])
        hashed = leaf_hash(data)
        if sequence == frontier.size + 1:
            nodes += [(level, index, node.hex()) for level, index, node in frontier.append(hashed)]
            appended[sequence] = hashed
        elif sequence <= frontier.size:
            before = appended.get(sequence) or perfect(0, sequence - 1)
            if before != hashed:
                reused.append(Reused(sequence, before.hex(), hashed.hex()))
    if nodes:  # read by nothing until the batch is over: one statement for all of them
        cursor.executemany(
            f"INSERT INTO {prefix}{TABLE} (level, idx, hash) VALUES (?, ?, ?)", nodes
        )
    for alarm in reused:
        REUSED.inc()
        log.error(
            "a sequence the registry passed came again with other bytes: not applied",
            sequence=alarm.sequence, held=alarm.held[:16], arrived=alarm.arrived[:16],
        )  # fmt: skip
    return reused


@dataclass(frozen=True)
class Tree:
    """Reads of the registry's tree: its head, leaves and proofs."""

    db: Database

    @property
    def prefix(self) -> str:
        return self.db.table_prefix

    def head(self) -> tuple[int, bytes]:
        with self.db.snapshot() as cursor:
            held = size(cursor, self.prefix)
            return held, self._root(cursor, held)

    def _root(self, cursor: Cursor, at: int) -> bytes:
        return range_hash(0, at, _perfect(cursor, self.prefix)) if at else EMPTY_ROOT

    def root(self, at: int) -> bytes:
        with self.db.snapshot() as cursor:
            self._within(cursor, at)
            return self._root(cursor, at)

    def _within(self, cursor: Cursor, at: int) -> int:
        held = size(cursor, self.prefix)
        if not 0 <= at <= held:
            raise LookupError(f"the tree holds {held} leaves, not {at}")
        return held

    def leaf(self, index: int) -> bytes:
        with self.db.snapshot() as cursor:
            return _perfect(cursor, self.prefix)(0, index)

    def inclusion(self, index: int, at: int) -> list[bytes]:
        with self.db.snapshot() as cursor:
            self._within(cursor, at)
            return inclusion_proof(index, at, _perfect(cursor, self.prefix))

    def consistency(self, old: int, new: int) -> list[bytes]:
        with self.db.snapshot() as cursor:
            self._within(cursor, new)
            return consistency_proof(old, new, _perfect(cursor, self.prefix))
