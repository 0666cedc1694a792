"""Connecting to NATS, the same way in every process."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog
from nats.aio.client import Client
from nats.errors import (
    ConnectionReconnectingError,
    NoRespondersError,
    OutboundBufferLimitError,
)
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.errors import NoStreamResponseError, ServiceUnavailableError

from shared.config import Settings

log = structlog.get_logger()

T = TypeVar("T")

UNAVAILABLE = (
    NatsTimeoutError,
    NoRespondersError,
    ConnectionReconnectingError,
    OutboundBufferLimitError,
    NoStreamResponseError,
    ServiceUnavailableError,
)
"""Errors after which the same publish may succeed once the server or the stream is back."""


@dataclass(frozen=True)
class Credentials:
    """Who connects: a user of ``deploy/nats/accounts.conf`` and its inbox prefix.

    A province connects as ``p<code>`` with the inbox prefix ``_INBOX.p<code>``: the only
    inboxes its account receives (ADR 6). The embedded development server needs none.
    """

    user: str | None = None
    password: str | None = None
    inbox_prefix: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Credentials:
        """``NATS_USER``, ``NATS_PASSWORD``, ``NATS_INBOX_PREFIX``."""
        return cls(settings.nats_user, settings.nats_password, settings.nats_inbox_prefix)


def servers(url: str) -> list[str]:
    """The servers of ``NATS_URL``: one URL, or several comma-separated (the cluster's nodes);
    nats-py takes a list and would read a comma-separated string as one address."""
    return [part.strip() for part in url.split(",") if part.strip()]


CLI_RECONNECTS = 60
"""Reconnects a command tries (0.5 s apart) before it gives up and says so."""
LOG_EVERY_FAILURE = 20
"""While no server answers, one line of the connection's errors in this many (and the first)."""


async def connect(
    url: str, name: str, credentials: Credentials | None = None, *, forever: bool = False
) -> Client:
    """Connect with a client name (visible in the server's ``/connz``).

    A command (``forever`` False) tries :data:`CLI_RECONNECTS` times. A service tries for as long
    as it takes, at start-up too: NATS away for minutes, a node rebooting, the whole cluster
    restarted under it is a wait, never an exit (issue 9, item 6); it logs the first failure
    and then one in :data:`LOG_EVERY_FAILURE`, with the count."""
    options: dict[str, Any] = {}
    if credentials is not None and credentials.user:
        options.update(user=credentials.user, password=credentials.password)
    if credentials is not None and credentials.inbox_prefix:
        options.update(inbox_prefix=credentials.inbox_prefix)
    client = Client()
    link = log.bind(connection=name, nats=url)
    failures = 0

    async def disconnected() -> None:
        if not client.is_closed:  # not our own close or drain
            link.warning("nats disconnected; reconnecting")

    async def reconnected() -> None:
        nonlocal failures
        failures = 0
        link.info(
            "nats reconnected", server=str(client.connected_url and client.connected_url.netloc)
        )

    async def failed(error: Exception) -> None:  # one line, not nats-py's default traceback
        nonlocal failures
        failures += 1
        if failures == 1 or failures % LOG_EVERY_FAILURE == 0:
            link.warning("nats connection error", error=f"{type(error).__name__}: {error}",
                         failures=failures, trying_again=forever)  # fmt: skip

    await client.connect(
        servers(url),
        name=name,
        connect_timeout=5,
        max_reconnect_attempts=-1 if forever else CLI_RECONNECTS,
        reconnect_time_wait=0.5,  # type: ignore[arg-type]  # a float works
        allow_reconnect=True,
        disconnected_cb=disconnected,
        reconnected_cb=reconnected,
        error_cb=failed,
        **options,
    )
    return client


@dataclass
class Backoff:
    """Waits that double from ``first`` up to ``most`` seconds, until reset by a success."""

    first: float = 0.25
    most: float = 5.0
    current: float = 0.0

    def next(self) -> float:
        self.current = min(self.most, self.current * 2 if self.current else self.first)
        return self.current

    def reset(self) -> None:
        self.current = 0.0


async def waiting_out_elections(what: str, call: Callable[[], Awaitable[T]]) -> T:
    """``call()``, tried again with backoff for as long as JetStream is unavailable (a stream's
    or the cluster's leader being elected, a node away, a request timing out): a service
    starting on a cluster mid-election waits, it does not exit. Any other error is raised."""
    backoff = Backoff()
    while True:
        try:
            return await call()
        except UNAVAILABLE as error:
            delay = backoff.next()
            log.warning(f"{what}: JetStream unavailable, trying again",
                        error=f"{type(error).__name__}: {error}", retry_in=delay)  # fmt: skip
            await asyncio.sleep(delay)
