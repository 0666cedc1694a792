"""One writer per service store, fenced, with standbys (ADR 19; issue 9, item 4).

Each test runs on SQLite and on PostgreSQL over a real connection. A second process of a service
waits for the writer's lock instead of exiting; a commit made by a process whose epoch another has
advanced is refused inside its own transaction and leaves nothing behind; a writer whose lock was
taken from it (its PostgreSQL session ended, its lock file deleted) takes it again when nobody else
did, and is fenced when somebody did.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import psycopg
import pytest

from services.submission.application import SubmissionApplication
from shared.config import Settings
from shared.fence import (
    FENCED,
    HELD,
    LOST,
    FileWriterLock,
    PostgresWriterLock,
    WriterFence,
    WriterFencedError,
    WriterLockLostError,
    writer_fence,
)
from tests.integration.test_persistence_contract import new_application, stored_originators

pytestmark = pytest.mark.integration

SERVICE = "submission"
INTAKE = "INTAKE"


@pytest.fixture
def fences(settings: Settings) -> Iterator[list[WriterFence]]:
    made: list[WriterFence] = []
    yield made
    for fence in made:
        fence.release()


def fence_of(settings: Settings, made: list[WriterFence]) -> WriterFence:
    fence = writer_fence(settings, SERVICE)
    made.append(fence)
    return fence


async def take(fence: WriterFence, within: float = 5.0) -> bool:
    """Take ``fence``, standing by at most ``within`` seconds."""
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(within, stop.set)
    return await fence.take(stop)


def end_the_lock(settings: Settings, fence: WriterFence) -> None:
    """Take the writer's lock from under it, as an operator or a fault would: PostgreSQL ends the
    session holding it; on SQLite the lock file is deleted."""
    if settings.uses_postgres:
        lock = fence.lock
        assert isinstance(lock, PostgresWriterLock) and lock.connection is not None
        pid = lock.connection.info.backend_pid
        with psycopg.connect(settings.postgres_conninfo, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    else:
        assert isinstance(fence.lock, FileWriterLock)
        fence.lock.path.unlink()


async def test_a_second_process_stands_by_until_the_writer_lets_go(
    settings: Settings, fences: list[WriterFence]
) -> None:
    """ADR 19: the second process of a service waits for the writer's lock (it does not exit),
    and takes the next epoch once the writer is gone."""
    writer, standby = fence_of(settings, fences), fence_of(settings, fences)
    assert await take(writer)
    assert writer.state == HELD and writer.epoch is not None

    assert not await take(standby, within=1.2)  # still standing by when told to stop
    assert standby.state != HELD

    writer.release()
    assert await take(standby)
    assert standby.epoch == writer.epoch + 1


async def test_a_commit_under_an_epoch_another_process_advanced_is_refused(
    settings: Settings, fences: list[WriterFence], app: SubmissionApplication
) -> None:
    """ADR 19: once another process has taken the lock and moved the epoch on, the first one's
    next commit (events with a position, or a position alone) is refused inside its own
    transaction, whatever it believes of its lock, and nothing of it is stored."""
    writer, successor = fence_of(settings, fences), fence_of(settings, fences)
    assert await take(writer)
    app.fence_with(writer)
    app.advance(INTAKE, 1)

    end_the_lock(settings, writer)
    assert await take(successor)

    with pytest.raises(WriterFencedError, match="another submission process"):
        app.record(new_application(1), upstream=INTAKE, position=2)
    with pytest.raises(WriterFencedError):
        app.advance(INTAKE, 3)
    assert writer.state == FENCED
    assert app.position(INTAKE) == 1
    assert stored_originators(app) == []


async def test_a_writer_whose_lock_was_ended_takes_it_again_when_nobody_else_did(
    settings: Settings, fences: list[WriterFence], app: SubmissionApplication
) -> None:
    """ADR 19: with its lock ended and no standby, a writer commits nothing while it is gone,
    then takes it again and moves the epoch on from its own: nobody can have written meanwhile,
    so its cache is still true and it carries on."""
    writer = fence_of(settings, fences)
    assert await take(writer)
    app.fence_with(writer)
    epoch = writer.epoch
    assert epoch is not None

    end_the_lock(settings, writer)
    writer.state = LOST  # as the writer's watcher finds it, before it tries again
    with pytest.raises(WriterLockLostError):
        app.advance(INTAKE, 1)

    writer.confirm()
    assert (writer.state, writer.epoch) == (HELD, epoch + 1)
    app.record(new_application(1), upstream=INTAKE, position=1)
    assert app.position(INTAKE) == 1


async def test_a_writer_whose_lock_was_taken_over_is_fenced_by_its_watcher(
    settings: Settings, fences: list[WriterFence], app: SubmissionApplication
) -> None:
    """ADR 19: a writer that finds its lock held by another process stops deciding at once,
    without waiting for its next commit to be refused."""
    writer, successor = fence_of(settings, fences), fence_of(settings, fences)
    assert await take(writer)
    app.fence_with(writer)
    end_the_lock(settings, writer)
    assert await take(successor)

    with pytest.raises(WriterFencedError):
        writer.confirm()
    assert writer.state == FENCED
    with pytest.raises(WriterFencedError):
        app.advance(INTAKE, 1)
    with contextlib.suppress(WriterFencedError):
        writer.confirm()  # stays fenced
    assert writer.state == FENCED
