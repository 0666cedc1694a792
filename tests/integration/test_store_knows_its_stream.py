"""A store knows its stream (issue 9, item 5): a position recorded against one EVENTS stream is
not taken as a position of another (a recreated stream, a reused schema, another server). Before,
the consumer started after the position on whatever stream it found and skipped messages without
a word; only the digest noticed. Now it refuses to start and says how to rebuild."""

from __future__ import annotations

import asyncio

import pytest
from nats.aio.client import Client

from services.registry.application import Registry
from services.registry.bootstrap import build_registry
from shared.bus.consumer import Delivery, StreamMismatchError, TrackedConsumer
from shared.bus.seam import Seam
from shared.bus.streams import ensure_streams
from shared.config import Settings
from shared.contract.subjects import EVENTS_STREAM
from tests.integration.test_registry_quarantine import SUBMITTED, submitted

pytestmark = pytest.mark.integration

APPLIED = [submitted(number) for number in (1, 2, 3)]
"""What the registry applied at sequences 1-3 of the log it was fed."""


def applied_registry(settings: Settings) -> Registry:
    registry = build_registry(settings)
    registry.handle_batch(
        [Delivery(EVENTS_STREAM, n, SUBMITTED, data) for n, data in enumerate(APPLIED, 1)]
    )
    return registry


async def start(nc: Client, registry: Registry, on_the_log: list[bytes]) -> None:
    """The registry's consumer started over a stream holding ``on_the_log``; stopped at once."""
    js = nc.jetstream()
    await ensure_streams(js)
    for data in on_the_log:
        await js.publish(SUBMITTED, data)
    seam, stop = Seam("test-registry"), asyncio.Event()
    consumer = TrackedConsumer(
        nc=nc, js=js, service="registry", stream=EVENTS_STREAM, filter_subject="bases.v1.>",
        handler=registry, seam=seam,
    )  # fmt: skip
    stop.set()  # once started, it stops: only its start-up is under test
    try:
        await asyncio.wait_for(consumer.run(stop), timeout=10)
    finally:
        seam.close()


async def test_a_position_beyond_the_stream_s_end_is_refused(
    nc: Client, sqlite_settings: Settings
) -> None:
    registry = applied_registry(sqlite_settings)
    with pytest.raises(StreamMismatchError) as refused:
        await start(nc, registry, APPLIED[:2])  # a recreated stream, shorter so far
    text = str(refused.value)
    assert "up to #3" in text and "ends at #2" in text and "demobase registry rebuild" in text


async def test_another_event_at_the_registry_s_position_is_refused(
    nc: Client, sqlite_settings: Settings
) -> None:
    registry = applied_registry(sqlite_settings)
    other = [submitted(number) for number in (7, 8, 9)]  # as long, other events
    with pytest.raises(StreamMismatchError, match=r"#3 is not the event registry applied"):
        await start(nc, registry, other)


async def test_the_stream_the_registry_applied_is_consumed(
    nc: Client, sqlite_settings: Settings
) -> None:
    registry = applied_registry(sqlite_settings)
    await start(nc, registry, APPLIED)
    assert registry.position(EVENTS_STREAM) == 3


async def test_a_deciding_service_refuses_a_recreated_stream_that_grew_past_its_position(
    nc: Client, sqlite_settings: Settings
) -> None:
    """Issue 9, item 5, for the deciding services: a store records the creation time of each
    stream it consumed; a stream recreated since (here grown past the store's position, so the
    length alone would not tell) is refused, naming both times and how to start afresh."""
    from services.submission.bootstrap import build_application
    from shared.bus.handler import ServiceHandler

    js = nc.jetstream()
    await ensure_streams(js)
    app = build_application(sqlite_settings)
    handler = ServiceHandler(app)
    first = (await js.stream_info(EVENTS_STREAM)).created
    assert first is not None
    assert app.stream_identity(EVENTS_STREAM, first.isoformat()) == first.isoformat()
    app.advance(EVENTS_STREAM, 2)

    await js.delete_stream(EVENTS_STREAM)
    await asyncio.sleep(0.01)  # a later creation time
    await ensure_streams(js)
    for number in (1, 2, 3, 4):
        await js.publish(SUBMITTED, submitted(number))
    seam, stop = Seam("test-submission"), asyncio.Event()
    consumer = TrackedConsumer(
        nc=nc, js=js, service="submission", stream=EVENTS_STREAM, filter_subject="bases.v1.>",
        handler=handler, seam=seam,
    )  # fmt: skip
    stop.set()
    try:
        with pytest.raises(StreamMismatchError, match="created at") as refused:
            await asyncio.wait_for(consumer.run(stop), timeout=10)
    finally:
        seam.close()
        app.close()
    assert first.isoformat() in str(refused.value) and "a new store" in str(refused.value)
