"""The registry's application: apply the log live, one event at a time, or rebuild from 1."""

from __future__ import annotations

from collections.abc import Sequence

from services.registry import quarantine, tree
from services.registry.adapters.db import CONNECTION_FAULTS, Database
from services.registry.projections import (
    OutOfOrderError,
    apply_batch,
    create_tables,
    drop_tables,
    position,
    swap_tables,
)
from services.registry.writes import Causes
from shared.bus.consumer import Delivery, TransientError

Applied = tuple[int, bytes] | tuple[int, bytes, str]
"""One event to apply: its sequence, its bytes and (where known) the subject it was published on."""

NEW_TABLES = "new_"
"""Added to the registry's table prefix for the tables a rebuild fills before they replace it."""


class Registry:
    """The read model of the whole log, in its own store."""

    name = "registry"

    def __init__(self, db: Database, *, with_indexes: bool = True) -> None:
        self.db = db
        create_tables(db, with_indexes=with_indexes)
        with db.transaction() as cursor:  # the Merkle tree of the log (tree.py, ADR 16)
            tree.create(cursor, db.table_prefix)
        self.reused: list[tree.Reused] = []
        """Events that came again at a sequence applied already, with other bytes (alarms)."""
        self.causes = Causes()
        """The business times of recent events, for the events they cause (``writes.py``)."""

    def position(self, upstream: str) -> int:
        with self.db.transaction() as cursor:
            return position(cursor, self.db.table_prefix, upstream)[0]

    def recorded_leaf(self, sequence: int) -> bytes | None:
        """The leaf hash of the event this registry applied at ``sequence`` of the log, if its
        tree holds one: what the consumer compares with the stream before it goes on."""
        with self.db.snapshot() as cursor:
            return tree.leaf(cursor, self.db.table_prefix, sequence)

    def handle(self, delivery: Delivery) -> bytes | None:
        """Apply one event live, with its sequence, in one transaction."""
        self.handle_batch([delivery])
        return None

    def handle_batch(self, deliveries: Sequence[Delivery]) -> None:
        """Apply several events live, in sequence, in one transaction (a backlog catches up
        with one commit per batch, not per event)."""
        try:
            self.apply_batch(
                deliveries[0].stream, [(d.sequence, d.data, d.subject) for d in deliveries]
            )
        except OutOfOrderError as error:
            raise TransientError(str(error)) from error
        except CONNECTION_FAULTS as error:  # a PostgreSQL backend ended, a locked file: waited out
            self.causes.clear()  # the commit's outcome is unknown: the store is the truth
            raise TransientError(f"{type(error).__name__}: {error}") from error

    def apply_batch(self, stream: str, batch: Sequence[Applied]) -> int:
        """Apply events in order in one transaction (an event that cannot be applied is
        quarantined, with its subject); return how many were new."""
        prefix = self.db.table_prefix
        with self.db.transaction() as cursor:
            reused = tree.append_batch(cursor, prefix, batch)  # before ``apply`` moves on
            applied = apply_batch(cursor, prefix, stream, batch, self.causes)
        self.causes.commit(applied.seen, (stream, applied.position))  # committed: now they hold
        self.reused += reused
        quarantine.count(self.db)  # the gauge follows the store
        return applied.new

    def drop(self) -> None:
        """Forget everything; the next events applied start from sequence 1."""
        drop_tables(self.db)
        with self.db.transaction() as cursor:
            tree.drop(cursor, self.db.table_prefix)
        create_tables(self.db)
        with self.db.transaction() as cursor:
            tree.create(cursor, self.db.table_prefix)

    def new_tables(self) -> Registry:
        """An empty registry in new tables of the same store, for a rebuild to fill while this
        one serves (what an earlier rebuild left there is dropped). Its commits are not flushed
        one by one: the swap's transaction, on this registry's connection, makes them durable."""
        new = self.db.with_prefix(self.db.table_prefix + NEW_TABLES, durable=False)
        drop_tables(new)
        with new.transaction() as cursor:
            tree.drop(cursor, new.table_prefix)
        return Registry(new, with_indexes=False)

    def replace_with(self, new: Registry, stream: str, *, catch_up: bool = True) -> int | None:
        """Swap ``new``'s tables in for this registry's, atomically; None once done.

        With ``catch_up``, a registry that has applied more of ``stream`` than ``new`` (the live
        consumer went on during the rebuild) is not replaced: its position is returned, for
        ``new`` to reach first. No writer can advance between that check and the swap.
        """
        live, staged = self.db.table_prefix, new.db.table_prefix
        with self.db.transaction() as cursor:
            self.db.exclusive(cursor, f"{live}position")
            done = position(cursor, live, stream)[0]
            if catch_up and done > position(cursor, staged, stream)[0]:
                return done
            swap_tables(cursor, live, staged)
            tree.swap(cursor, live, staged)
        new.db.close()
        quarantine.count(self.db)
        return None

    def discard(self) -> None:
        """Drop this registry's tables (a rebuild that did not complete)."""
        drop_tables(self.db)
        with self.db.transaction() as cursor:
            tree.drop(cursor, self.db.table_prefix)
        self.db.close()
