"""A commit that happened although the store said it failed is recognised, not decided twice
(issue 9, item 1).

PostgreSQL can end a session after it committed and before the client hears so (a terminated
backend, a network cut): psycopg raises ``OperationalError``, a store fault, and the batch is
decided again. Decided again from the consumer's own position, the attempt would record its
tracking a second time (``IntegrityError: Failed to record tracking``, which stopped submission
and review) or decide against an aggregate cache that is behind the store. Instead the consumer
reads the store's position before deciding again, and the service forgets its cached aggregates.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest
from nats.aio.client import Client
from structlog.testing import capture_logs

from demobase.client import caught_up, send_command
from services.submission.bootstrap import build as build_submission
from shared.bus.runtime import ServiceRuntime
from shared.bus.server import EmbeddedNats
from shared.config import Settings
from shared.contract.commands import IntakeDecision
from shared.contract.subjects import INTAKE_STREAM, intake_subject
from tests.e2e.test_submission_path import log_events, registry_runtime
from tests.fault.test_store_outage import HUNAN, application, ready
from tests.support import running, wait_until

pytestmark = pytest.mark.fault


def lose_the_answer_once(app: Any) -> dict[str, int]:
    """Once armed, the application's next commit of new events reaches the store, then raises as
    a session ended by the server would."""
    record, seen = app._record, {"lost": 0, "armed": 0}

    def committed_then_lost(processing: Any) -> Any:
        recordings = record(processing)
        if seen["armed"] and not seen["lost"] and processing.events:
            seen["lost"] += 1
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        return recordings

    app._record = committed_then_lost
    return seen


async def test_an_attempt_whose_commit_answer_was_lost_is_decided_once(
    nats_server: EmbeddedNats, settings: Settings, nc: Client
) -> None:
    """The first attempt's commit is stored but reported lost: the service stays up and decides
    the next attempt, the first is on the log once, and nothing is decided twice."""
    url = nats_server.url
    settings = Settings(**{**settings.model_dump(), "nats_url": url})
    submission = build_submission(settings)
    assert submission.app is not None
    seen = lose_the_answer_once(submission.app)
    with capture_logs() as logged:
        decision, first, second, decided = await lose_one_answer(
            url, settings, submission, seen, nc
        )
    decisions = [line for line in logged if line["event"] == "command decided"
                 and line.get("command") == "SubmitApplication"]  # fmt: skip
    assert len(decisions) == 2, decisions  # each once: the retry read the store's position
    assert any(line["event"] == "the failed commit had been recorded: not decided again"
               for line in logged)  # fmt: skip
    submitted = [e for e in await log_events(url) if e.event_type == "ApplicationSubmitted"]
    assert decision.accepted and decision.recorded == "ApplicationSubmitted", decision
    assert sorted(str(e.causation_id) for e in submitted) == sorted(
        [first["command_id"], second["command_id"]]
    )
    info = await nc.jetstream().stream_info(INTAKE_STREAM)
    assert decided == info.state.last_seq  # every attempt's position recorded


async def lose_one_answer(
    url: str, settings: Settings, submission: ServiceRuntime, seen: dict[str, int], nc: Client
) -> tuple[IntakeDecision, dict[str, Any], dict[str, Any], int]:
    assert submission.app is not None
    async with running(submission, registry_runtime(settings, url)):
        await ready(url)
        seen["armed"] = 1
        first = application()
        await nc.jetstream().publish(
            intake_subject("submission", HUNAN, "SubmitApplication"), json.dumps(first).encode(),
            stream=INTAKE_STREAM, headers={"Nats-Msg-Id": first["command_id"]},
        )  # fmt: skip
        await wait_until(lambda: seen["lost"] == 1, timeout=10)
        second = application()
        decision = await send_command(url, "submission", second, timeout=15)
        await caught_up(url, "submission", deadline_seconds=10)
        return decision, first, second, submission.app.position(INTAKE_STREAM)
