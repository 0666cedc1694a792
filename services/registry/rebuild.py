"""Rebuilding the registry from the log: replay ``EVENTS`` from sequence 1 into new tables, then
swap them in for the registry's in one transaction.

Replays read the log through ``replay.read_log`` (a pull consumer asked for one batch at a time,
so the reader can never fall behind at any length of the log) and apply each batch in one
transaction; the order is the stream's, so a batch is never applied out of turn. Until the swap
the registry serves (and the live consumer applies) as before; a rebuild that fails for any
reason (the stream gone, an exception, Ctrl-C) drops its new tables and leaves the registry
exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from nats.js import JetStreamContext

from services.registry.application import Registry
from services.registry.queries import digest
from services.registry.replay import BATCH_SIZE, IDLE_TIMEOUT, Progress, read_log
from shared.contract.subjects import EVENTS_STREAM

__all__ = ["Progress", "RebuildResult", "Replay", "last_sequence_at", "rebuild", "replay_into"]


@dataclass(frozen=True)
class RebuildResult:
    events: int
    digest: str


@dataclass(frozen=True)
class Replay:
    """How a rebuild reads the log."""

    js: JetStreamContext
    batch_size: int
    progress: Progress | None
    idle_timeout: float


async def rebuild(
    registry: Registry,
    js: JetStreamContext,
    *,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
    idle_timeout: float = IDLE_TIMEOUT,
    as_of: datetime | None = None,
) -> RebuildResult:
    """Replay the log up to its last sequence at the start of the rebuild into new tables, and
    swap them in when complete (after catching up with the live registry, if it went on).

    With ``as_of``, only the events the log held at that moment: the stream appends in sequence
    order, so they are a prefix of it, and the result is the registry exactly as it stood then.
    """
    replay = Replay(js, batch_size, progress, idle_timeout)
    new = registry.new_tables()
    try:
        last = (await js.stream_info(EVENTS_STREAM)).state.last_seq
        if as_of is not None:
            last = await last_sequence_at(js, as_of, last)
        done = await replay_into(new, replay, 0, last)
        while ahead := registry.replace_with(new, EVENTS_STREAM, catch_up=as_of is None):
            done = await replay_into(new, replay, done, ahead)
    except BaseException:
        new.discard()
        raise
    return RebuildResult(events=done, digest=digest(registry.db))


async def replay_into(registry: Registry, replay: Replay, done: int, last: int) -> int:
    """Apply the events after ``done`` up to ``last``, a batch per transaction; return the last
    sequence applied."""
    async for batch in read_log(
        replay.js, done + 1, last, batch_size=replay.batch_size, idle_timeout=replay.idle_timeout
    ):
        registry.apply_batch(EVENTS_STREAM, batch)
        done = batch[-1][0]
        if replay.progress is not None:
            replay.progress(done, last)
    return done


async def last_sequence_at(js: JetStreamContext, moment: datetime, last: int) -> int:
    """The last sequence the log held at ``moment`` (0 if none): a binary search on the stream."""
    low, high = 0, last
    while low < high:
        middle = (low + high + 1) // 2
        stored = await js.get_msg(EVENTS_STREAM, middle)
        if stored.time is not None and stored.time <= moment:
            low = middle
        else:
            high = middle - 1
    return low
