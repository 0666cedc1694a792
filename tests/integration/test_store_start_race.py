"""Services that share a PostgreSQL schema start at the same moment and create its tables together
(a cluster deployment, a writer and its standbys): `CREATE ... IF NOT EXISTS` is not safe against
that race, and the loser got "tuple concurrently updated" or a duplicate key in `pg_type`; each
start that meets one tries again (`shared.store.DDL_RACES`), so every service opens its store."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest

from services.evaluation.bootstrap import build_application as evaluation
from services.review.bootstrap import build_application as review
from services.submission.bootstrap import build_application as submission
from shared.config import Settings
from shared.fence import PostgresEpochs

pytestmark = pytest.mark.integration

ROUNDS = 4
"""Fresh schemas started into, one after the other."""
STARTS = (submission, review, evaluation) * 2
"""Each deciding service and a standby of each, all at once."""


def test_services_sharing_a_schema_all_start_at_once(
    postgres_settings: Settings, postgres_conninfo: str
) -> None:
    for _ in range(ROUNDS):
        schema = f"t_race_{uuid.uuid4().hex[:10]}"
        settings = postgres_settings.model_copy(update={"postgres_schema": schema})
        with psycopg.connect(postgres_conninfo, autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{schema}"')
        try:
            apps = start_together(settings, STARTS)
            assert len(apps) == len(STARTS)
            for app in apps:
                app.close()
            epochs = PostgresEpochs(settings.postgres_conninfo, schema)
            fences = start_together(settings, tuple(writer_epoch(epochs, n) for n in range(6)))
            assert sorted(fences) == [1] * 6  # each service its first writer epoch
        finally:
            with psycopg.connect(postgres_conninfo, autocommit=True) as connection:
                connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def writer_epoch(epochs: PostgresEpochs, n: int) -> Callable[[Settings], int | None]:
    """A service's first writer taking its epoch (the fence's table made if missing)."""
    return lambda _settings: epochs.advance(f"service-{n}", f"writer-{n}", None)


def start_together(settings: Settings, starts: tuple[Callable[[Settings], Any], ...]) -> list[Any]:
    """Every start called at the same moment (a barrier), each in a thread of its own."""
    barrier = threading.Barrier(len(starts))

    def start(build: Callable[[Settings], Any]) -> Any:
        barrier.wait(timeout=30)
        return build(settings)

    with ThreadPoolExecutor(len(starts)) as pool:
        return list(pool.map(start, starts))
