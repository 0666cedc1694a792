"""A decision goes only to an inbox of the attempt's sender (issue 12).

The reply header (``Demobase-Reply-To``) is written by the sender, and the services publish with
the ministry's rights: were any ``_INBOX.`` subject answered, Beijing could have its decisions
delivered into Tianjin's account (``DEMOBASE`` exports ``_INBOX.p120000.>`` to ``P120000``). An
attempt on ``intake.v1.<ctx>.<code>.<Cmd>`` is answered only under ``_INBOX.p<code>.``; the
ministry's (``000000``) under any ``_INBOX.``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
from nats.aio.client import Client
from nats.aio.subscription import Subscription
from nats.errors import TimeoutError as NatsTimeoutError

from demobase.client import intake_message
from services.submission.bootstrap import build as build_submission
from shared.bus.connection import Credentials, connect
from shared.bus.consumer import REPLY_HEADER, Delivery, TrackedConsumer
from shared.bus.seam import Seam
from shared.bus.server import EmbeddedNats
from shared.bus.streams import ensure_streams
from shared.config import Settings
from shared.contract.commands import IntakeDecision
from shared.contract.subjects import (
    INTAKE_STREAM,
    inbox_prefix,
    intake_subject,
    province_user,
    sender_inbox_prefix,
)
from tests.integration.test_deploy_configs import (
    Node,
    generator,
)
from tests.support import at, dev_credentials, park_application, running, wait_until

pytestmark = pytest.mark.integration

BEIJING, TIANJIN, HUNAN, MINISTRY = "110000", "120000", "430000", "000000"


def test_the_sender_s_inbox_prefix_is_the_one_its_credentials_connect_with() -> None:
    """The naming lives in shared/contract/subjects.py; the accounts generator imports it."""
    assert sender_inbox_prefix(BEIJING) == "_INBOX.p110000" == inbox_prefix(province_user(BEIJING))
    assert sender_inbox_prefix(MINISTRY) == "_INBOX"
    accounts = generator()
    assert (accounts.inbox_prefix, accounts.province_user) == (inbox_prefix, province_user)


# --- the consumer, over a plain server -----------------------------------------------------------


class Answering:
    """A handler that answers every attempt with its sequence."""

    def position(self, upstream: str) -> int:
        return 0

    def handle(self, delivery: Delivery) -> bytes | None:
        return f"decision {delivery.sequence}".encode()


@pytest.fixture
async def consuming(nc: Client) -> AsyncIterator[TrackedConsumer]:
    await ensure_streams(nc.jetstream())
    seam = Seam("test-reply")
    consumer = TrackedConsumer(nc, nc.jetstream(), "test-reply", INTAKE_STREAM, "intake.v1.>",
                               Answering(), seam)  # fmt: skip
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        yield consumer
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)
        seam.close()


async def received(sub: Subscription, within: float = 0.5) -> list[tuple[str, bytes]]:
    """What reaches ``sub`` within ``within`` seconds (the pull consumer's own traffic on
    ``_INBOX.>`` never goes quiet, so this waits a fixed time)."""
    found = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while (left := deadline - loop.time()) > 0:
        try:
            message = await sub.next_msg(timeout=left)
        except (NatsTimeoutError, TimeoutError):
            break
        found.append((message.subject, message.data))
    return found


@pytest.mark.parametrize(
    ("sender", "reply_to", "answered"),
    [
        (BEIJING, "_INBOX.p110000.own", True),
        (BEIJING, "_INBOX.p110000.a.b", True),
        (BEIJING, "_INBOX.p120000.x", False),  # Tianjin's inbox
        (BEIJING, "_INBOX.p1100000.x", False),  # a prefix of another name, not Beijing's own
        (BEIJING, "_INBOX.p110000", False),  # the prefix itself is no inbox
        (BEIJING, "_INBOX.x", False),  # the ministry's inboxes
        (BEIJING, "bases.v1.review.110000.TitleAwarded", False),  # not an inbox at all
        (MINISTRY, "_INBOX.x", True),
        (MINISTRY, "_INBOX.p430000.y", True),  # the ministry may answer itself anywhere
        (MINISTRY, "_INBOX.>", False),
    ],
)
async def test_a_decision_is_published_only_on_an_inbox_of_the_sender(
    nc: Client, consuming: TrackedConsumer, sender: str, reply_to: str, answered: bool
) -> None:
    """issue 12: the reply header of an attempt on ``intake.v1.*.<code>.*`` is answered only
    under ``_INBOX.p<code>.`` (any ``_INBOX.`` for 000000); otherwise a warning, no publish."""
    inboxes = await nc.subscribe("_INBOX.>")
    elsewhere = await nc.subscribe("bases.v1.>")
    await nc.flush()
    subject = intake_subject("submission", sender, "SubmitApplication")
    await nc.jetstream().publish(subject, b"{}", headers={REPLY_HEADER: reply_to})
    await wait_until(lambda: consuming.position == 1)
    await nc.flush()

    answers = [(s, d) for s, d in await received(inboxes) if d == b"decision 1"]
    unpublished = await received(elsewhere, within=0.1)
    for sub in (inboxes, elsewhere):
        await sub.unsubscribe()  # what is left unread would hold the connection's drain
    assert answers == ([(reply_to, b"decision 1")] if answered else [])
    assert unpublished == []


# --- a real service over the deploy accounts ------------------------------------------------------


def credentials(user: str) -> Credentials:
    return dev_credentials(user, None if user == "ministry" else inbox_prefix(user))


async def test_beijing_cannot_have_its_decision_delivered_into_tianjin_s_inbox(
    production: Node, sqlite_settings: Settings
) -> None:
    """issue 12: p110000 names ``_INBOX.p120000.x`` in the reply header; the submission service
    (as the ministry) decides but does not answer there, and Tianjin, listening on all its
    inboxes, receives nothing; Beijing's next attempt, naming its own inbox, is answered."""
    ministry = credentials("ministry")
    settings = sqlite_settings.model_copy(update={
        "nats_url": production.url, "nats_user": ministry.user, "nats_password": ministry.password,
    })  # fmt: skip
    beijing = await connect(production.url, "beijing", credentials(province_user(BEIJING)))
    tianjin = await connect(production.url, "tianjin", credentials(province_user(TIANJIN)))
    try:
        tianjin_inboxes = await tianjin.subscribe(f"{inbox_prefix(province_user(TIANJIN))}.>")
        own = beijing.new_inbox()
        assert own.startswith("_INBOX.p110000.")
        beijing_answers = await beijing.subscribe(own)
        await tianjin.flush()
        await beijing.flush()
        async with running(build_submission(settings)):
            subject = intake_subject("submission", BEIJING, "SubmitApplication")
            for reply_to in ("_INBOX.p120000.x", own):
                message = intake_message("SubmitApplication", park_application(), BEIJING,
                                         f"province:{BEIJING}", at("2026-03-20"))  # fmt: skip
                await beijing.jetstream().publish(
                    subject, json.dumps(message, ensure_ascii=False).encode(),
                    stream=INTAKE_STREAM,
                    headers={"Nats-Msg-Id": str(uuid4()), REPLY_HEADER: reply_to},
                )  # fmt: skip
            answer = await beijing_answers.next_msg(timeout=10)
            await asyncio.sleep(0.3)  # the first decision was due before the second
        assert IntakeDecision.model_validate_json(answer.data).command_id is not None
        assert json.loads(answer.data)["command_id"] == message["command_id"]
        assert await received(tianjin_inboxes) == []
        assert await received(beijing_answers) == []  # only the decision of its own inbox
    finally:
        await beijing.close()
        await tianjin.close()


async def test_every_province_attempt_the_cli_sends_waits_under_the_province_s_inbox(
    nats_server: EmbeddedNats, sqlite_settings: Settings
) -> None:
    """issue 12: on a server without accounts (``make run``) the CLI still names the province's
    own inbox for a province's attempt, so the service answers it."""
    from demobase.client import send_command

    settings = sqlite_settings.model_copy(update={"nats_url": nats_server.url})
    async with running(build_submission(settings)):
        message = intake_message("SubmitApplication", park_application(), HUNAN,
                                 f"province:{HUNAN}", at("2026-03-20"))  # fmt: skip
        decision = await send_command(nats_server.url, "submission", message, timeout=10)
    assert str(decision.command_id) == message["command_id"]
