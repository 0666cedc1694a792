"""Rebuilding the registry from the log: replay ``EVENTS`` from sequence 1 into new tables, then
swap them in for the registry's in one transaction.

Replays use nats-py's ordered consumer (the fastest reader; DESIGN.md, "Replay speed is in the
client") and commit in batches; the order is the stream's, so a batch is never applied out of turn.
Until the swap the registry serves (and the live consumer applies) as before; a rebuild that fails
for any reason (the stream gone, an exception, Ctrl-C) drops its new tables and leaves the registry
exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from services.registry.application import Applied, Registry
from services.registry.queries import digest
from shared.contract.subjects import EVENTS_STREAM, EVENTS_SUBJECTS

Progress = Callable[[int, int], None]
"""Called with (events applied so far, events to apply in all)."""


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
    batch_size: int = 1000,
    progress: Progress | None = None,
    idle_timeout: float = 10.0,
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
        done = await _replay(new, replay, 0, last)
        while ahead := registry.replace_with(new, EVENTS_STREAM, catch_up=as_of is None):
            done = await _replay(new, replay, done, ahead)
    except BaseException:
        new.discard()
        raise
    return RebuildResult(events=done, digest=digest(registry.db))


async def _replay(registry: Registry, replay: Replay, done: int, last: int) -> int:
    """Apply the events after ``done`` up to ``last`` in batches; return the last applied."""
    if done >= last:
        return done
    sub = await replay.js.subscribe(
        EVENTS_SUBJECTS,
        stream=EVENTS_STREAM,
        ordered_consumer=True,
        config=ConsumerConfig(
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE if done else DeliverPolicy.ALL,
            opt_start_seq=done + 1 if done else None,
        ),
        pending_msgs_limit=replay.batch_size * 4,
    )
    try:
        batch: list[Applied] = []
        while done < last:
            message = await sub.next_msg(timeout=replay.idle_timeout)
            sequence = int(message.metadata.sequence.stream)
            if sequence > last:
                break
            batch.append((sequence, message.data, message.subject))
            if len(batch) >= replay.batch_size or sequence == last:
                registry.apply_batch(EVENTS_STREAM, batch)
                done, batch = sequence, []
                if replay.progress is not None:
                    replay.progress(done, last)
    finally:
        await sub.unsubscribe()
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
