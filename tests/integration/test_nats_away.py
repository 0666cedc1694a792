"""A service waits for NATS for as long as it is away, at start-up and while it runs (issue 9,
item 6): ``demobase run`` restarts a service that exits, but a service that exits every few
seconds while the server is down spends its restart budget and the platform stops. So a service
connects with unbounded reconnects, and a command with bounded ones (it must say so and end)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from demobase.client import intake_message, send_command
from services.submission.bootstrap import build as build_submission
from shared.bus.connection import CLI_RECONNECTS, connect
from shared.bus.server import EmbeddedNats, free_port
from shared.config import Settings
from tests.support import at, load_catalogue, park_application, wait_until

pytestmark = pytest.mark.integration

AWAY_SECONDS = 3.0


async def test_a_service_started_before_its_server_waits_for_it_then_decides(
    tmp_path: Path,
) -> None:
    """Issue 9, item 6: the server comes up seconds after the service; the service was waiting,
    not exiting, and decides the first attempt sent to it."""
    port = free_port()
    url = f"nats://127.0.0.1:{port}"
    settings = Settings(var_dir=tmp_path / "var", nats_url=url)
    runtime = build_submission(settings)
    stop = asyncio.Event()
    service = asyncio.create_task(runtime.run(stop))
    server = None
    try:
        await asyncio.sleep(AWAY_SECONDS)
        assert not service.done(), "the service stopped while its server was away"
        server = EmbeddedNats(tmp_path / "nats", port=port).start()
        await wait_until(lambda: runtime.consumers or service.done(), timeout=30)
        assert not service.done()
        assert runtime.nc is not None
        assert runtime.nc.options["max_reconnect_attempts"] == -1  # and so while it runs
        await load_catalogue(url, day="2026-03-20")
        message = intake_message(
            "SubmitApplication", park_application(), "430000", "province:430000", at("2026-03-20")
        )
        decision = await send_command(url, "submission", message)
        assert decision.accepted, decision
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(service, return_exceptions=True), timeout=15)
        if server is not None:
            server.stop()


async def test_a_service_waiting_for_its_server_stops_when_told(tmp_path: Path) -> None:
    """Issue 9, item 6: waiting for ever must not mean deaf: SIGTERM (the stop event) while no
    server answers ends the service at once, as Ctrl-C of ``demobase run`` expects."""
    settings = Settings(var_dir=tmp_path / "var", nats_url=f"nats://127.0.0.1:{free_port()}")
    runtime = build_submission(settings)
    stop = asyncio.Event()
    service = asyncio.create_task(runtime.run(stop))
    await asyncio.sleep(1.0)
    assert not service.done()
    stop.set()
    await asyncio.wait_for(service, timeout=5)  # returns, raising nothing
    assert runtime.consumers == []


async def test_a_command_tries_a_bounded_number_of_reconnects(nats_server: EmbeddedNats) -> None:
    """A command that loses its server gives up after its reconnects and says so; only the
    services wait for ever."""
    client = await connect(nats_server.url, "test-command")
    try:
        assert client.options["max_reconnect_attempts"] == CLI_RECONNECTS
    finally:
        await client.close()
