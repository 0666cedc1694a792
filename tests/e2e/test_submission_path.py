"""The one path of the backbone, end to end over a real nats-server: intake → submission →
relay → log → registry (issue 2, item 7)."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest
from nats.js.api import DeliverPolicy

from demobase.client import intake_message
from demobase.clock import ClockedDesk
from services.registry.bootstrap import THE_LOG, build_registry
from services.registry.queries import applied, digest, find_entry, list_entries
from services.registry.rebuild import rebuild
from services.submission.bootstrap import build as build_submission
from shared.bus.connection import Credentials, connect
from shared.bus.runtime import ServiceRuntime
from shared.bus.server import EmbeddedNats
from shared.config import Settings
from shared.contract.envelope import Envelope
from shared.contract.subjects import EVENTS_STREAM, EVENTS_SUBJECTS, INTAKE_STREAM
from tests.support import at, load_catalogue, park_application, running, wait_until

pytestmark = pytest.mark.e2e


def registry_runtime(settings: Settings, url: str) -> ServiceRuntime:
    """The registry's projection consumer without its HTTP server."""
    registry = build_registry(settings)
    return ServiceRuntime(
        "registry",
        url,
        registry,
        (THE_LOG,),
        credentials=Credentials.from_settings(settings),
    )


def platform(settings: Settings, url: str) -> tuple[ServiceRuntime, ServiceRuntime]:
    s = settings.model_copy(update={"nats_url": url})
    return build_submission(s), registry_runtime(s, url)


def submission(body: dict[str, Any], province: str = "430000") -> dict[str, Any]:
    return intake_message("SubmitApplication", body, province, f"province:{province}",
                          at("2026-03-20"))  # fmt: skip


CLOCK_SET = "PlatformClockSet"
"""The operator's clock settings (P-POSTMARK) that play each attempt on its day, also logged."""


async def log_events(url: str) -> list[Envelope]:
    """The lifecycle's events on the log, without the platform's clock settings."""
    return [e for e in await all_log_events(url) if e.event_type != CLOCK_SET]


async def all_log_events(url: str) -> list[Envelope]:
    nc = await connect(url, "test-reader")
    try:
        js = nc.jetstream()
        last = (await js.stream_info(EVENTS_STREAM)).state.last_seq
        events = []
        if last:
            sub = await js.subscribe(EVENTS_SUBJECTS, ordered_consumer=True,
                                     deliver_policy=DeliverPolicy.ALL)  # fmt: skip
            for _ in range(last):
                events.append(Envelope.from_json((await sub.next_msg(timeout=5)).data))
            await sub.unsubscribe()
        return events
    finally:
        await nc.drain()


async def test_a_submitted_application_appears_in_the_registry_with_its_timeline(
    nats_server: EmbeddedNats, settings: Settings
) -> None:
    """R-PROCEDURE starts here: a province's application is decided, logged and projected."""
    submission_service, registry_service = platform(settings, nats_server.url)
    async with running(submission_service, registry_service):
        await load_catalogue(nats_server.url)
        message = submission(park_application())
        decision = await ClockedDesk(nats_server.url).send("submission", message)
        assert decision.accepted and decision.recorded == "ApplicationSubmitted"
        db = build_registry(settings).db
        entry = await wait_until(lambda: find_entry(db, str(decision.subject_id)))
    assert entry["status"] == "submitted"
    assert entry["name"] == "长沙经济技术开发区"
    assert entry["province"] == "430000"
    [line] = entry["timeline"]
    assert line["event_type"] == "ApplicationSubmitted"
    assert line["sequence"] == 3  # after the clock set for the catalogue and for the attempt
    assert line["actor"] == "province:430000"
    assert line["occurred_at"].startswith("2026-03-20")
    assert line["correlation_id"] == message["correlation_id"]
    assert line["causation_id"] == message["command_id"]


async def test_invalid_input_is_refused_by_field_and_only_the_attempt_is_kept(
    nats_server: EmbeddedNats, sqlite_settings: Settings
) -> None:
    """Bad input gets an error naming the field; the attempt stays on INTAKE; nothing is logged."""
    submission_service, registry_service = platform(sqlite_settings, nats_server.url)
    async with running(submission_service, registry_service):
        await load_catalogue(nats_server.url)
        body = park_application(name="", programme="NIIDX")
        del body["applicant"]
        decision = await ClockedDesk(nats_server.url).send("submission", submission(body))
        fields = {problem.field for problem in decision.problems}
        mismatch = submission(park_application(), province="430000")
        mismatch["province"] = "440000"  # the payload claims another province than its subject
        nc = await connect(nats_server.url, "test")
        js = nc.jetstream()
        await js.publish(
            "intake.v1.submission.430000.SubmitApplication",
            Envelope.__name__.encode(),
            stream=INTAKE_STREAM,
        )  # not even JSON
        intake = (await js.stream_info(INTAKE_STREAM)).state.messages
        await nc.drain()
    assert not decision.accepted and decision.recorded is None
    assert {"body.name", "body.programme", "body.applicant"} <= fields
    assert intake == 5  # the catalogue, two attempts, the clock set before the first two
    assert await log_events(nats_server.url) == []
    assert list_entries(build_registry(sqlite_settings).db) == []


async def test_a_payload_naming_another_province_than_its_subject_is_refused(
    nats_server: EmbeddedNats, sqlite_settings: Settings
) -> None:
    """Identity comes from the subject (DESIGN.md): the province field must match it."""
    submission_service, registry_service = platform(sqlite_settings, nats_server.url)
    async with running(submission_service, registry_service):
        await load_catalogue(nats_server.url)
        message = submission(park_application(), province="430000")
        nc = await connect(nats_server.url, "test")
        inbox = f"_INBOX.p430000.{uuid4().hex}"  # the sender's own: no other is answered
        sub = await nc.subscribe(inbox, max_msgs=1)
        message["province"] = "440000"
        await nc.jetstream().publish(
            "intake.v1.submission.430000.SubmitApplication", json.dumps(message).encode(),
            stream=INTAKE_STREAM, headers={"Demobase-Reply-To": inbox, "Nats-Msg-Id": str(uuid4())},
        )  # fmt: skip
        reply = await sub.next_msg(timeout=10)
        await nc.drain()
    assert b'"field":"province"' in reply.data and b'"accepted":false' in reply.data
    assert await log_events(nats_server.url) == []


@pytest.mark.parametrize(
    ("body", "rule_id", "field"),
    [
        (park_application(programme="EIDB", category="enterprise", domain="软件",
                          uscc="91350100MA2XN0QJ1W"), "R-ELIGIBLE-ENTERPRISE", "uscc"),
        (park_application(category="enterprise"), "R-ELIGIBLE-ZONE", "category"),
        (park_application(domain="人工智能"), "R-ONE-DOMAIN", "domain"),
    ],
)  # fmt: skip
async def test_an_application_failing_a_rule_on_arrival_is_rejected_on_the_log_with_the_rule(
    nats_server: EmbeddedNats,
    sqlite_settings: Settings,
    body: dict[str, Any],
    rule_id: str,
    field: str,
) -> None:
    """R-ELIGIBLE-ENTERPRISE, R-ELIGIBLE-ZONE, R-ONE-DOMAIN on arrival: ApplicationRejected."""
    submission_service, registry_service = platform(sqlite_settings, nats_server.url)
    async with running(submission_service, registry_service):
        await load_catalogue(nats_server.url)
        decision = await ClockedDesk(nats_server.url).send("submission", submission(body))
        db = build_registry(sqlite_settings).db
        entry = await wait_until(lambda: find_entry(db, str(decision.subject_id)))
    assert not decision.accepted and decision.recorded == "ApplicationRejected"
    assert (rule_id, field) in [(p.rule_id, p.field) for p in decision.problems]
    [event] = await log_events(nats_server.url)
    assert event.event_type == "ApplicationRejected"
    assert event.payload.model_dump()["reasons"][0]["rule_id"] == rule_id
    assert entry["status"] == "rejected"


async def test_rebuilding_the_registry_from_the_log_gives_the_live_registry_byte_for_byte(
    nats_server: EmbeddedNats, settings: Settings
) -> None:
    """The registry is a projection: dropped and replayed from sequence 1, it equals live."""
    submission_service, registry_service = platform(settings, nats_server.url)
    live_db = build_registry(settings).db
    async with running(submission_service, registry_service):
        await load_catalogue(nats_server.url)  # and the clock: one PlatformClockSet
        desk = ClockedDesk(nats_server.url)  # another for the attempts' day
        for index in range(12):
            body = park_application(
                name=f"示范园区{index}", domain="人工智能" if index % 4 else "装备工业"
            )
            await desk.send("submission", submission(body))
        await wait_until(lambda: applied(live_db, EVENTS_STREAM)[0] == 14)
    live = digest(live_db)
    nc = await connect(nats_server.url, "rebuild")
    result = await rebuild(build_registry(settings), nc.jetstream(), batch_size=5)
    await nc.drain()
    assert result.events == 14
    assert result.digest == live
