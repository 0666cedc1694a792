"""Killing and restarting a service loses no event and duplicates none (issue 2, "Done when").

The services run as real processes, as under ``make run``, and are killed with SIGKILL mid-stream.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from demobase.client import intake_message
from services.registry.bootstrap import build_registry
from services.registry.queries import applied, digest, export_lines
from services.registry.rebuild import rebuild
from shared.bus.connection import connect
from shared.bus.server import EmbeddedNats
from shared.bus.streams import ensure_streams
from shared.config import Settings
from shared.contract.subjects import EVENTS_STREAM, INTAKE_STREAM
from tests.e2e.test_submission_path import log_events
from tests.support import at, park_application, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.fault]
N = 150


class Process:
    """One service as its own process, killable."""

    def __init__(self, service: str, settings: Settings, url: str, log: Path) -> None:
        self.service, self.log = service, log
        self.env = {
            **os.environ, "NATS_URL": url, "VAR_DIR": str(settings.var_dir),
            "REGISTRY_PORT": "0", "METRICS_PORT": "0", "LOG_FORMAT": "json",
        }  # fmt: skip
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", f"services.{self.service}"], env=self.env,
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for process in started:
        process.stop()


async def publish_applications(url: str, count: int) -> list[str]:
    nc = await connect(url, "province-tool")
    js = nc.jetstream()
    await ensure_streams(js)
    commands = []
    for index in range(count):
        message = intake_message("SubmitApplication", park_application(name=f"园区{index:03d}"),
                                 "430000", "province:430000", at("2026-03-20"))  # fmt: skip
        await js.publish(
            "intake.v1.submission.430000.SubmitApplication", json.dumps(message).encode(),
            stream=INTAKE_STREAM, headers={"Nats-Msg-Id": message["command_id"]},
        )  # fmt: skip
        commands.append(message["command_id"])
    await nc.drain()
    return commands


async def log_count(url: str) -> int:
    nc = await connect(url, "counter")
    try:
        return int((await nc.jetstream().stream_info(EVENTS_STREAM)).state.messages)
    finally:
        await nc.drain()


async def test_a_submission_service_killed_mid_stream_loses_and_duplicates_nothing(
    nats_server: EmbeddedNats, sqlite_settings: Settings, processes: list[Process], tmp_path: Path
) -> None:
    """Intake consumer and relay killed with SIGKILL: after restart each command is logged once."""
    commands = await publish_applications(nats_server.url, N)
    submission = Process("submission", sqlite_settings, nats_server.url, tmp_path / "sub.log")
    processes.append(submission)
    submission.start()
    await wait_until(lambda: _at_least(nats_server.url, 30), timeout=60)
    submission.kill()
    submission.start()
    await wait_until(lambda: _at_least(nats_server.url, N), timeout=120)
    events = await log_events(nats_server.url)
    assert len(events) == N
    assert sorted(str(e.causation_id) for e in events) == sorted(commands)
    assert len({e.event_id for e in events}) == N


async def test_a_registry_killed_mid_stream_is_complete_without_duplicates_after_restart(
    nats_server: EmbeddedNats, sqlite_settings: Settings, processes: list[Process], tmp_path: Path
) -> None:
    """The registry's consumer killed mid-replay resumes after its recorded position."""
    await publish_applications(nats_server.url, N)
    submission = Process("submission", sqlite_settings, nats_server.url, tmp_path / "sub.log")
    registry = Process("registry", sqlite_settings, nats_server.url, tmp_path / "reg.log")
    processes.extend([submission, registry])
    submission.start()
    await wait_until(lambda: _at_least(nats_server.url, N), timeout=120)
    db = build_registry(sqlite_settings).db
    registry.start()
    await wait_until(lambda: applied(db, EVENTS_STREAM)[0] >= 20, timeout=60)
    registry.kill()
    registry.start()
    await wait_until(lambda: applied(db, EVENTS_STREAM)[0] == N, timeout=120)
    lines = [json.loads(line) for line in export_lines(db)]
    timeline = [line["event"] for line in lines if "event" in line]
    assert [line["sequence"] for line in timeline] == list(range(1, N + 1))
    assert len({line["event_id"] for line in timeline}) == N
    live = digest(db)
    registry.stop()
    nc = await connect(nats_server.url, "rebuild")
    result = await rebuild(build_registry(sqlite_settings), nc.jetstream())
    await nc.drain()
    assert (result.events, result.digest) == (N, live)


async def _at_least(url: str, count: int) -> bool:
    return await log_count(url) >= count
