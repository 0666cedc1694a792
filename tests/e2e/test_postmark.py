"""P-POSTMARK over a real nats-server: a rule reads when the platform received an attempt.

A sender's ``issued_at`` is kept but never read by a rule: a backdated attempt is judged at its
receipt on the platform's clock, which only the ministry's operator can set (ADR 13), and every
setting is a fact on the log.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from demobase.client import intake_message, send_command
from demobase.clock import set_clock
from shared.bus.server import EmbeddedNats
from shared.contract.envelope import Envelope
from shared.contract.provinces import MINISTRY
from tests.e2e.test_selection_submission import GUANGDONG, Desk, platform, rules  # noqa: F401
from tests.e2e.test_submission_path import all_log_events
from tests.support import at, running, wait_until

pytestmark = pytest.mark.e2e


async def test_p_postmark_a_backdated_city_review_is_judged_at_its_receipt_and_refused_late(
    nats_server: EmbeddedNats,
    platform: tuple[Any, ...],  # noqa: F811
) -> None:
    """P-POSTMARK, R-DEADLINES: Guangdong's cities report by 2026-03-30; an attempt received on
    2026-03-31 that says it was issued on 2026-03-29 is late, and the refusal names the receipt."""
    desk = Desk(nats_server.url)
    async with running(*platform):
        await desk.open_eidb_batch()
        late = await desk.apply(GUANGDONG, "深圳市", "深圳储能园")
        assert (await set_clock(nats_server.url, "submission", at("2026-03-31"))).accepted
        body = {"application_id": late, "city": "深圳市", "rank": 1}
        backdated = intake_message("ReviewByCity", body, GUANGDONG, "city:深圳市", at("2026-03-29"))
        refused = await send_command(nats_server.url, "submission", backdated)
    assert rules(refused) == ["R-DEADLINES"]
    assert refused.problems[0].field == "received_at"
    assert refused.problems[0].given == "2026-03-31"


async def test_p_postmark_the_time_a_sender_writes_changes_nothing_and_facts_carry_the_receipt(
    nats_server: EmbeddedNats,
    platform: tuple[Any, ...],  # noqa: F811
) -> None:
    """P-POSTMARK: an application "issued" in 2001 is decided at its receipt and the fact on the
    log carries the receipt as its business time; a year out of range (9999) is refused by field."""
    desk = Desk(nats_server.url)
    async with running(*platform):
        await desk.open_eidb_batch()
        assert (await set_clock(nats_server.url, "submission", at("2026-03-20"))).accepted
        message = intake_message("SubmitApplication", _application(), GUANGDONG,
                                 f"province:{GUANGDONG}", at("2001-01-01"))  # fmt: skip
        backdated = await send_command(nats_server.url, "submission", message)
        message = {**message, "command_id": str(uuid4()), "issued_at": "9999-12-31T23:59:59Z"}
        far = await send_command(nats_server.url, "submission", message)
        [submitted] = await wait_until(lambda: _facts_of(nats_server.url, backdated.subject_id))
    assert backdated.accepted, backdated
    assert at("2026-03-20") <= submitted.occurred_at < at("2026-03-20") + timedelta(minutes=5)
    assert [(p.field, "9999" in p.reason) for p in far.problems] == [("issued_at", True)]


async def test_p_postmark_a_province_cannot_move_the_platform_clock_and_each_setting_is_logged(
    nats_server: EmbeddedNats,
    platform: tuple[Any, ...],  # noqa: F811
) -> None:
    """P-POSTMARK, P-AUTHORITY: only the ministry's operator sets the clock; a province's attempt
    is refused, and the operator's setting is a PlatformClockSet on the log with the receipt."""
    async with running(*platform):
        by_province = intake_message(
            "SetPlatformClock", {"to": at("2026-03-01").isoformat(), "reason": "earlier"},
            GUANGDONG, f"province:{GUANGDONG}", at("2026-03-01"),
        )  # fmt: skip
        refused = await send_command(nats_server.url, "submission", by_province)
        accepted = await set_clock(nats_server.url, "submission", at("2026-03-20"), "a trial")
        events = await wait_until(lambda: _facts_of(nats_server.url, "platform-clock"))
    assert rules(refused) == ["P-AUTHORITY"] and refused.problems[0].field == "actor"
    assert accepted.accepted and accepted.recorded == "PlatformClockSet"
    [logged] = events
    payload = logged.payload.model_dump()
    assert (logged.province, logged.subject, payload["decided_in"]) == (
        MINISTRY, "bases.v1.submission.000000.PlatformClockSet", "submission",
    )  # fmt: skip
    assert payload["to"] == at("2026-03-20") and payload["reason"] == "a trial"
    assert payload["received_at"] != payload["to"]  # the server's receipt, today


def _application() -> dict[str, Any]:
    from tests.support import park_application

    return park_application(programme="EIDB", name="深圳新型储能园", city="深圳市",
                            domain="新型储能制造", batch_id="EIDB-2026-1")  # fmt: skip


async def _facts_of(url: str, subject_id: str | None) -> list[Envelope]:
    return [e for e in await all_log_events(url) if e.subject_id == subject_id]
