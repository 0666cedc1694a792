"""An attempt on an intake subject that no deciding service reads is refused like any other.

Over a real nats-server: the submission service's gatekeeper answers an attempt on an unknown
context on REFUSALS and to the sender's inbox (P-LIMITS), and passes over the attempts that a
context owns; the next valid attempt is decided as usual.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest

from demobase.client import intake_message
from demobase.clock import ClockedDesk
from shared.bus.connection import connect
from shared.bus.consumer import REPLY_HEADER
from shared.bus.server import EmbeddedNats
from shared.contract.commands import IntakeDecision
from shared.contract.subjects import INTAKE_STREAM
from tests.e2e.test_dead_letters import refusals
from tests.e2e.test_submission_path import platform
from tests.support import at, load_catalogue, park_application, running, wait_until

pytestmark = pytest.mark.e2e


async def test_an_attempt_on_an_unknown_context_is_refused_and_the_next_one_decided(
    nats_server: EmbeddedNats, sqlite_settings: Any
) -> None:
    """P-LIMITS: ``intake.v1.nosuch.…`` is refused on REFUSALS and to the sender; nothing of a
    known context is refused by the gatekeeper."""
    nc = await connect(nats_server.url, "test")
    try:
        async with running(*platform(sqlite_settings, nats_server.url)):
            await load_catalogue(nats_server.url)
            inbox = f"_INBOX.p430000.{uuid4().hex}"
            sub = await nc.subscribe(inbox, max_msgs=1)
            message = intake_message("SubmitApplication", park_application(), "430000",
                                     "province:430000", at("2026-03-20"))  # fmt: skip
            await nc.jetstream().publish(
                "intake.v1.nosuch.430000.SubmitApplication", json.dumps(message).encode(),
                stream=INTAKE_STREAM, headers={REPLY_HEADER: inbox, "Nats-Msg-Id": str(uuid4())},
            )  # fmt: skip
            reply = IntakeDecision.model_validate_json((await sub.next_msg(timeout=10)).data)
            notices = await wait_until(lambda: refusals(nc))
            after = await ClockedDesk(nats_server.url).send("submission", message)
    finally:
        await nc.drain()
    assert after.accepted and after.recorded == "ApplicationSubmitted"  # the next one, decided
    [problem] = reply.problems
    assert not reply.accepted and (problem.field, problem.rule_id) == ("(subject)", "P-LIMITS")
    assert problem.given == "nosuch" and "submission, review, evaluation" in str(problem.required)
    [notice] = notices  # the catalogue and its clock were decided by their owner, not refused
    assert (notice.service, notice.intake_subject) == (
        "gatekeeper", "intake.v1.nosuch.430000.SubmitApplication",
    )  # fmt: skip
