"""Running one service: connect, check the streams, then the relay and the consumers until stopped.

Every service process has this same shape; its ``bootstrap.build`` decides what goes in.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from shared.bus.connection import Credentials, connect, waiting_out_elections
from shared.bus.consumer import BatchHandler, TrackedConsumer, TrackedHandler
from shared.bus.handler import ServiceHandler
from shared.bus.relay import OutboxRelay, Translate
from shared.bus.seam import Seam
from shared.bus.streams import ensure_streams
from shared.contract.commands import Problem
from shared.fence import WriterFence
from shared.intake import LIMITS, RefusedAttemptError
from shared.store import ServiceApplication

log = structlog.get_logger()


@dataclass(frozen=True)
class Subscription:
    """One stream a service consumes, and the part of it (subject filter) it reads."""

    stream: str
    filter_subject: str | tuple[str, ...]
    batch_size: int = 64
    """The most messages decided per commit, for a handler that takes batches (a
    ``BatchHandler``; others take one at a time). A batch is only what already waits on the
    stream: an attempt alone is decided and answered at once (DESIGN.md: "Batch the commits,
    not the order")."""


@dataclass
class ServiceRuntime:
    """The bus side of one service: a relay for what it records, consumers for what it reads."""

    service: str
    nats_url: str
    handler: TrackedHandler
    subscriptions: tuple[Subscription, ...]
    app: ServiceApplication | None = None
    translate: Translate | None = None
    extra_tasks: tuple[Callable[[asyncio.Event], Coroutine[Any, Any, None]], ...] = ()
    credentials: Credentials | None = None
    stream_replicas: int = 1
    """Copies of each stream it creates, and checks an existing one has (``STREAM_REPLICAS``)."""
    reader: str = ""
    """The durable consumers' name, for a service running as several replicas that each read
    for themselves (``registry-<REGISTRY_REPLICA>``); the service's name when empty."""
    fence: WriterFence | None = None
    """This process's right to write the service's store (ADR 19): given, every commit checks
    it and a watcher confirms it; the service stops once another process is the writer."""
    seam: Seam = field(init=False)
    nc: Client | None = None
    relay: OutboxRelay | None = None
    consumers: list[TrackedConsumer] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.seam = Seam(self.service)

    async def start(self) -> JetStreamContext:
        if self.fence is not None and self.app is not None:
            self.app.fence_with(self.fence)
        self.nc = await connect(self.nats_url, self.service, self.credentials, forever=True)
        js = self.nc.jetstream()
        await waiting_out_elections(
            "streams not checked yet", lambda: ensure_streams(js, self.stream_replicas)
        )
        if isinstance(self.handler, ServiceHandler):
            self.handler.dead_letters.attach(js)
        if self.app is not None and self.translate is not None:
            self.app.publishable = publishable(self.translate, self.nc.max_payload)
            self.relay = OutboxRelay(
                self.app, js, self.translate, service=self.service, seam=self.seam
            )
        wake = self.relay.wake if self.relay is not None else None
        self.consumers = [
            TrackedConsumer(
                self.nc, js, self.service, sub.stream, sub.filter_subject, self.handler,
                self.seam, on_committed=wake,
                batch_size=sub.batch_size if isinstance(self.handler, BatchHandler) else 1,
                reader=self.reader,
            )
            for sub in self.subscriptions
        ]  # fmt: skip
        await self.nc.subscribe(status_subject(self.service), cb=self._answer_status)
        return js

    def status(self) -> dict[str, Any]:
        """Where this service stands: the last sequence it processed of each stream it reads."""
        return {
            "service": self.service,
            "consumers": [
                {"stream": c.stream, "filter": c.filter_subject, "processed": c.position}
                for c in self.consumers
            ],
        }

    async def _answer_status(self, message: Msg) -> None:
        if not message.reply:
            return
        status = self.status()
        if self.relay is not None:  # recorded here but not yet on the log
            status["unpublished"] = await self.seam.call(self.relay.unpublished)
        await message.respond(json.dumps(status).encode())

    async def run(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set; a failing part stops the whole service, loudly. A stop
        while it is still starting (waiting for a server that is away) ends the wait."""
        if not await self._started_unless(stop):
            await self.close()
            return
        parts: list[Coroutine[Any, Any, None]] = [c.run(stop) for c in self.consumers]
        if self.relay is not None:
            parts.append(self.relay.run(stop))
        parts.extend(task(stop) for task in self.extra_tasks)
        if self.fence is not None:
            parts.append(self.fence.watch(stop))
        tasks = [asyncio.create_task(part) for part in parts]
        log.info("service started", nats=self.nats_url)
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.close()

    async def _started_unless(self, stop: asyncio.Event) -> bool:
        """:meth:`start`, or False if ``stop`` is set first (the start is cancelled)."""
        starting = asyncio.ensure_future(self.start())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait((starting, stopping), return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if starting.done():
            starting.result()  # a start that failed fails the service, as before
            return True
        starting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await starting
        log.info("stopped while starting", nats=self.nats_url)
        return False

    async def close(self) -> None:
        if self.nc is not None and not self.nc.is_closed:
            with contextlib.suppress(Exception):
                await self.nc.drain()
        self.seam.close()


HEADROOM = 4096
"""Bytes of a message kept for its headers (``Nats-Msg-Id`` and the like) besides the envelope."""


def publishable(translate: Translate, max_payload: int) -> Callable[[Any], None]:
    """A check that a stored event's integration event fits the server's ``max_payload``
    (P-LIMITS): an event that could never be published is never recorded, and the attempt that
    would have caused it is refused naming the figures."""
    limit = max_payload - HEADROOM

    def check(domain_event: Any) -> None:
        envelope = translate(domain_event)
        if envelope is None:
            return
        size = len(envelope.to_json())
        if size > limit:
            raise RefusedAttemptError((Problem(
                field="(decision)", rule_id=LIMITS,
                reason=f"the {envelope.event_type} it would record could not be published: "
                f"{size} bytes with its envelope, beyond the server's {max_payload} bytes",
                required=f"at most {limit} bytes", given=f"{size} bytes",
            ),))  # fmt: skip

    return check


def status_subject(service: str) -> str:
    """Core-NATS request subject where a service tells where it stands (``demobase status``)."""
    return f"status.v1.{service}"


def stop_on_signals(stop: asyncio.Event) -> None:
    """Set ``stop`` on SIGINT or SIGTERM, so a service finishes its message and exits cleanly."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
