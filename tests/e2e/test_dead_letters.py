"""Refused attempts are answered on the dead-letter stream, whether or not a reply was asked for
(DESIGN.md, "Interfaces": a rejection a province can read, kept on a dead-letter subject; ADR 2)."""

from __future__ import annotations

import asyncio
import json

import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext

from demobase.client import intake_message
from demobase.refusals import read_refusals
from shared.bus.connection import connect
from shared.bus.consumer import Delivery
from shared.bus.deadletter import DeadLetters
from shared.bus.server import EmbeddedNats
from shared.bus.streams import ensure_streams
from shared.config import Settings
from shared.contract.commands import AttemptRefused, IntakeDecision, Problem
from shared.contract.subjects import INTAKE_STREAM, REFUSALS_STREAM, intake_subject
from tests.e2e.test_submission_path import log_events, platform, submission
from tests.support import at, park_application, running

pytestmark = pytest.mark.e2e

HUNAN = "430000"
SUBMIT = intake_subject("submission", HUNAN, "SubmitApplication")
RECOMMEND = intake_subject("submission", HUNAN, "RecommendApplication")


async def fire_and_forget(js: JetStreamContext, subject: str, data: bytes) -> int:
    """Publish as a plain NATS client would: no reply asked for; the attempt's INTAKE sequence."""
    return int((await js.publish(subject, data, stream=INTAKE_STREAM)).seq)


async def refusals(nc: Client) -> list[AttemptRefused]:
    """Every dead letter stored on REFUSALS, in order."""
    js = nc.jetstream()
    last = (await js.stream_info(REFUSALS_STREAM)).state.last_seq
    found = []
    for sequence in range(1, last + 1):
        stored = await js.get_msg(REFUSALS_STREAM, sequence)
        found.append(AttemptRefused.model_validate_json(stored.data or b""))
    return found


async def test_attempts_refused_without_a_reply_asked_reach_the_province_s_dead_letter_subject(
    nats_server: EmbeddedNats, sqlite_settings: Settings
) -> None:
    """A message that is not JSON, an application missing a field and a recommendation of an
    application that does not exist (R-PROCEDURE): each refused by field (and rule), live on
    ``deadletter.v1.submission.430000.<Command>`` and kept on REFUSALS; nothing on the log."""
    nc = await connect(nats_server.url, "hunan-tool")
    js = nc.jetstream()
    await ensure_streams(js)
    live = await nc.subscribe(f"deadletter.v1.*.{HUNAN}.>")
    incomplete = park_application()
    del incomplete["applicant"]
    stranger = intake_message("RecommendApplication", {
        "application_id": "NIID-430000-000000000000", "recommendation": {"title": "推荐函"},
    }, HUNAN, f"province:{HUNAN}", at("2026-04-08"))  # fmt: skip
    async with running(*platform(sqlite_settings, nats_server.url)):
        sequences = [
            await fire_and_forget(js, SUBMIT, b"not json"),
            await fire_and_forget(js, SUBMIT, json.dumps(submission(incomplete)).encode()),
            await fire_and_forget(js, RECOMMEND, json.dumps(stranger).encode()),
        ]
        heard = [await live.next_msg(timeout=10) for _ in sequences]
    stored = await refusals(nc)
    await nc.drain()

    assert [m.subject for m in heard] == [
        f"deadletter.v1.submission.{HUNAN}.SubmitApplication",
        f"deadletter.v1.submission.{HUNAN}.SubmitApplication",
        f"deadletter.v1.submission.{HUNAN}.RecommendApplication",
    ]
    assert [AttemptRefused.model_validate_json(m.data) for m in heard] == stored
    assert [notice.intake_sequence for notice in stored] == sequences
    assert all(n.service == "submission" and not n.decision.accepted for n in stored)
    assert "body.applicant" in {p.field for p in stored[1].decision.problems}
    [unknown] = stored[2].decision.problems
    assert (unknown.rule_id, unknown.field) == ("R-PROCEDURE", "application_id")
    assert str(stored[2].decision.command_id) == stranger["command_id"]
    assert await log_events(nats_server.url) == []


async def test_a_refusal_decided_again_after_a_crash_is_stored_once(
    nats_server: EmbeddedNats,
) -> None:
    """The notice goes out before the intake position is recorded; a service killed in between
    decides the attempt again, and the server keeps one copy (``<service>:<sequence>``)."""
    nc = await connect(nats_server.url, "submission")
    await ensure_streams(nc.jetstream())
    letters = DeadLetters("submission")
    letters.attach(nc.jetstream())
    delivery = Delivery(INTAKE_STREAM, 7, SUBMIT, b"not json", {})
    decision = IntakeDecision(
        command_id=None, accepted=False, problems=(Problem(field="$", reason="not JSON"),)
    )
    for _ in range(2):  # on the worker thread, as the service's handler calls it
        await asyncio.to_thread(letters.send, delivery, decision)
    stored = await refusals(nc)
    await nc.drain()
    assert [(n.intake_sequence, n.decision) for n in stored] == [(7, decision)]


async def test_dead_letters_refuse_to_block_the_event_loop(nats_server: EmbeddedNats) -> None:
    """Sending waits for the server: on the loop's own thread it would wait for itself."""
    nc = await connect(nats_server.url, "submission")
    letters = DeadLetters("submission")
    letters.attach(nc.jetstream())
    delivery = Delivery(INTAKE_STREAM, 1, SUBMIT, b"{}", {})
    with pytest.raises(RuntimeError, match="worker thread"):
        letters.send(delivery, IntakeDecision(command_id=None, accepted=False))
    await nc.drain()


async def test_the_ministry_reads_the_refusals_of_one_province_newest_last(
    nats_server: EmbeddedNats,
) -> None:
    """`demobase refusals --province 430000 --last 2` reads the dead-letter stream, filtered."""
    nc = await connect(nats_server.url, "submission")
    await ensure_streams(nc.jetstream())
    letters = DeadLetters("submission")
    letters.attach(nc.jetstream())
    refusal = IntakeDecision(command_id=None, accepted=False)
    beijing = intake_subject("submission", "110000", "SubmitApplication")
    for sequence, subject in enumerate([SUBMIT, beijing, SUBMIT, RECOMMEND], start=1):
        await asyncio.to_thread(
            letters.send, Delivery(INTAKE_STREAM, sequence, subject, b"{}", {}), refusal
        )
    await nc.drain()
    found = await read_refusals(nats_server.url, f"deadletter.v1.*.{HUNAN}.>", last=2)
    assert [(subject.split(".")[-1], notice.intake_sequence) for subject, notice in found] == [
        ("SubmitApplication", 3), ("RecommendApplication", 4),
    ]  # fmt: skip
    assert await read_refusals(nats_server.url, "deadletter.v1.review.*.>", last=5) == []
