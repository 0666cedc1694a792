"""The log on a real nats-server: the streams as DESIGN.md "The log" wants them, durable writes,
and deduplication by ``Nats-Msg-Id`` that cannot be used to squat another publisher's event."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import ServerError

from services.submission.application import SubmissionApplication
from services.submission.bootstrap import build_application
from shared.bus.relay import OutboxConflictError, OutboxRelay
from shared.bus.seam import Seam
from shared.bus.server import EmbeddedNats, free_port, server_binary
from shared.bus.streams import (
    DUPLICATE_WINDOW_SECONDS,
    StreamMisconfiguredError,
    ensure_streams,
)
from shared.config import Settings
from shared.contract.envelope import Envelope, new_envelope
from shared.contract.events import ApplicationSubmitted
from shared.contract.subjects import (
    CHECKPOINTS_STREAM,
    EVENTS_STREAM,
    INTAKE_STREAM,
    REFUSALS_STREAM,
)
from tests.support import wait_until

pytestmark = pytest.mark.integration

SUBJECT = "bases.v1.submission.430000.ApplicationSubmitted"


@pytest.fixture
async def js(nc: Client) -> JetStreamContext:
    js = nc.jetstream()
    await ensure_streams(js)
    return js


def submitted(application_id: str = "NIID-430000-000000000001") -> Envelope:
    payload = ApplicationSubmitted(
        application_id=application_id, programme="NIID", category="park",
        name="长沙经济技术开发区", applicant="长沙经济技术开发区管理委员会", city="长沙市",
        domain="装备工业", zone="长沙经济技术开发区",
    )  # fmt: skip
    return new_envelope(
        payload,
        event_id=uuid4(),
        occurred_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
        recorded_at=datetime(2026, 3, 2, 9, 1, tzinfo=UTC),
        actor="430000",
        province="430000",
        subject_id=application_id,
        correlation_id=uuid4(),
    )


async def messages_in(js: JetStreamContext, stream: str) -> int:
    return int((await js.stream_info(stream)).state.messages)


# --- the streams ---------------------------------------------------------------------------


@pytest.mark.parametrize("stream", [EVENTS_STREAM, INTAKE_STREAM, REFUSALS_STREAM])
async def test_the_log_streams_are_kept_on_file_forever_and_cannot_be_erased(
    js: JetStreamContext, stream: str
) -> None:
    config = (await js.stream_info(stream)).config

    assert config.storage == StorageType.FILE
    assert config.max_age in (0, None)
    assert config.max_bytes == -1
    assert config.max_msgs == -1
    assert config.max_msgs_per_subject == -1
    assert config.deny_delete is True
    assert config.deny_purge is True
    assert config.duplicate_window == DUPLICATE_WINDOW_SECONDS
    assert config.duplicate_window is not None and config.duplicate_window > 0


async def test_ensuring_the_streams_again_changes_nothing(js: JetStreamContext) -> None:
    await js.publish(SUBJECT, submitted().to_json(), headers={"Nats-Msg-Id": str(uuid4())})
    before = {name: await js.stream_info(name) for name in (EVENTS_STREAM, INTAKE_STREAM)}

    await ensure_streams(js)
    await ensure_streams(js)

    after = {name: await js.stream_info(name) for name in (EVENTS_STREAM, INTAKE_STREAM)}
    for name in before:
        assert after[name].created == before[name].created
        assert after[name].config == before[name].config
        assert after[name].state.messages == before[name].state.messages
    assert after[EVENTS_STREAM].state.messages == 1
    streams = await js.streams_info()
    assert sorted(info.config.name for info in streams) == [
        CHECKPOINTS_STREAM, EVENTS_STREAM, INTAKE_STREAM, REFUSALS_STREAM,
    ]  # fmt: skip


LOG_SETTINGS: dict[str, Any] = {
    "storage": StorageType.FILE, "deny_delete": True, "deny_purge": True, "max_age": 0,
    "max_bytes": -1, "max_msgs": -1, "duplicate_window": DUPLICATE_WINDOW_SECONDS,
}  # fmt: skip


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("deny_purge", False),
        ("deny_delete", False),
        ("storage", StorageType.MEMORY),
        ("max_age", 30 * 86400.0),
        ("max_msgs", 1000),
        ("max_msgs_per_subject", 1),
        ("retention", RetentionPolicy.INTEREST),
        ("duplicate_window", 120.0),
    ],
)
async def test_a_log_stream_that_could_lose_events_is_refused_at_start_up(
    nc: Client, setting: str, value: Any
) -> None:
    """A stream created beforehand by someone else is checked, not trusted."""
    js = nc.jetstream()
    settings = {**LOG_SETTINGS, setting: value}
    await js.add_stream(StreamConfig(name=EVENTS_STREAM, subjects=["bases.v1.>"], **settings))

    with pytest.raises(StreamMisconfiguredError, match=setting):
        await ensure_streams(js)


async def test_a_stream_with_fewer_replicas_than_configured_is_refused_naming_both(
    js: JetStreamContext,
) -> None:
    """issue 9 item 3: the streams exist with one copy; a service started with
    STREAM_REPLICAS=3 refuses to run on them and says what differs and what to do."""
    with pytest.raises(StreamMisconfiguredError) as refused:
        await ensure_streams(js, replicas=3)
    assert "num_replicas=1 (wanted 3)" in str(refused.value)
    assert "STREAM_REPLICAS" in str(refused.value)
    assert Settings(stream_replicas=3).stream_replicas == 3


async def test_the_server_refuses_to_purge_the_log(js: JetStreamContext) -> None:
    await js.publish(SUBJECT, submitted().to_json(), headers={"Nats-Msg-Id": str(uuid4())})

    with pytest.raises(ServerError) as refused:
        await js.purge_stream(EVENTS_STREAM)

    assert "purge not permitted" in str(refused.value.description)
    assert await messages_in(js, EVENTS_STREAM) == 1


async def test_the_server_refuses_to_delete_a_message_from_the_log(js: JetStreamContext) -> None:
    ack = await js.publish(SUBJECT, submitted().to_json(), headers={"Nats-Msg-Id": str(uuid4())})

    with pytest.raises(ServerError) as refused:
        await js.delete_msg(EVENTS_STREAM, ack.seq)

    assert "delete not permitted" in str(refused.value.description)
    assert await messages_in(js, EVENTS_STREAM) == 1
    assert (await js.get_msg(EVENTS_STREAM, ack.seq)).seq == ack.seq


# --- durability ----------------------------------------------------------------------------


def test_the_server_fsyncs_every_write(nats_server: EmbeddedNats) -> None:
    """DESIGN.md, "Durability is a setting": every server config sets ``sync_interval: always``.

    nats-server 2.15 reports it in ``/varz`` as ``jetstream.config.sync_always: true``; the
    ``sync_interval`` beside it stays at the 2-minute default (in nanoseconds), which the server
    no longer uses once ``sync_always`` is set.
    """
    config = nats_server.varz()["jetstream"]["config"]

    assert config["sync_always"] is True


async def test_a_server_without_the_setting_reports_no_sync_always(tmp_path: Path) -> None:
    """The control for the test above: the flag it reads is really the configured setting."""
    port, http_port = free_port(), free_port()
    conf = tmp_path / "default.conf"
    conf.write_text(
        f"listen: 127.0.0.1:{port}\nhttp: 127.0.0.1:{http_port}\n"
        f'jetstream {{ store_dir: "{tmp_path / "js"}" }}\n'
    )
    server = EmbeddedNats(tmp_path, port=port, http_port=http_port)
    with _process(server_binary(), conf, tmp_path / "log") as process:
        server.process = process
        varz = await wait_until(lambda: _varz_or_none(server), timeout=15)

    assert not varz["jetstream"]["config"].get("sync_always", False)
    assert varz["jetstream"]["config"]["sync_interval"] == 120 * 10**9


class _process:
    """A nats-server process of this test's own, terminated at the end of the block."""

    def __init__(self, binary: str, conf: Path, log: Path) -> None:
        self.args, self.log = [binary, "-c", str(conf)], log

    def __enter__(self) -> subprocess.Popen[bytes]:
        self.handle = self.log.open("ab")
        self.process = subprocess.Popen(self.args, stdout=self.handle, stderr=subprocess.STDOUT)
        return self.process

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.handle.close()


def _varz_or_none(server: EmbeddedNats) -> dict[str, object] | None:
    assert server.process is not None and server.process.poll() is None, "nats-server exited"
    try:
        varz = server.varz()
    except OSError:
        return None
    return varz if varz.get("jetstream") else None


# --- deduplication -------------------------------------------------------------------------


async def test_the_same_msg_id_published_twice_is_stored_once(js: JetStreamContext) -> None:
    data = submitted().to_json()
    msg_id = str(uuid4())

    first = await js.publish(SUBJECT, data, headers={"Nats-Msg-Id": msg_id})
    second = await js.publish(SUBJECT, data, headers={"Nats-Msg-Id": msg_id})

    assert not first.duplicate
    assert second.duplicate is True
    assert second.seq == first.seq
    assert await messages_in(js, EVENTS_STREAM) == 1


async def test_a_msg_id_is_deduplicated_across_the_whole_stream(js: JetStreamContext) -> None:
    """DESIGN.md, "Dedupe ids are stream-wide": another subject with the same id is dropped."""
    msg_id = str(uuid4())
    await js.publish(SUBJECT, b"first", headers={"Nats-Msg-Id": msg_id})

    other = await js.publish(
        "bases.v1.submission.110000.ApplicationSubmitted",
        b"second",
        headers={"Nats-Msg-Id": msg_id},
    )

    assert other.duplicate is True
    assert await messages_in(js, EVENTS_STREAM) == 1


@pytest.fixture
def relay_app(sqlite_settings: Settings) -> Iterator[SubmissionApplication]:
    app = build_application(sqlite_settings)
    try:
        yield app
    finally:
        app.close()


@pytest.fixture
def seam() -> Iterator[Seam]:
    seam = Seam("test-event-log")
    try:
        yield seam
    finally:
        seam.close()


async def test_the_relay_refuses_an_id_that_someone_else_squatted(
    js: JetStreamContext, relay_app: SubmissionApplication, seam: Seam
) -> None:
    relay = OutboxRelay(relay_app, js, lambda _: None, service="test-squat", seam=seam)
    envelope = submitted()
    squatted = await js.publish(
        envelope.subject, b'{"forged": true}', headers={"Nats-Msg-Id": str(envelope.event_id)}
    )

    with pytest.raises(OutboxConflictError, match=str(envelope.event_id)):
        await relay.publish(envelope)

    assert await messages_in(js, EVENTS_STREAM) == 1
    assert (await js.get_msg(EVENTS_STREAM, squatted.seq)).data == b'{"forged": true}'


async def test_the_relay_accepts_its_own_event_published_again(
    js: JetStreamContext, relay_app: SubmissionApplication, seam: Seam
) -> None:
    relay = OutboxRelay(relay_app, js, lambda _: None, service="test-republish", seam=seam)
    envelope = submitted()

    first = await relay.publish(envelope)
    again = await relay.publish(envelope)

    assert again == first
    assert await messages_in(js, EVENTS_STREAM) == 1
    stored = await js.get_msg(EVENTS_STREAM, first)
    assert Envelope.from_json(stored.data) == envelope
    assert stored.headers is not None
    assert stored.headers["Nats-Msg-Id"] == str(envelope.event_id)
