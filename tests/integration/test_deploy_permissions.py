"""Who may do what on the production single node (``deploy/nats/single.conf`` and its accounts).

DESIGN.md, "Identity comes from the subject": a province's identity is the subject token that the
server authorised for its credentials. A province may publish attempts only on
``intake.v1.*.<its code>.>``, receives only its own decided facts and the decisions sent to its
inbox, and holds no ``$JS.API`` right; the auditor reads the log and writes nothing; the ministry
may do everything. Provinces and the auditor are accounts of their own, so no reply subject they
choose can make the server write on the log or on another province's intake subject.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import nats
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.errors import APIError

from shared.bus.streams import ensure_streams
from shared.contract.subjects import (
    EVENTS_STREAM,
    INTAKE_STREAM,
    REFUSALS_STREAM,
    dead_letter_subject,
    event_subject,
    intake_subject,
)
from tests.integration.test_deploy_configs import (
    Node,
    generator,
)
from tests.support import wait_until

pytestmark = pytest.mark.integration

HUNAN, BEIJING = "430000", "110000"
OWN_INTAKE = intake_subject("submission", HUNAN, "SubmitApplication")
OTHER_INTAKE = intake_subject("submission", BEIJING, "SubmitApplication")


@dataclass
class Connected:
    """A client and the errors the server reported to it (nats-py's ``error_cb``)."""

    nc: Client
    errors: list[str] = field(default_factory=list)

    async def refused(self, action: str, subject: str) -> None:
        """Wait until the server reported a permissions violation for ``action`` on ``subject``."""
        # nats-py lowercases the server's -ERR line, subject included.
        wanted = f'permissions violation for {action} to "{subject}"'.lower()
        await wait_until(lambda: any(wanted in error for error in self.errors), timeout=5)


@pytest.fixture
def server(production: Node) -> Node:
    """single.conf on free loopback ports with a temporary store, the dev passwords set."""
    return production


@pytest.fixture
async def login(server: Node) -> AsyncIterator[Callable[..., Awaitable[Connected]]]:
    """Connect as a user of accounts.conf with its dev password."""
    passwords = generator().dev_environment()
    opened: list[Client] = []

    async def connect(user: str, **options: object) -> Connected:
        connected = Connected(nc=Client())

        async def on_error(error: Exception) -> None:
            connected.errors.append(str(error).lower())

        await connected.nc.connect(
            server.url, user=user, password=passwords[generator().password_variable(user)],
            error_cb=on_error, allow_reconnect=False, **options,  # type: ignore[arg-type]
        )  # fmt: skip
        opened.append(connected.nc)
        return connected

    yield connect
    for nc in opened:
        await nc.close()


@pytest.fixture
async def ministry(login: Callable[..., Awaitable[Connected]]) -> Connected:
    connected = await login("ministry")
    await ensure_streams(connected.nc.jetstream())
    return connected


@pytest.fixture
async def hunan(login: Callable[..., Awaitable[Connected]], ministry: Connected) -> Connected:
    return await login(f"p{HUNAN}", inbox_prefix=f"_INBOX.p{HUNAN}")


@pytest.fixture
async def auditor(login: Callable[..., Awaitable[Connected]], ministry: Connected) -> Connected:
    return await login("auditor", inbox_prefix="_INBOX.auditor")


def auditor_js(auditor: Connected) -> JetStreamContext:
    return auditor.nc.jetstream(prefix=generator().AUDITOR_JS_API, timeout=5)


async def messages_in(ministry: Connected, stream: str) -> int:
    return int((await ministry.nc.jetstream().stream_info(stream)).state.messages)


# --- provinces -----------------------------------------------------------------------------------


async def test_a_province_s_attempt_on_its_own_intake_subject_lands_on_the_intake_stream(
    ministry: Connected, hunan: Connected
) -> None:
    ack = await hunan.nc.jetstream().publish(
        OWN_INTAKE, b'{"attempt": 1}', stream=INTAKE_STREAM, headers={"Nats-Msg-Id": "attempt-1"}
    )
    stored = await ministry.nc.jetstream().get_msg(INTAKE_STREAM, ack.seq)
    assert (stored.subject, stored.data) == (OWN_INTAKE, b'{"attempt": 1}')
    assert hunan.errors == []


async def test_a_province_s_core_publish_is_deduplicated_by_its_message_id(
    ministry: Connected, hunan: Connected
) -> None:
    await hunan.nc.publish(OWN_INTAKE, b'{"attempt": 2}', headers={"Nats-Msg-Id": "attempt-2"})
    await wait_until(lambda: messages_in(ministry, INTAKE_STREAM))
    again = await hunan.nc.jetstream().publish(
        OWN_INTAKE, b'{"attempt": 2}', stream=INTAKE_STREAM, headers={"Nats-Msg-Id": "attempt-2"}
    )
    assert again.duplicate is True
    assert await messages_in(ministry, INTAKE_STREAM) == 1


async def test_a_province_may_not_publish_on_another_province_s_intake_subject(
    ministry: Connected, hunan: Connected
) -> None:
    await hunan.nc.publish(OTHER_INTAKE, b'{"province": "110000"}')
    await hunan.refused("publish", OTHER_INTAKE)
    assert await messages_in(ministry, INTAKE_STREAM) == 0


async def test_a_province_may_not_publish_on_the_event_log(
    ministry: Connected, hunan: Connected
) -> None:
    for subject in (
        event_subject("submission", HUNAN, "ApplicationSubmitted"),
        event_subject("review", BEIJING, "TitleAwarded"),
    ):
        await hunan.nc.publish(subject, b"{}")
        await hunan.refused("publish", subject)
    assert await messages_in(ministry, EVENTS_STREAM) == 0


async def test_a_province_may_not_call_the_jetstream_api_but_the_ministry_may(
    ministry: Connected, hunan: Connected
) -> None:
    await ministry.nc.jetstream().publish(event_subject("submission", HUNAN, "Kept"), b"{}")
    for api in (f"$JS.API.STREAM.INFO.{EVENTS_STREAM}", f"$JS.API.STREAM.PURGE.{EVENTS_STREAM}"):
        await hunan.nc.publish(api, b"", reply=hunan.nc.new_inbox())
        await hunan.refused("publish", api)

    info = await ministry.nc.jetstream().stream_info(EVENTS_STREAM)
    assert info.state.messages == 1
    with pytest.raises(APIError, match="purge"):  # the ministry reaches the API; the log refuses
        await ministry.nc.jetstream().purge_stream(EVENTS_STREAM)
    assert await messages_in(ministry, EVENTS_STREAM) == 1


async def test_a_province_receives_its_own_facts_and_decisions_and_nothing_of_another_province(
    ministry: Connected, hunan: Connected
) -> None:
    facts = await hunan.nc.subscribe(f"bases.v1.*.{HUNAN}.>")
    inbox = hunan.nc.new_inbox()
    decisions = await hunan.nc.subscribe(inbox)
    await hunan.nc.flush()

    js = ministry.nc.jetstream()
    await js.publish(event_subject("review", BEIJING, "TitleAwarded"), b"beijing")
    await js.publish(event_subject("review", HUNAN, "TitleAwarded"), b"hunan")
    await ministry.nc.publish(inbox, b"decision")

    first: Msg = await facts.next_msg(timeout=5)  # Beijing's fact, sent before, never arrives
    assert (first.subject, first.data) == (event_subject("review", HUNAN, "TitleAwarded"), b"hunan")
    assert (await decisions.next_msg(timeout=5)).data == b"decision"

    for subject in (f"bases.v1.*.{BEIJING}.>", "_INBOX.>"):
        await hunan.nc.subscribe(subject)
        await hunan.refused("subscription", subject)


async def test_a_province_receives_the_refusals_of_its_own_attempts_only(
    ministry: Connected, hunan: Connected
) -> None:
    """The dead letters of ADR 2: a province's plain subscriber gets its own, not Beijing's."""
    refusals = await hunan.nc.subscribe(f"deadletter.v1.*.{HUNAN}.>")
    await hunan.nc.flush()
    js = ministry.nc.jetstream()
    await js.publish(dead_letter_subject(OTHER_INTAKE), b"beijing", stream=REFUSALS_STREAM)
    await js.publish(dead_letter_subject(OWN_INTAKE), b"hunan", stream=REFUSALS_STREAM)

    first: Msg = await refusals.next_msg(timeout=5)
    assert (first.subject, first.data) == (dead_letter_subject(OWN_INTAKE), b"hunan")
    subject = f"deadletter.v1.*.{BEIJING}.>"
    await hunan.nc.subscribe(subject)
    await hunan.refused("subscription", subject)


async def test_no_reply_subject_a_province_chooses_makes_the_server_write_on_the_log(
    ministry: Connected, hunan: Connected
) -> None:
    target = event_subject("review", HUNAN, "TitleAwarded")
    echoes = await hunan.nc.subscribe(target)
    await hunan.nc.flush()
    await hunan.nc.publish(OWN_INTAKE, b"{}", reply=target)

    echo = await echoes.next_msg(timeout=5)  # the acknowledgement stays in the province's account
    assert b'"stream":"INTAKE"' in echo.data
    marker = await ministry.nc.jetstream().publish(target, b"first fact")
    assert marker.seq == 1, "the acknowledgement was stored on the event log"


async def test_a_connection_without_the_right_password_is_refused(server: Node) -> None:
    for credentials in ({}, {"user": f"p{HUNAN}", "password": "guessed"}):
        with pytest.raises(nats.errors.Error):
            await nats.connect(
                server.url, allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=5,
                **credentials,
            )  # fmt: skip


# --- the auditor ---------------------------------------------------------------------------------


async def test_the_auditor_replays_the_log_in_order_with_an_ordered_consumer(
    ministry: Connected, auditor: Connected
) -> None:
    js = ministry.nc.jetstream()
    published = [f"fact {n}".encode() for n in range(20)]
    for n, data in enumerate(published):
        await js.publish(event_subject("review", (HUNAN, BEIJING)[n % 2], "TitleAwarded"), data)

    audit = auditor_js(auditor)
    last = (await audit.stream_info(EVENTS_STREAM)).state.last_seq
    replay = await audit.subscribe("bases.v1.>", stream=EVENTS_STREAM, ordered_consumer=True)
    replayed = [(await replay.next_msg(timeout=5)).data for _ in range(last)]
    assert replayed == published
    assert (await audit.get_msg(EVENTS_STREAM, 3)).data == published[2]
    await replay.unsubscribe()
    assert auditor.errors == []


async def test_the_auditor_writes_nothing(ministry: Connected, auditor: Connected) -> None:
    api = generator().AUDITOR_JS_API
    for subject in (
        event_subject("review", HUNAN, "TitleAwarded"),
        OWN_INTAKE,
        f"{api}.STREAM.PURGE.{EVENTS_STREAM}",
        f"{api}.STREAM.DELETE.{EVENTS_STREAM}",
        f"$JS.API.STREAM.PURGE.{EVENTS_STREAM}",
    ):
        await auditor.nc.publish(subject, b"{}")
        await auditor.refused("publish", subject)
    assert await messages_in(ministry, EVENTS_STREAM) == 0
    assert await messages_in(ministry, INTAKE_STREAM) == 0


async def test_no_reply_subject_the_auditor_chooses_makes_the_server_write_on_the_log(
    ministry: Connected, auditor: Connected
) -> None:
    target = event_subject("review", BEIJING, "TitleAwarded")
    echoes = await auditor.nc.subscribe(target)
    await auditor.nc.flush()
    info_request = f"{generator().AUDITOR_JS_API}.STREAM.INFO.{EVENTS_STREAM}"
    await auditor.nc.publish(info_request, b"", reply=target)

    echo = await echoes.next_msg(timeout=5)  # the answer stays in the auditor's account
    assert b"stream_info_response" in echo.data
    marker = await ministry.nc.jetstream().publish(target, b"first fact")
    assert marker.seq == 1, "the API answer was stored on the event log"


async def test_the_ministry_s_jetstream_api_is_not_the_auditor_s(auditor: Connected) -> None:
    """In the auditor's account ``$JS.API`` is the server's own answer, not the log's API."""
    with pytest.raises((APIError, NatsTimeoutError)):
        await auditor.nc.jetstream(timeout=2).stream_info(EVENTS_STREAM)
    await auditor.refused("publish", f"$JS.API.STREAM.INFO.{EVENTS_STREAM}")
