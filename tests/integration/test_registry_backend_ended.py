"""The registry waits out a PostgreSQL that ends its session (issue 9, item 1).

``pg_terminate_backend`` of the registry's connection (a failover, an administrator, a restart)
made the registry exit every time: psycopg's ``AdminShutdown`` is an ``OperationalError``, the
store's fault and never the event's. The live projection now turns it into a ``TransientError``
(the consumer waits and applies the batch again from the recorded position) and the next batch
goes through a new connection.
"""

from __future__ import annotations

import psycopg
import pytest

from services.registry.bootstrap import build_registry
from services.registry.queries import applied
from shared.bus.consumer import Delivery, TransientError
from shared.config import Settings
from tests.integration.test_registry_quarantine import SUBMITTED, submitted

pytestmark = pytest.mark.integration


def delivery(sequence: int) -> Delivery:
    return Delivery("EVENTS", sequence, SUBMITTED, submitted(sequence))


def test_a_terminated_backend_is_a_transient_fault_and_the_next_batch_applies(
    postgres_settings: Settings, postgres_conninfo: str
) -> None:
    registry = build_registry(postgres_settings)
    registry.handle_batch([delivery(1), delivery(2)])
    with registry.db.transaction() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        row = cursor.fetchone()
        assert row is not None
    with psycopg.connect(postgres_conninfo, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (row[0],))

    with pytest.raises(TransientError, match=r"AdminShutdown|OperationalError"):
        registry.handle_batch([delivery(3)])
    registry.handle_batch([delivery(3), delivery(4)])  # as the consumer delivers it again

    assert applied(registry.db, "EVENTS")[0] == 4
