"""The ``__main__`` of every service: configure logging and metrics, take the writer's place (or
stand by for it), build, run until a signal."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable

import structlog

from shared.bus.consumer import StreamMismatchError
from shared.bus.runtime import ServiceRuntime, stop_on_signals
from shared.bus.streams import StreamMisconfiguredError
from shared.config import Settings
from shared.fence import WriterFencedError, writer_fence
from shared.logging import configure_logging
from shared.metrics import serve_metrics

WRONG_STREAM = 4
"""Exit status of a service whose stream is not the one its store recorded, or not configured as
the platform runs it: restarting cannot help, the operator decides (the error says how)."""
FENCED = 5
"""Exit status of a service that stopped deciding because another process became its writer
(ADR 19): restarted, it stands by."""


def run_service(
    service: str,
    build: Callable[[Settings], ServiceRuntime],
    default_metrics_port: int,
    *,
    sole_writer_of_store: bool = True,
) -> None:
    """Run one service until SIGINT/SIGTERM. A service that writes an ``eventsourcing`` store
    is its one writer (ADR 19): it waits, as a standby, while another process holds the store's
    writer lock, and exits with status 5 once another process has become the writer."""
    settings = Settings()
    configure_logging(service, log_format=settings.log_format, level=settings.log_level)
    log = structlog.get_logger()
    port = serve_metrics(settings.metrics_port or default_metrics_port)
    log.info("metrics served", metrics_port=port)

    async def main() -> None:
        stop = asyncio.Event()
        stop_on_signals(stop)
        if not sole_writer_of_store:
            await build(settings).run(stop)
            return
        fence = writer_fence(settings, service)
        if not await fence.take(stop):
            return
        try:
            runtime = build(settings)
            runtime.fence = fence
            await runtime.run(stop)
        finally:
            fence.release()

    try:
        asyncio.run(main())
    except WriterFencedError as error:
        log.error("stopped: another process is this service's writer now", reason=str(error))
        sys.exit(FENCED)
    except (StreamMismatchError, StreamMisconfiguredError) as error:  # the operator's to decide
        log.error("stopped: the log is not the one this store holds", reason=str(error))
        sys.exit(WRONG_STREAM)
    log.info("service stopped")
