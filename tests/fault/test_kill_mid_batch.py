"""A service killed half-way through deciding a batch of attempts records each exactly once.

A deciding service takes what already waits on its intake as one batch: it decides each attempt in
order against the aggregates as the earlier ones left them, and commits them all, with the position
of the last, in one transaction; it answers only after the commit (DESIGN.md, "Batch the commits,
not the order"; issue 8). Here the submission service runs as its own process and is killed with
SIGKILL while the decisions of a batch are made but not committed (its log says more attempts were
decided than its consumer has committed); after the restart the batch is decided again, and the log
holds every application once.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from services.submission.bootstrap import build_application
from shared.bus.server import EmbeddedNats
from shared.config import Settings
from shared.contract.subjects import INTAKE_STREAM
from tests.e2e.test_fault_restart import Process, _at_least, publish_applications
from tests.e2e.test_submission_path import log_events
from tests.support import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.fault]

N = 300
"""Attempts waiting on the intake when the service starts: several batches of them."""


def decided(log: Path) -> int:
    """How many attempts the service's log says it decided (before their commit)."""
    if not log.exists():
        return 0
    count = 0
    for line in log.read_text(errors="replace").splitlines():
        if '"command decided"' in line:
            count += 1
    return count


def committed(settings: Settings) -> Callable[[], int]:
    """The last INTAKE sequence the submission service's store holds as committed, read from
    its store (a second reader of the SQLite file: it writes nothing)."""
    store = build_application(settings)
    return lambda: store.position(INTAKE_STREAM)


async def kill_while_a_batch_is_open(
    process: Process, position: Callable[[], int], timeout: float = 60
) -> int:
    """Start ``process`` and SIGKILL it once it has decided attempts it had not committed when
    it died; how many (tried again, a bounded number of times, if a kill lands just after a
    commit)."""
    deadline = time.monotonic() + timeout
    for _ in range(5):
        process.start()
        while time.monotonic() < deadline:
            if position() and decided(process.log) - position() >= 5:
                process.kill()
                lost = decided(process.log) - position()  # the store as the kill left it
                if lost > 0:
                    return lost
                break
            await asyncio.sleep(0.005)
    raise AssertionError("the service was never killed with an open batch")


async def test_a_service_killed_mid_batch_records_each_attempt_once(
    nats_server: EmbeddedNats, sqlite_settings: Settings, tmp_path: Path
) -> None:
    """Exactly-once in effect survives kill -9 inside a batch: the decisions made before the
    kill were never committed nor answered, are made again after the restart, and each
    application is on the log once (R-PROCEDURE's ApplicationSubmitted, by its command)."""
    commands = await publish_applications(nats_server.url, N)
    submission = Process("submission", sqlite_settings, nats_server.url, tmp_path / "sub.log")
    try:
        uncommitted = await kill_while_a_batch_is_open(submission, committed(sqlite_settings))
        submission.start()
        await wait_until(lambda: _at_least(nats_server.url, N), timeout=120)
        events = await log_events(nats_server.url)
    finally:
        submission.stop()
    assert len(events) == N
    assert sorted(str(e.causation_id) for e in events) == sorted(commands)
    assert len({e.event_id for e in events}) == N
    lines = [json.loads(line) for line in submission.log.read_text().splitlines() if "{" in line]
    assert sum(line.get("event") == "command decided" for line in lines) >= N + uncommitted
