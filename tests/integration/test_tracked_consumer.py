"""The tracked consumer over a real nats-server, feeding the registry on SQLite and PostgreSQL.

DESIGN.md, "Order before throughput": each stream is consumed strictly in sequence, with one
message in flight, from the position the store recorded; a transient failure gets the same message
again and nothing is skipped; a message at or below the recorded position changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from prometheus_client import REGISTRY

from services.registry.adapters.db import Database, open_database
from services.registry.application import Registry
from services.registry.queries import applied, digest
from shared.bus.connection import connect
from shared.bus.consumer import Delivery, TrackedConsumer, TransientError
from shared.bus.seam import Seam
from shared.bus.server import EmbeddedNats
from shared.bus.streams import ensure_streams
from shared.config import Settings
from shared.contract.envelope import Envelope, new_envelope
from shared.contract.events import ApplicationSubmitted
from shared.contract.subjects import EVENTS_STREAM, EVENTS_SUBJECTS
from tests.support import wait_until

pytestmark = pytest.mark.integration


@pytest.fixture
async def nc(nats_server: EmbeddedNats) -> AsyncIterator[Client]:
    client = await connect(nats_server.url, "test-tracked-consumer")
    try:
        await ensure_streams(client.jetstream())
        yield client
    finally:
        await client.drain()


@pytest.fixture
def js(nc: Client) -> JetStreamContext:
    return nc.jetstream()


def application_submitted(number: int) -> Envelope:
    application_id = f"NIID-430000-{number:012d}"
    payload = ApplicationSubmitted(
        application_id=application_id, programme="NIID", category="park",
        name=f"示范园区 {number}", applicant=f"示范园区 {number} 管理委员会", city="长沙市",
        domain="装备工业", zone=f"示范园区 {number}",
    )  # fmt: skip
    occurred = datetime(2026, 3, 2, 9, tzinfo=UTC) + timedelta(minutes=number)
    return new_envelope(
        payload,
        event_id=uuid4(),
        occurred_at=occurred,
        recorded_at=occurred + timedelta(seconds=1),
        actor="430000",
        province="430000",
        subject_id=application_id,
        correlation_id=uuid4(),
    )


async def publish(js: JetStreamContext, numbers: range) -> list[int]:
    """Publish one ApplicationSubmitted per number, as the relay does; return the sequences."""
    sequences = []
    for number in numbers:
        envelope = application_submitted(number)
        ack = await js.publish(
            envelope.subject, envelope.to_json(), headers={"Nats-Msg-Id": str(envelope.event_id)}
        )
        assert not ack.duplicate
        sequences.append(int(ack.seq))
    return sequences


@dataclass
class Spy:
    """A registry, with a record of every sequence it was handed and every failure it faked."""

    registry: Registry
    fail_once_at: set[int] = field(default_factory=set)
    stale_position: int | None = None
    handled: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    batches: list[int] = field(default_factory=list)

    def position(self, upstream: str) -> int:
        if self.stale_position is not None:
            return self.stale_position
        return self.registry.position(upstream)

    def handle(self, delivery: Delivery) -> bytes | None:
        if delivery.sequence in self.fail_once_at:
            self.fail_once_at.discard(delivery.sequence)
            self.failed.append(delivery.sequence)
            raise TransientError("the store is briefly unavailable")
        reply = self.registry.handle(delivery)
        self.handled.append(delivery.sequence)
        return reply

    def handle_batch(self, deliveries: Sequence[Delivery]) -> None:
        failing = self.fail_once_at & {d.sequence for d in deliveries}
        if failing:
            self.fail_once_at -= failing
            self.failed.extend(sorted(failing))
            raise TransientError("the store is briefly unavailable")
        self.registry.handle_batch(deliveries)
        self.handled.extend(d.sequence for d in deliveries)
        self.batches.append(len(deliveries))


@pytest.fixture
async def resources() -> AsyncIterator[list[tuple[Seam, Database]]]:
    """Seams and registry stores opened during a test (one pair per process), closed at its end:
    the store's connection of the seam's worker thread, then the test thread's."""
    opened: list[tuple[Seam, Database]] = []
    try:
        yield opened
    finally:
        for seam, db in opened:
            await seam.call(db.close)
            seam.close()
            db.close()


def new_process(settings: Settings, resources: list[tuple[Seam, Database]]) -> tuple[Spy, Seam]:
    """A fresh registry process: its own connection to the store and its own worker thread."""
    db = open_database(settings)
    seam = Seam("test-registry")
    resources.append((seam, db))
    return Spy(Registry(db)), seam


@dataclass
class Running:
    """A tracked consumer of the whole log, running in a task of its own."""

    consumer: TrackedConsumer
    task: asyncio.Task[None]
    spy: Spy
    seam: Seam

    async def until_applied(self, sequence: int) -> None:
        """Wait until the registry recorded ``sequence``; fail at once if the consumer died."""

        async def reached() -> bool:
            if self.task.done():
                self.task.result()
                raise AssertionError("the consumer stopped")
            position = await self.seam.call(self.spy.registry.position, EVENTS_STREAM)
            return position >= sequence

        await wait_until(reached, timeout=15)


@contextlib.asynccontextmanager
async def consuming(
    nc: Client, js: JetStreamContext, spy: Spy, seam: Seam, *, service: str, batch_size: int = 1
) -> AsyncIterator[Running]:
    """Run a tracked consumer of the whole log until the block ends."""
    consumer = TrackedConsumer(
        nc, js, service, EVENTS_STREAM, EVENTS_SUBJECTS, spy, seam, retry_delay=0.05,
        batch_size=batch_size,
    )  # fmt: skip
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        yield Running(consumer, task, spy, seam)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)


def timeline_counts(db: Database) -> tuple[int, int]:
    """Lines in the timeline, and distinct event ids among them."""
    with db.transaction() as cursor:
        cursor.execute(f"SELECT COUNT(*), COUNT(DISTINCT event_id) FROM {db.table_prefix}timeline")
        row = cursor.fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def service_name() -> str:
    return f"registry-{uuid4().hex[:8]}"


async def test_the_consumer_resumes_after_its_recorded_position_and_processes_each_message_once(
    nc: Client, js: JetStreamContext, settings: Settings, resources: list[tuple[Seam, Database]]
) -> None:
    service = service_name()
    assert await publish(js, range(1, 31)) == list(range(1, 31))

    first, seam = new_process(settings, resources)
    async with consuming(nc, js, first, seam, service=service) as running:
        await running.until_applied(30)
    assert first.handled == list(range(1, 31))
    assert running.consumer.position == 30
    labels = {"service": service, "stream": EVENTS_STREAM}
    assert REGISTRY.get_sample_value("demobase_events_consumed_total", labels) == 30
    assert REGISTRY.get_sample_value("demobase_consumer_lag_messages", labels) == 0

    assert await publish(js, range(31, 41)) == list(range(31, 41))

    restarted, seam = new_process(settings, resources)
    async with consuming(nc, js, restarted, seam, service=service) as running:
        await running.until_applied(40)
    assert restarted.handled == list(range(31, 41))
    db = restarted.registry.db
    assert applied(db, EVENTS_STREAM)[0] == 40
    assert timeline_counts(db) == (40, 40)


async def test_a_transient_failure_gets_the_same_message_again_and_skips_nothing(
    nc: Client, js: JetStreamContext, settings: Settings, resources: list[tuple[Seam, Database]]
) -> None:
    await publish(js, range(1, 13))
    spy, seam = new_process(settings, resources)
    spy.fail_once_at = {5, 9}

    async with consuming(nc, js, spy, seam, service=service_name()) as running:
        await running.until_applied(12)

    assert spy.failed == [5, 9]
    assert spy.handled == list(range(1, 13))
    assert timeline_counts(spy.registry.db) == (12, 12)


async def test_a_projection_catches_up_in_batches_in_order_and_a_failed_batch_skips_nothing(
    nc: Client, js: JetStreamContext, settings: Settings, resources: list[tuple[Seam, Database]]
) -> None:
    """ "Batch the commits, not the order": with 64 in flight, a backlog is applied 64 events per
    commit; a batch that fails records nothing, the consumer is rebuilt from the recorded
    position, and every event is applied once, in sequence."""
    await publish(js, range(1, 301))
    spy, seam = new_process(settings, resources)
    spy.fail_once_at = {100, 230}
    async with consuming(nc, js, spy, seam, service=service_name(), batch_size=64) as running:
        await running.until_applied(300)
        await publish(js, range(301, 306))  # live, after the backlog
        await running.until_applied(305)
    assert spy.failed == [100, 230]
    assert spy.handled == list(range(1, 306))
    assert max(spy.batches) > 1 and len(spy.batches) < 305
    assert timeline_counts(spy.registry.db) == (305, 305)
    assert applied(spy.registry.db, EVENTS_STREAM)[0] == 305


async def test_a_message_at_or_below_the_recorded_position_is_acked_and_skipped(
    nc: Client, js: JetStreamContext, settings: Settings, resources: list[tuple[Seam, Database]]
) -> None:
    await publish(js, range(1, 6))
    spy, seam = new_process(settings, resources)
    async with consuming(nc, js, spy, seam, service=service_name()) as running:
        await running.until_applied(5)
    before = digest(spy.registry.db)

    # The same messages delivered again, as after an ack that was lost.
    redelivery = await js.pull_subscribe_bind(
        durable=(await js.add_consumer(EVENTS_STREAM, config=_from(3))).name, stream=EVENTS_STREAM
    )
    for message in await redelivery.fetch(3, timeout=5):
        await running.consumer.process(message)

    async def all_acked() -> bool:
        info = await redelivery.consumer_info()
        return info.num_ack_pending == 0 and info.ack_floor.stream_seq == 5

    await wait_until(all_acked, timeout=10)
    assert spy.handled == [1, 2, 3, 4, 5]
    assert digest(spy.registry.db) == before
    await redelivery.unsubscribe()


async def test_reprocessing_events_the_store_has_already_applied_changes_nothing(
    nc: Client, js: JetStreamContext, settings: Settings, resources: list[tuple[Seam, Database]]
) -> None:
    """A consumer that starts behind the store is handed old messages again; the store applies
    none of them twice and what they recorded stays as it was."""
    await publish(js, range(1, 8))
    spy, seam = new_process(settings, resources)
    async with consuming(nc, js, spy, seam, service=service_name()) as running:
        await running.until_applied(7)
    before = recorded_rows(spy.registry.db)

    behind, seam = new_process(settings, resources)
    behind.stale_position = 2
    await publish(js, range(8, 10))
    async with consuming(nc, js, behind, seam, service=service_name()) as running:
        await running.until_applied(9)
        await wait_until(lambda: behind.handled[-1:] == [9], timeout=15)

    assert behind.handled == list(range(3, 10))
    assert applied(behind.registry.db, EVENTS_STREAM)[0] == 9
    assert timeline_counts(behind.registry.db) == (9, 9)
    assert recorded_rows(behind.registry.db) == before


def recorded_rows(db: Database) -> list[tuple[object, ...]]:
    """Every column of the timeline lines of sequences 1..7 and of the entries they made."""
    with db.transaction() as cursor:
        cursor.execute(
            f"SELECT * FROM {db.table_prefix}timeline WHERE sequence <= 7 ORDER BY sequence"
        )
        rows = cursor.fetchall()
        cursor.execute(
            f"SELECT * FROM {db.table_prefix}entries WHERE last_sequence <= 7 ORDER BY subject_id"
        )
        return [*rows, *cursor.fetchall()]


def _from(sequence: int) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=f"redelivery-{uuid4().hex[:8]}",
        deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
        opt_start_seq=sequence,
        ack_policy=AckPolicy.EXPLICIT,
        filter_subject=EVENTS_SUBJECTS,
    )
