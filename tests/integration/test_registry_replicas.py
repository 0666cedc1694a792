"""The read side scales out as registry replicas (ADR 19; issue 9, item 4).

Each replica (``REGISTRY_REPLICA``) is its own projection of the one log: its own store and its own
durable consumer. Two replicas on one server must not share a consumer (they would split the log
between them, each missing half), and must end with the same digest as each other.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from services.registry.bootstrap import THE_LOG, build_registry, replica_reader
from services.registry.queries import applied, digest
from shared.bus.connection import connect
from shared.bus.consumer import TrackedConsumer
from shared.bus.runtime import ServiceRuntime
from shared.bus.server import EmbeddedNats
from shared.bus.streams import ensure_streams
from shared.config import Settings
from shared.contract.subjects import EVENTS_STREAM
from tests.integration.test_registry_quarantine import SUBMITTED, submitted
from tests.support import running, wait_until

pytestmark = pytest.mark.integration

N = 40


def replica(tmp_path: Path, name: str) -> Settings:
    return Settings(var_dir=tmp_path / name, persistence_module="eventsourcing.sqlite",
                    registry_replica=name)  # fmt: skip


def test_each_replica_reads_through_a_durable_of_its_own(tmp_path: Path) -> None:
    assert replica_reader(replica(tmp_path, "east")) == "registry-east"
    assert replica_reader(Settings(var_dir=tmp_path)) == ""
    consumer = TrackedConsumer.__new__(TrackedConsumer)
    consumer.service, consumer.stream, consumer.reader = "registry", EVENTS_STREAM, "registry-east"
    assert consumer.durable == "registry-east-events"


async def test_two_registry_replicas_each_apply_the_whole_log_with_one_digest(
    nats_server: EmbeddedNats, tmp_path: Path
) -> None:
    """ADR 19: two replicas on one server each apply every event (no split), and their digests
    are equal."""
    nc = await connect(nats_server.url, "tool")
    js = nc.jetstream()
    await ensure_streams(js)
    for number in range(N // 2):
        await js.publish(SUBMITTED, submitted(number))
    settings = [replica(tmp_path, name) for name in ("east", "west")]
    registries = [build_registry(s) for s in settings]
    runtimes = [
        ServiceRuntime("registry", nats_server.url, registry, (THE_LOG,), reader=replica_reader(s))
        for registry, s in zip(registries, settings, strict=True)
    ]
    async with running(*runtimes):
        for number in range(N // 2, N):
            await js.publish(SUBMITTED, submitted(number))
        for registry in registries:
            await wait_until(lambda r=registry: applied(r.db, EVENTS_STREAM)[0] == N, timeout=20)
        await asyncio.sleep(0.2)
    await nc.drain()
    assert digest(registries[0].db) == digest(registries[1].db)
