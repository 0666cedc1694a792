"""The ``__main__`` of every service: configure logging and metrics, build, run until a signal."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import structlog

from shared.bus.runtime import ServiceRuntime, stop_on_signals
from shared.config import Settings
from shared.logging import configure_logging
from shared.metrics import serve_metrics


def run_service(
    service: str, build: Callable[[Settings], ServiceRuntime], default_metrics_port: int
) -> None:
    settings = Settings()
    configure_logging(service, log_format=settings.log_format, level=settings.log_level)
    log = structlog.get_logger()
    port = serve_metrics(settings.metrics_port or default_metrics_port)
    log.info("metrics served", metrics_port=port)

    async def main() -> None:
        stop = asyncio.Event()
        stop_on_signals(stop)
        await build(settings).run(stop)

    asyncio.run(main())
    log.info("service stopped")
