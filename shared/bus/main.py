"""The ``__main__`` of every service: configure logging and metrics, build, run until a signal."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable

import structlog

from shared.bus.consumer import StreamMismatchError
from shared.bus.runtime import ServiceRuntime, stop_on_signals
from shared.bus.streams import StreamMisconfiguredError
from shared.config import Settings
from shared.logging import configure_logging
from shared.metrics import serve_metrics
from shared.store import StoreTakenError, sole_writer

STORE_TAKEN = 3
WRONG_STREAM = 4
"""Exit status of a service whose stream is not the one its store recorded, or not configured as
the platform runs it: restarting cannot help, the operator decides (the error says how)."""
"""Exit status of a service that did not start because another process writes its store."""


def run_service(
    service: str,
    build: Callable[[Settings], ServiceRuntime],
    default_metrics_port: int,
    *,
    sole_writer_of_store: bool = True,
) -> None:
    """Run one service until SIGINT/SIGTERM; a service that writes an ``eventsourcing`` store
    holds it alone (ADR 11) and exits with status 3 if another process already does."""
    settings = Settings()
    configure_logging(service, log_format=settings.log_format, level=settings.log_level)
    log = structlog.get_logger()
    guard = sole_writer(settings, service) if sole_writer_of_store else contextlib.nullcontext()
    try:
        with guard:
            port = serve_metrics(settings.metrics_port or default_metrics_port)
            log.info("metrics served", metrics_port=port)

            async def main() -> None:
                stop = asyncio.Event()
                stop_on_signals(stop)
                await build(settings).run(stop)

            asyncio.run(main())
    except StoreTakenError as error:
        log.error("not started", reason=str(error))
        sys.exit(STORE_TAKEN)
    except (StreamMismatchError, StreamMisconfiguredError) as error:  # the operator's to decide
        log.error("stopped: the log is not the one this store holds", reason=str(error))
        sys.exit(WRONG_STREAM)
    log.info("service stopped")
