"""Deciding services batch their commits, never their order (issue 8, item 3).

A backlog of attempts on the intake is decided in order, each against the aggregates as the
attempts before it in the same batch left them, and committed with the position of the last, in one
transaction per batch; decisions are answered after the commit. Run on both stores.
"""

from __future__ import annotations

import json

import pytest
from prometheus_client import REGISTRY

from demobase.client import intake_message
from shared.bus.connection import connect
from shared.bus.server import EmbeddedNats
from shared.config import Settings
from shared.contract.subjects import INTAKE_STREAM, intake_subject
from tests.e2e.test_submission_path import log_events, platform
from tests.support import at, load_catalogue, park_application, running, wait_until

pytestmark = pytest.mark.integration

N = 120
AGAIN_EVERY = 10
"""Every tenth attempt is sent a second time (the same command, another message id), right
behind the first: the copy is decided against the application its original just made."""


def sample(name: str) -> float:
    labels = {"service": "submission", "stream": INTAKE_STREAM}
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def publish_backlog(url: str) -> list[str]:
    """``N`` applications from Hunan published without waiting for any decision, with copies."""
    nc = await connect(url, "hunan-tool")
    js = nc.jetstream()
    commands = []
    subject = intake_subject("submission", "430000", "SubmitApplication")
    for index in range(N):
        message = intake_message("SubmitApplication", park_application(name=f"园区{index:03d}"),
                                 "430000", "province:430000", at("2026-03-20"))  # fmt: skip
        data = json.dumps(message).encode()
        await js.publish(subject, data, stream=INTAKE_STREAM,
                         headers={"Nats-Msg-Id": message["command_id"]})  # fmt: skip
        if index % AGAIN_EVERY == 0:
            await js.publish(subject, data, stream=INTAKE_STREAM,
                             headers={"Nats-Msg-Id": message["command_id"] + "-again"})  # fmt: skip
        commands.append(message["command_id"])
    await nc.drain()
    return commands


async def test_a_backlog_is_decided_in_order_in_fewer_commits_than_attempts(
    nats_server: EmbeddedNats, settings: Settings
) -> None:
    """R-PROCEDURE: every application of a backlog is submitted once, a copy right behind its
    original is recognised within the same batch (no second ApplicationSubmitted), and the
    backlog takes fewer commits than it has attempts."""
    submission_service, registry_service = platform(settings, nats_server.url)
    async with running(submission_service, registry_service):
        await load_catalogue(nats_server.url)
        commits, attempts = (
            sample("demobase_handler_seconds_count"),
            sample("demobase_events_consumed_total"),
        )
        commands = await publish_backlog(nats_server.url)

        async def all_logged() -> bool:
            return len(await log_events(nats_server.url)) >= N

        await wait_until(all_logged, timeout=90)
        await wait_until(
            lambda: sample("demobase_events_consumed_total") - attempts >= N + N // AGAIN_EVERY,
            timeout=30,
        )
        decided = sample("demobase_events_consumed_total") - attempts
        committed = sample("demobase_handler_seconds_count") - commits
        events = await log_events(nats_server.url)
    assert sorted(str(e.causation_id) for e in events) == sorted(commands)
    assert {e.event_type for e in events} == {"ApplicationSubmitted"}
    assert decided == N + N // AGAIN_EVERY
    assert committed < decided
