"""Reading the log from a sequence, at any length, without ever falling behind the reader.

Every replay of the registry goes through :func:`read_log`: the rebuild and its catch-up with the
live registry (``rebuild.py``), the as-of replay (``rebuild(as_of=…)``), the auditor's
``demobase audit verify`` and a registry that starts behind the log (``bootstrap.py``).

nats-py's push consumers cannot hold a fast server back from a Python reader: an ordered consumer
read with a callback answers the server's flow control as soon as a message *arrives*, not when
it is used, so the client buffers without bound (3.6 GB for 10^6 events) or, with a pending limit,
drops messages as a "slow consumer" and fails; read with ``next_msg`` or ``fetch`` it holds, but
at a third of the callback's rate (``docs/bench.md``). So the log is read through an ephemeral
*pull* consumer (``AckPolicy.NONE``, in memory, removed by the server when idle) that this module
asks for one batch at a time on the JetStream API (``CONSUMER.MSG.NEXT`` with ``batch`` and
``no_wait``), the messages taken by a callback. At most one request is outstanding: the next one
is sent as soon as a batch is complete, so the server sends batch k+1 while the caller applies
batch k, and no more. The client never holds more than two batches, whatever the length of the
stream, and its pending limits are set above that, so it can never drop one.

Each batch is a list of ``(stream sequence, bytes, subject)`` in stream order, exactly as
``Registry.apply_batch`` takes it; the consumer sequences are checked to be gapless.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from shared.contract.subjects import EVENTS_STREAM, EVENTS_SUBJECTS

Entry = tuple[int, bytes, str]
"""One event of the log: its stream sequence, its bytes and the subject it was published on."""

Progress = Callable[[int, int], None]
"""Called after each batch with (the last sequence handled, the last sequence to handle)."""

BATCH_SIZE = 2000
"""Events per pull request, and per transaction of a rebuild: large enough that the commit and the
round trip are a small part of a batch, small enough that two batches are a few MB."""

IDLE_TIMEOUT = 10.0
"""Seconds without a single message before a replay gives up (the server or the stream gone)."""

STATUS = "Status"
NO_MESSAGES, REQUEST_TIMEOUT, HEARTBEAT = "404", "408", "100"


class ReplayError(NatsError):
    """The server answered a pull with something other than the log (a consumer deleted, a limit
    exceeded), or delivered it with a gap: the replay stops rather than apply out of order."""


@dataclass
class _Pull:
    """The state of one replay's pull consumer, fed by the subscription's callback."""

    batch_size: int
    arrived: list[Entry] = field(default_factory=list)
    received: int = 0
    """Messages of the log received in all (the consumer sequence of the last one)."""
    requested: int = 0
    """Messages asked for in all; the current request is over when ``received`` reaches it."""
    ended: bool = False
    """The server answered that it has no more messages for the current request."""
    error: ReplayError | None = None
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def complete(self) -> bool:
        return self.ended or self.received >= self.requested or self.error is not None

    async def on_message(self, message: Msg) -> None:
        headers = message.headers
        status = headers.get(STATUS) if headers else None
        if status is not None:
            if status in (NO_MESSAGES, REQUEST_TIMEOUT):
                self.ended = True
            elif status != HEARTBEAT:
                description = headers.get("Description", "") if headers else ""
                self.error = ReplayError(f"the server answered a pull with {status} {description}")
            self.wake.set()
            return
        sequence, delivered = _sequences(message.reply)
        if delivered != self.received + 1:
            self.error = ReplayError(
                f"the log arrived with a gap: message {delivered}, {self.received + 1} expected"
            )
        self.received = delivered
        self.arrived.append((sequence, message.data, message.subject))
        if self.received >= self.requested:
            self.wake.set()


def _sequences(reply: str) -> tuple[int, int]:
    """The stream and consumer sequences from a JetStream message's reply subject, in its v1
    (``$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>``) or v2 form (with
    a domain and an account hash after ``ACK``, and a token at the end)."""
    tokens = reply.split(".")
    if len(tokens) == 9 and tokens[:2] == ["$JS", "ACK"]:
        return int(tokens[5]), int(tokens[6])
    if len(tokens) >= 11 and tokens[:2] == ["$JS", "ACK"]:
        return int(tokens[7]), int(tokens[8])
    raise ReplayError(f"not a message of a JetStream consumer (reply subject {reply[:100]!r})")


def _client(js: JetStreamContext) -> tuple[Client, str]:
    """The connection of a JetStream context and its API prefix (``$JS.API``, or the account's
    own, as an auditor's connection has it); nats-py keeps both but names neither publicly."""
    return js._nc, js._prefix


async def read_log(
    js: JetStreamContext,
    first: int,
    last: int,
    *,
    batch_size: int = BATCH_SIZE,
    idle_timeout: float = IDLE_TIMEOUT,
    stream: str = EVENTS_STREAM,
    subjects: str = EVENTS_SUBJECTS,
) -> AsyncIterator[list[Entry]]:
    """The events of ``stream`` from sequence ``first`` to ``last`` (both included), in order,
    in batches of at most ``batch_size``; :class:`TimeoutError` if the server sends nothing for
    ``idle_timeout`` seconds, :class:`ReplayError` if it answers with an error."""
    if first > last:
        return
    nc, api = _client(js)
    name = f"replay-{nc._nuid.next().decode()}"
    config = ConsumerConfig(
        name=name,
        filter_subject=subjects,
        ack_policy=AckPolicy.NONE,
        deliver_policy=DeliverPolicy.BY_START_SEQUENCE if first > 1 else DeliverPolicy.ALL,
        opt_start_seq=first if first > 1 else None,
        mem_storage=True,
        inactive_threshold=max(3 * idle_timeout, 30.0),  # a reader that died leaves nothing
    )
    await js.add_consumer(stream, config=config)
    pull = _Pull(batch_size)
    inbox = nc.new_inbox()
    # One request of ``batch_size`` is outstanding at a time, and a batch is handed over before
    # the next one arrives: twice that, and a status message or two, is all that can be pending.
    subscription = await nc.subscribe(
        inbox, cb=pull.on_message, pending_msgs_limit=2 * batch_size + 16, pending_bytes_limit=0
    )
    next_subject = f"{api}.CONSUMER.MSG.NEXT.{stream}.{name}"
    wanted = last - first + 1  # at most: a sequence the filter skips is never delivered

    async def request() -> None:
        count = min(batch_size, wanted - pull.requested)
        pull.requested += count
        pull.ended = False
        pull.wake.clear()
        body = json.dumps({"batch": count, "no_wait": True}).encode()
        await nc.publish(next_subject, body, reply=inbox)

    try:
        await request()
        done = False
        while not done:
            while not pull.complete:
                received = pull.received
                with suppress(TimeoutError):
                    await asyncio.wait_for(pull.wake.wait(), timeout=idle_timeout)
                if not pull.complete and pull.received == received:
                    raise TimeoutError(
                        f"no message of {stream} for {idle_timeout} s "
                        f"({len(pull.arrived)} waiting, sequence {last} wanted)"
                    )
                pull.wake.clear()
            if pull.error is not None:
                raise pull.error
            batch, pull.arrived = pull.arrived, []
            done = (bool(batch) and batch[-1][0] >= last) or pull.requested >= wanted
            if pull.ended and not batch:
                done = True  # nothing more on the stream: the range ends before ``last``
            if not done:
                await request()  # the server sends the next batch while this one is applied
            if batch and batch[-1][0] > last:
                batch = [entry for entry in batch if entry[0] <= last]
            if batch:
                yield batch
    finally:
        with suppress(Exception):
            await subscription.unsubscribe()
        with suppress(Exception):
            await js.delete_consumer(stream, name)


# --- progress on a terminal ------------------------------------------------------------------


@dataclass
class Rate:
    """Events per second and the time left, from the start of a replay."""

    first: int
    started: float = field(default_factory=time.monotonic)

    def of(self, done: int, last: int) -> tuple[float, float | None]:
        elapsed = time.monotonic() - self.started
        rate = (done - self.first + 1) / elapsed if elapsed > 0 and done >= self.first else 0.0
        eta = (last - done) / rate if rate > 0 else None
        return rate, eta


@contextmanager
def terminal_progress(what: str, *, first: int = 1) -> Iterator[Progress | None]:
    """A progress line on stderr (events done of all, events/s, time left) while the block runs,
    when stderr is a terminal; None (nothing shown) when it is not, as in a pipe or a log."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn(what), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
    )  # fmt: skip
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task(what, total=None, rate="")
        rate = Rate(first)

        def update(done: int, last: int) -> None:
            per_second, _ = rate.of(done, last)
            bar.update(
                task, completed=done - first + 1, total=last - first + 1,
                rate=f"{per_second:,.0f} events/s",
            )  # fmt: skip

        yield update
