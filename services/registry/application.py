"""The registry's application: apply the log live, one event at a time, or rebuild from 1."""

from __future__ import annotations

from collections.abc import Sequence

from services.registry.adapters.db import Database
from services.registry.projections import (
    OutOfOrderError,
    apply,
    create_tables,
    drop_tables,
    position,
)
from shared.bus.consumer import Delivery, TransientError


class Registry:
    """The read model of the whole log, in its own store."""

    name = "registry"

    def __init__(self, db: Database) -> None:
        self.db = db
        create_tables(db)

    def position(self, upstream: str) -> int:
        with self.db.transaction() as cursor:
            return position(cursor, self.db.table_prefix, upstream)[0]

    def handle(self, delivery: Delivery) -> bytes | None:
        """Apply one event live, with its sequence, in one transaction."""
        self.handle_batch([delivery])
        return None

    def handle_batch(self, deliveries: Sequence[Delivery]) -> None:
        """Apply several events live, in sequence, in one transaction (a backlog catches up
        with one commit per batch, not per event)."""
        try:
            self.apply_batch(deliveries[0].stream, [(d.sequence, d.data) for d in deliveries])
        except OutOfOrderError as error:
            raise TransientError(str(error)) from error

    def apply_batch(self, stream: str, batch: Sequence[tuple[int, bytes]]) -> int:
        """Apply events in order in one transaction; return how many were new."""
        with self.db.transaction() as cursor:
            return sum(
                apply(cursor, self.db.table_prefix, stream, seq, data) for seq, data in batch
            )

    def drop(self) -> None:
        """Forget everything; the next events applied start from sequence 1."""
        drop_tables(self.db)
        create_tables(self.db)
