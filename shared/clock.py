"""Where a scheduler reads the time: injected, so that tests and replays set it.

Rules never read a clock (they take dates from commands and events); only the schedulers that
act when a deadline passes do, through this protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Protocol

import structlog

from shared.store import STORE_FAULTS

log = structlog.get_logger()


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


async def every(
    interval_seconds: float, stop: asyncio.Event, tick: Callable[[], Awaitable[object]]
) -> None:
    """Run ``tick`` now and then every ``interval_seconds`` until ``stop`` is set."""
    while not stop.is_set():
        try:
            await tick()
        except STORE_FAULTS as error:  # the store away: the next tick tries again
            log.warning("scheduled run waits for the store", error=repr(error))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_seconds)
