"""The sync/async seam, designed once (STYLE.md 6).

``eventsourcing`` is synchronous; the bus is asyncio. Every call into a service's application runs
on that service's single worker thread, one at a time, in the order it was made, with the caller's
context variables (so log lines keep their ``correlation_id``). The event loop never blocks on the
store, and the store is never touched by two threads of the same service at once.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class Seam:
    """Runs application calls on one worker thread, in order."""

    def __init__(self, name: str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{name}-app")

    async def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        context = contextvars.copy_context()
        bound = functools.partial(context.run, fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._executor, bound)

    def close(self) -> None:
        self._executor.shutdown(wait=True)
