"""The writer's lock ended under load: no attempt decided twice, none lost (issue 9, item 4).

Submission runs as real processes on one store (SQLite, and PostgreSQL over a real connection)
while park applications keep arriving; the writer's lock is taken from under it, as a fault or an
operator would (PostgreSQL ends the session holding the advisory lock; the lock file is deleted).
With a standby beside it, one of the two goes on as the writer: the standby takes over and the old
writer is fenced (exit status 5, restarted as a standby as ``demobase run`` would), or the writer
takes its lock again first and the standby keeps waiting. Alone, the writer takes its lock again
and never exits. Either way every application is on the log exactly once (ADR 19).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import psycopg
import pytest

from shared.bus.connection import connect
from shared.bus.main import FENCED
from shared.bus.server import EmbeddedNats
from shared.bus.streams import ensure_streams
from shared.config import Settings
from shared.fence import advisory_key
from tests.e2e.test_fault_restart import Process, _at_least, log_count, publish_applications
from tests.e2e.test_submission_path import log_events
from tests.support import log_says, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.fault]

ROUNDS = 3
PER_ROUND = 80
"""Applications sent in each round, while the writer's lock is ended."""


def end_the_writers_lock(settings: Settings) -> bool:
    """End whichever process's hold on submission's writer lock; False if nobody held it."""
    if not settings.uses_postgres:
        lock = settings.var_dir / "submission.lock"
        if not lock.exists():
            return False
        lock.unlink()
        return True
    key = advisory_key(settings, "submission")
    with psycopg.connect(settings.postgres_conninfo, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
            "AND granted AND classid::bigint = %s AND objid::bigint = %s AND objsubid = 1",
            ((key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF),
        ).fetchall()
    return bool(rows)


async def lock_ended_under_load(
    url: str, settings: Settings, processes: list[Process]
) -> tuple[list[str], list[int]]:
    """Send :data:`ROUNDS` rounds of applications, ending the writer's lock in the middle of
    each; restart a process that was fenced. The commands sent, and the exit codes seen."""
    commands: list[str] = []
    exits: list[int] = []
    nc = await connect(url, "fault-test")
    await ensure_streams(nc.jetstream())
    await nc.drain()
    for _ in range(ROUNDS):
        before = await log_count(url)
        sending = asyncio.create_task(publish_applications(url, PER_ROUND))
        await wait_until(lambda before=before: _at_least(url, before + 10), timeout=60)
        assert end_the_writers_lock(settings)
        commands += await sending
        await asyncio.sleep(2.5)  # a standby's tries and a watcher's checks, several times over
        for process in processes:
            assert process.process is not None
            code = process.process.poll()
            if code is not None:
                exits.append(code)
                process.start()  # as `demobase run` restarts it: it stands by
    return commands, exits


async def everything_once(url: str, commands: list[str]) -> None:
    await wait_until(lambda: _at_least(url, len(commands)), timeout=120)
    await asyncio.sleep(1.0)  # anything decided twice would be on the log by now
    events = await log_events(url)
    causes = [str(event.causation_id) for event in events]
    assert len(causes) == len(set(causes)), "an application decided twice"
    assert sorted(causes) == sorted(commands), "an application lost"


async def test_the_writers_lock_ended_under_load_with_a_standby_decides_each_once(
    nats_server: EmbeddedNats, settings: Settings, tmp_path: Path
) -> None:
    """ADR 19 under load: the writer's lock ended three times with a standby ready; whichever
    process goes on writing, nothing is decided twice or lost, and a process that stops does so
    only because it was fenced (status 5)."""
    processes = [
        Process("submission", settings, nats_server.url, tmp_path / f"submission-{n}.log")
        for n in (1, 2)
    ]
    try:
        processes[0].start()
        await wait_until(lambda: log_says(processes[0].log, "writing the store"), timeout=30)
        processes[1].start()
        await wait_until(lambda: log_says(processes[1].log, "standing by"), timeout=30)
        commands, exits = await lock_ended_under_load(nats_server.url, settings, processes)
        await everything_once(nats_server.url, commands)
    finally:
        for process in processes:
            process.stop()
    assert set(exits) <= {FENCED}
    writers = sum(log_says(p.log, "writing the store") for p in processes)
    assert writers >= 1


async def test_the_writers_lock_ended_under_load_with_no_standby_is_taken_again(
    nats_server: EmbeddedNats, settings: Settings, tmp_path: Path
) -> None:
    """ADR 19 under load: alone, a writer whose lock was ended three times takes it again each
    time (nobody else can have written) and never exits; nothing is decided twice or lost."""
    process = Process("submission", settings, nats_server.url, tmp_path / "submission.log")
    try:
        process.start()
        await wait_until(lambda: log_says(process.log, "writing the store"), timeout=30)
        commands, exits = await lock_ended_under_load(nats_server.url, settings, [process])
        await everything_once(nats_server.url, commands)
        assert process.process is not None and process.process.poll() is None
    finally:
        process.stop()
    assert exits == []
    assert log_says(process.log, "writer lock taken again")
