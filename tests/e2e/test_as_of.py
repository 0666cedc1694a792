"""The registry as it stood at any moment, from the log alone (RULES.md, last paragraph)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from demobase.client import intake_message
from demobase.clock import ClockedDesk
from services.registry.adapters.db import SqliteDatabase
from services.registry.application import Registry
from services.registry.bootstrap import build_registry
from services.registry.queries import applied, digest, list_entries
from services.registry.rebuild import rebuild
from shared.bus.connection import connect
from shared.bus.server import EmbeddedNats
from shared.config import Settings
from tests.e2e.test_submission_path import platform
from tests.support import at, load_catalogue, park_application, running, wait_until

pytestmark = pytest.mark.e2e


async def test_the_registry_as_of_a_moment_holds_exactly_what_the_log_held_then(
    nats_server: EmbeddedNats, sqlite_settings: Settings, tmp_path: Path
) -> None:
    """An auditor replays the log up to a moment into a copy; the live registry is untouched."""
    live = build_registry(sqlite_settings).db
    async with running(*platform(sqlite_settings, nats_server.url)):
        await load_catalogue(nats_server.url)
        first = intake_message(
            "SubmitApplication", park_application(), "430000", "p", at("2026-03-20")
        )
        desk = ClockedDesk(nats_server.url)
        await desk.send("submission", first)  # the clocks (catalogue, attempt), the application
        await wait_until(lambda: applied(live, "EVENTS")[0] == 3)
        moment = datetime.now(UTC)
        second = intake_message("SubmitApplication", park_application(name="株洲高新区"), "430000",
                                "p", at("2026-03-21"))  # fmt: skip
        await desk.send("submission", second)  # the clock, the application
        await wait_until(lambda: applied(live, "EVENTS")[0] == 5)
    nc = await connect(nats_server.url, "auditor")
    then = Registry(SqliteDatabase(tmp_path / "then.sqlite"))
    result = await rebuild(then, nc.jetstream(), as_of=moment)
    before = await rebuild(Registry(SqliteDatabase(tmp_path / "before.sqlite")), nc.jetstream(),
                           as_of=datetime(2020, 1, 1, tzinfo=UTC))  # fmt: skip
    await nc.drain()
    assert result.events == 3 and [e["name"] for e in list_entries(then.db)] == [
        "长沙经济技术开发区"
    ]
    assert before.events == 0
    assert applied(live, "EVENTS")[0] == 5 and digest(live) != result.digest
