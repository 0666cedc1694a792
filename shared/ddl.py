"""Creating tables when several services start at once on one PostgreSQL schema.

Services that share a schema (a cluster deployment, a writer and its standbys) start together and
each creates what is missing. PostgreSQL's ``CREATE ... IF NOT EXISTS`` is not safe against that:
the one that loses the race gets a duplicate key in the catalogue (``pg_type``), "type … already
exists", "relation … already exists" or "tuple concurrently updated", and eventsourcing's record of
its schema's migration ("Failed to record tracking for __migration__") an integrity error. The
loser tries again, a bounded number of times; anything else is raised at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from eventsourcing.persistence import IntegrityError

T = TypeVar("T")

RACE_SQLSTATES = frozenset({
    "23505",  # unique_violation: the catalogue's own unique index (pg_type_typname_nsp_index)
    "42710",  # duplicate_object: the table's row type made by the other start
    "42P07",  # duplicate_table
    "42P06",  # duplicate_schema
    "XX000",  # internal_error: "tuple concurrently updated" (both wrote one catalogue row)
})  # fmt: skip
ATTEMPTS = 5


def lost_creation_race(error: BaseException) -> bool:
    """Whether ``error`` (psycopg's, or eventsourcing's around it) is a lost creation race."""
    if isinstance(error, IntegrityError):  # at start-up: the catalogue's or the migration's
        return True
    cause: BaseException | None = error
    for _ in range(4):  # eventsourcing wraps psycopg's error once or twice
        if cause is None:
            return False
        if getattr(cause, "sqlstate", None) in RACE_SQLSTATES:
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def create_racing(create: Callable[[], T], attempts: int = ATTEMPTS, pause: float = 0.1) -> T:
    """``create()``, tried again after a lost creation race, ``attempts`` times at most."""
    for attempt in range(1, attempts + 1):
        try:
            return create()
        except Exception as error:
            if attempt == attempts or not lost_creation_race(error):
                raise
            time.sleep(pause * attempt)
    raise AssertionError("unreachable")
