"""Rebuilding the registry from the log: drop it, replay ``EVENTS`` from sequence 1.

Replays use nats-py's ordered consumer (the fastest reader; DESIGN.md, "Replay speed is in the
client") and commit in batches; the order is the stream's, so a batch is never applied out of turn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
) -> RebuildResult:
    """Drop the registry and replay the log up to its last sequence at the start of the rebuild."""
    registry.drop()
    last = (await js.stream_info(EVENTS_STREAM)).state.last_seq
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
