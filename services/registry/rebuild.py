"""Rebuilding the registry from the log: drop it, replay ``EVENTS`` from sequence 1.

Replays use nats-py's ordered consumer (the fastest reader; DESIGN.md, "Replay speed is in the
client") and commit in batches; the order is the stream's, so a batch is never applied out of turn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy

from services.registry.application import Registry
from services.registry.queries import digest
from shared.contract.subjects import EVENTS_STREAM, EVENTS_SUBJECTS

Progress = Callable[[int, int], None]
"""Called with (events applied so far, events to apply in all)."""


@dataclass(frozen=True)
class RebuildResult:
    events: int
    digest: str


async def rebuild(
    registry: Registry,
    js: JetStreamContext,
    *,
    batch_size: int = 1000,
    progress: Progress | None = None,
    idle_timeout: float = 10.0,
    as_of: datetime | None = None,
) -> RebuildResult:
    """Drop the registry and replay the log up to its last sequence at the start of the rebuild.

    With ``as_of``, only the events the log held at that moment: the stream appends in sequence
    order, so they are a prefix of it, and the result is the registry exactly as it stood then.
    """
    registry.drop()
    last = (await js.stream_info(EVENTS_STREAM)).state.last_seq
    if as_of is not None:
        last = await last_sequence_at(js, as_of, last)
    done = 0
    if last:
        sub = await js.subscribe(
            EVENTS_SUBJECTS,
            stream=EVENTS_STREAM,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.ALL,
            pending_msgs_limit=batch_size * 4,
        )
        try:
            batch: list[tuple[int, bytes]] = []
            while done < last:
                message = await sub.next_msg(timeout=idle_timeout)
                sequence = int(message.metadata.sequence.stream)
                if sequence > last:
                    break
                batch.append((sequence, message.data))
                if len(batch) >= batch_size or sequence == last:
                    registry.apply_batch(EVENTS_STREAM, batch)
                    done = sequence
                    batch = []
                    if progress is not None:
                        progress(done, last)
        finally:
            await sub.unsubscribe()
    return RebuildResult(events=done, digest=digest(registry.db))


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
