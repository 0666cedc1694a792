"""The outbox relay over a real nats-server, on SQLite and on PostgreSQL (the ``settings`` fixture).

DESIGN.md, "The log": a relay reads the store's notification log in order and publishes each event
with a stable ``Nats-Msg-Id``, so a relay that crashes and publishes again is deduplicated by the
server: no event published that was not recorded, none recorded lost, none published twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from uuid import uuid4

import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext
from prometheus_client import REGISTRY

from services.submission.application import SubmissionApplication
from services.submission.bootstrap import build_application
from services.submission.integration import translate
from shared.bus.connection import connect
from shared.bus.relay import OutboxRelay
from shared.bus.seam import Seam
from shared.bus.server import EmbeddedNats
from shared.bus.streams import ensure_streams
from shared.config import Settings
from shared.contract.commands import IntakeMessage, SubmitApplication
from shared.contract.envelope import Envelope
from shared.contract.subjects import EVENTS_STREAM
from shared.store import OUTBOX, stable_event_id
from tests.support import at, park_application, wait_until

pytestmark = pytest.mark.integration

INTAKE = "INTAKE"


@pytest.fixture
async def js(nats_server: EmbeddedNats) -> AsyncIterator[JetStreamContext]:
    client: Client = await connect(nats_server.url, "test-outbox-relay")
    try:
        js = client.jetstream()
        await ensure_streams(js)
        yield js
    finally:
        await client.drain()


@pytest.fixture
def seams() -> Iterator[list[Seam]]:
    """Seams made during a test, closed at its end."""
    made: list[Seam] = []
    try:
        yield made
    finally:
        for seam in made:
            seam.close()


@pytest.fixture
def apps() -> Iterator[list[SubmissionApplication]]:
    """Applications opened during a test (one per simulated process), closed at its end."""
    opened: list[SubmissionApplication] = []
    try:
        yield opened
    finally:
        for app in opened:
            app.close()


def service_name() -> str:
    """A service label of this test's own, so that metrics of other tests do not mix in."""
    return f"test-relay-{uuid4().hex[:8]}"


def intake_message(number: int) -> IntakeMessage:
    """An application attempt; every fifth is an enterprise, which NIID refuses on arrival."""
    category = "enterprise" if number % 5 == 0 else "park"
    body = SubmitApplication.model_validate(
        park_application(name=f"示范园区 {number}", category=category)
    )
    return IntakeMessage(
        command_id=uuid4(), command_type="SubmitApplication", issued_at=at("2026-03-02"),
        actor="430000", province="430000", correlation_id=uuid4(), body=body,
    ).postmarked(at("2026-03-02"))  # fmt: skip


def submit(app: SubmissionApplication, count: int, *, first: int = 1) -> None:
    for number in range(first, first + count):
        app.submit(intake_message(number), upstream=INTAKE, position=number)


def expected_log(app: SubmissionApplication) -> list[bytes]:
    """What the relay must publish: each stored event's integration event, in notification order."""
    notifications = app.process_recorder.select_notifications(1, 10_000)
    envelopes = [translate(app.mapper.to_domain_event(n)) for n in notifications]
    return [envelope.to_json() for envelope in envelopes if envelope is not None]


async def stored_log(js: JetStreamContext) -> list[bytes]:
    """Every message of EVENTS, in stream order."""
    count = (await js.stream_info(EVENTS_STREAM)).state.messages
    return [(await js.get_msg(EVENTS_STREAM, seq)).data for seq in range(1, count + 1)]


async def publish_all(relay: OutboxRelay, *, rounds: int = 50) -> int:
    """Run the relay batch by batch until it has nothing left; return how many it covered."""
    covered = 0
    for _ in range(rounds):
        published = await relay.publish_pending()
        if not published:
            return covered
        covered += published
    raise AssertionError(f"the relay still had events after {rounds} batches")


def sample(name: str, service: str) -> float | None:
    return REGISTRY.get_sample_value(name, {"service": service})


@pytest.mark.fault
async def test_a_relay_that_crashes_between_publishing_and_recording_is_deduplicated_on_restart(
    settings: Settings,
    js: JetStreamContext,
    monkeypatch: pytest.MonkeyPatch,
    apps: list[SubmissionApplication],
    seams: list[Seam],
) -> None:
    count = 20
    service = service_name()
    app = build_application(settings)
    apps.append(app)
    submit(app, count)
    expected = expected_log(app)
    assert len(expected) == count

    # The first process publishes a batch of 12, then dies before it records its position.
    crashes: list[tuple[str, int]] = []

    def killed(upstream: str, position: int) -> None:
        crashes.append((upstream, position))
        raise RuntimeError("relay killed after publishing, before recording its position")

    monkeypatch.setattr(app, "advance", killed)
    seams.append(Seam(service))
    crashed = OutboxRelay(app, js, translate, service=service, seam=seams[-1], batch_size=12)
    with pytest.raises(RuntimeError, match="relay killed"):
        await crashed.publish_pending()
    assert crashes == [(OUTBOX, 12)]
    assert app.position(OUTBOX) == 0
    assert await stored_log(js) == expected[:12]

    # A restarted process, on the same store, publishes from its recorded position (0) again,
    # in batches that straddle what the first one published.
    restarted_app = build_application(settings)
    apps.append(restarted_app)
    seams.append(Seam(service))
    restarted = OutboxRelay(
        restarted_app, js, translate, service=service, seam=seams[-1], batch_size=8
    )
    assert await publish_all(restarted) == count

    stored = await stored_log(js)
    assert stored == expected  # exactly N, byte for byte, in notification order
    event_ids = [Envelope.from_json(data).event_id for data in stored]
    assert len(set(event_ids)) == count
    notifications = restarted_app.process_recorder.select_notifications(1, 10_000)
    assert event_ids == [
        stable_event_id("submission", restarted_app.mapper.to_domain_event(n))
        for n in notifications
    ]
    assert restarted_app.position(OUTBOX) == count
    assert sample("demobase_events_published_total", service) == count  # duplicates not counted
    assert sample("demobase_relay_lag_events", service) == 0


async def test_the_relay_publishes_nothing_twice_when_run_again_after_it_recorded(
    settings: Settings,
    js: JetStreamContext,
    apps: list[SubmissionApplication],
    seams: list[Seam],
) -> None:
    service = service_name()
    app = build_application(settings)
    apps.append(app)
    submit(app, 5)
    seams.append(Seam(service))
    relay = OutboxRelay(app, js, translate, service=service, seam=seams[-1])

    assert await publish_all(relay) == 5
    assert await publish_all(relay) == 0
    submit(app, 3, first=6)
    assert await publish_all(relay) == 3

    assert await stored_log(js) == expected_log(app)
    assert app.position(OUTBOX) == 8
    assert sample("demobase_events_published_total", service) == 8


async def test_the_relay_lag_goes_to_zero_once_everything_is_published(
    settings: Settings,
    js: JetStreamContext,
    apps: list[SubmissionApplication],
    seams: list[Seam],
) -> None:
    service = service_name()
    app = build_application(settings)
    apps.append(app)
    submit(app, 7)
    seams.append(Seam(service))
    relay = OutboxRelay(app, js, translate, service=service, seam=seams[-1], batch_size=3)

    assert await relay.publish_pending() == 3
    assert sample("demobase_relay_lag_events", service) == 4
    assert await relay.publish_pending() == 3
    assert sample("demobase_relay_lag_events", service) == 1
    assert await relay.publish_pending() == 1
    assert sample("demobase_relay_lag_events", service) == 0
    assert await relay.publish_pending() == 0
    assert sample("demobase_relay_lag_events", service) == 0
    assert app.position(OUTBOX) == 7


async def test_a_running_relay_publishes_what_is_recorded_while_it_runs(
    settings: Settings,
    js: JetStreamContext,
    apps: list[SubmissionApplication],
    seams: list[Seam],
) -> None:
    service = service_name()
    app = build_application(settings)
    apps.append(app)
    seam = Seam(service)
    seams.append(seam)
    relay = OutboxRelay(app, js, translate, service=service, seam=seam, batch_size=4)
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop, idle_seconds=5))
    try:
        await seam.call(submit, app, 6)
        relay.wake()
        await wait_until(lambda: _position_is(seam, app, 6), timeout=10)
        await seam.call(submit, app, 3, first=7)
        relay.wake()
        await wait_until(lambda: _position_is(seam, app, 9), timeout=10)
    finally:
        stop.set()
        relay.wake()
        await asyncio.wait_for(task, timeout=10)

    assert await stored_log(js) == expected_log(app)
    assert sample("demobase_relay_lag_events", service) == 0


async def _position_is(seam: Seam, app: SubmissionApplication, wanted: int) -> bool:
    return await seam.call(app.position, OUTBOX) == wanted
