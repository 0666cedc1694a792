"""A replay cannot fall behind its own reader (issue 8): a log far longer than any client buffer
is rebuilt and audited with the defaults, with no slow consumer, no warning and no error, to the
digest of a registry that applied the same log live."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext

from demobase.audit import verify_log
from services.registry.adapters.db import SqliteDatabase
from services.registry.application import Registry
from services.registry.audit import recorded_chain
from services.registry.queries import digest
from services.registry.rebuild import rebuild
from services.registry.replay import read_log
from shared.bus.consumer import Delivery
from shared.bus.server import EmbeddedNats
from shared.bus.streams import ensure_streams
from shared.contract.subjects import EVENTS_STREAM
from tests.bench.history import history

pytestmark = pytest.mark.integration

EVENTS = 30_000
"""Fifteen times the events of a batch, and 7.5 times the 4,000 messages the rebuild's ordered
consumer could hold before it failed as a slow consumer; about 19 MB of realistic events."""


async def watched(url: str, errors: list[Exception]) -> Client:
    """A connection that keeps every asynchronous error nats-py reports (a slow consumer)."""

    async def keep(error: Exception) -> None:
        errors.append(error)

    return await nats.connect(url, error_cb=keep, allow_reconnect=False)


async def publish_pipelined(nc: Client) -> list[Delivery]:
    """The history published as the relay does (``Nats-Msg-Id``), without waiting for each ack;
    the deliveries a live registry would have been handed, with their sequences."""
    js = nc.jetstream()
    await ensure_streams(js)
    events = list(history(EVENTS))
    acks = [
        await js.publish_async(e.subject, e.data, headers={"Nats-Msg-Id": e.msg_id}, wait_stall=60)
        for e in events
    ]
    sequences = [ack.seq for ack in await asyncio.wait_for(asyncio.gather(*acks), timeout=120)]
    assert sequences == list(range(1, EVENTS + 1))
    pairs = zip(sequences, events, strict=True)
    return [Delivery(EVENTS_STREAM, s, e.subject, e.data) for s, e in pairs]


async def test_a_log_longer_than_any_client_buffer_is_read_rebuilt_and_audited_with_the_defaults(
    nats_server: EmbeddedNats, tmp_path: Path
) -> None:
    errors: list[Exception] = []
    nc = await watched(nats_server.url, errors)
    try:
        deliveries = await publish_pipelined(nc)
        js = nc.jetstream()
        await the_reader_holds_two_batches_at_most_and_gives_the_log_in_order(nc, js)

        live = Registry(SqliteDatabase(tmp_path / "live.sqlite"))
        for start in range(0, EVENTS, 256):  # as the live consumer applies a backlog
            live.handle_batch(deliveries[start : start + 256])
        rebuilt = Registry(SqliteDatabase(tmp_path / "rebuilt.sqlite"))
        result = await rebuild(rebuilt, js)

        assert result.events == EVENTS
        assert result.digest == digest(live.db)
        report = await verify_log(js, lambda first, last: recorded_chain(rebuilt.db, first, last))
        assert report.holds and report.events == EVENTS
    finally:
        await nc.drain()
    assert errors == []


async def the_reader_holds_two_batches_at_most_and_gives_the_log_in_order(
    nc: Client, js: JetStreamContext
) -> None:
    seen: list[int] = []
    async for batch in read_log(js, 1, EVENTS, batch_size=1000):
        assert len(batch) <= 1000
        pending = max(subscription.pending_msgs for subscription in nc._subs.values())
        assert pending <= 1000 + 16  # the next batch, never more
        seen.extend(sequence for sequence, _, _ in batch)
        await asyncio.sleep(0.01)  # a slow reader: the server waits for it
    assert seen == list(range(1, EVENTS + 1))

    middle = [s async for b in read_log(js, 12_345, 12_999) for s, _, _ in b]
    assert middle == list(range(12_345, 13_000))
    assert [b async for b in read_log(js, 5, 4)] == []
    consumers = (await js.stream_info(EVENTS_STREAM)).state.consumer_count
    assert consumers == 0  # each replay removed its consumer
