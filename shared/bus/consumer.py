"""The tracked consumer: one stream, strictly in sequence, position recorded with the result.

JetStream redelivers out of order, and ``eventsourcing``'s tracking keeps only the highest position,
so a consumer with many messages in flight can silently skip one (DESIGN.md, "Order before
throughput"). This consumer has exactly one message in flight: a durable pull consumer created at
start-up at the handler's recorded position + 1, ``max_ack_pending=1``, explicit acks sent only
after the handler committed. A message at or below the recorded position is acknowledged and
skipped, so redelivery changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from shared.bus.connection import UNAVAILABLE, Backoff, waiting_out_elections
from shared.bus.seam import Seam
from shared.contract.subjects import sender_inbox_prefix
from shared.metrics import CONSUMER_LAG, EVENTS_CONSUMED, HANDLER_SECONDS, TRANSIENT_RETRIES
from shared.store import STORE_FAULTS
from shared.transparency.merkle import leaf_hash

log = structlog.get_logger()

REPLY_HEADER = "Demobase-Reply-To"
"""Header naming a core-NATS subject where an intake message's publisher awaits the decision."""


INBOX = re.compile(r"^_INBOX\.[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")


def is_inbox(subject: str) -> bool:
    """A literal ``_INBOX.…`` subject: no wildcard, nothing a stream records."""
    return bool(INBOX.match(subject))


@dataclass(frozen=True)
class Delivery:
    """One message of a stream, as a handler sees it."""

    stream: str
    sequence: int
    subject: str
    data: bytes
    headers: dict[str, str] = field(default_factory=dict)
    received_at: datetime | None = None
    """When the server stored the message on its stream: an attempt's postmark (P-POSTMARK)."""


def delivery_of(stream: str, message: Msg) -> Delivery:
    """The delivery of a JetStream message, with its stream sequence and stored time."""
    meta = message.metadata
    return Delivery(
        stream, int(meta.sequence.stream), message.subject, message.data,
        dict(message.headers or {}), received_at=meta.timestamp,
    )  # fmt: skip


class TrackedHandler(Protocol):
    """What a service gives the consumer: its recorded position and a committing handler."""

    def position(self, upstream: str) -> int: ...

    def handle(self, delivery: Delivery) -> bytes | None:
        """Decide, and record the result with ``delivery.sequence`` atomically; return a reply."""


@runtime_checkable
class BatchHandler(TrackedHandler, Protocol):
    """A handler that can take several deliveries of a stream in one commit (a projection, or a
    service deciding a backlog of attempts)."""

    def handle_batch(self, deliveries: Sequence[Delivery]) -> Sequence[bytes | None] | None:
        """Apply ``deliveries`` (in sequence order) and record the last one, atomically; return
        each one's reply (or None for none), to be sent once the batch is committed."""


class StreamMismatchError(RuntimeError):
    """The stream a store's position was recorded against is not the stream the server has."""


REBUILD_ADVICE = (
    "Point NATS_URL at the server whose log this store holds, or start the store afresh: "
    "`demobase registry rebuild` for the registry, a new store (VAR_DIR or POSTGRES_SCHEMA) "
    "for a service"
)


class TransientError(Exception):
    """A failure worth retrying (a store or a peer briefly unavailable)."""


@dataclass
class TrackedConsumer:
    """Consumes ``filter_subject`` of ``stream`` for ``service``, one message at a time."""

    nc: Client
    js: JetStreamContext
    service: str
    stream: str
    filter_subject: str | tuple[str, ...]
    """One subject filter, or several (a consumer with ``filter_subjects``, NATS 2.10+)."""
    handler: TrackedHandler
    seam: Seam
    on_committed: Callable[[], None] | None = None
    position: int = 0
    retry_delay: float = 0.5
    batch_size: int = 1
    """Messages in flight and per commit: 1 for a service deciding commands and reacting, more
    for a projection whose handler is a :class:`BatchHandler` (DESIGN.md: "Batch the commits,
    not the order")."""
    reader: str = ""
    """The name of this reader's durable consumer, when several processes of a service each read
    the stream for themselves (registry replicas, ADR 19); the service's name otherwise."""

    @property
    def durable(self) -> str:
        return f"{self.reader or self.service}-{self.stream}".lower()

    async def run(self, stop: asyncio.Event) -> None:
        self.position = await self.seam.call(self.handler.position, self.stream)
        await waiting_out_elections(f"{self.stream} not checked yet", self._check_stream)
        psub = await waiting_out_elections(f"{self.stream} not consumed yet", self._subscribe)
        log.info("consuming", stream=self.stream, after=self.position, subject=self.filter_subject)
        reconnects, stale = self.nc.stats["reconnects"], False
        try:
            while not stop.is_set():
                if stale or self.nc.stats["reconnects"] != reconnects:
                    # After a failed batch, or when a restarted server may hold an older view of
                    # this consumer (an ack it never stored keeps messages in flight until
                    # ack_wait): rebuild it from the store's position, as at start-up.
                    rebuilt = await self._resubscribe()
                    if rebuilt is not None:
                        with contextlib.suppress(Exception):
                            await psub.unsubscribe()
                        psub, reconnects, stale = rebuilt, self.nc.stats["reconnects"], False
                    continue
                try:
                    messages = await psub.fetch(1, timeout=0.5)
                except (NatsTimeoutError, TimeoutError):
                    continue
                except UNAVAILABLE as error:  # a stream leader being elected, a node away
                    cause = f"{type(error).__name__}: {error}"
                    log.warning("stream unavailable; waiting, then consuming again",
                                stream=self.stream, error=cause)  # fmt: skip
                    TRANSIENT_RETRIES.labels(self.service, self.stream).inc()
                    await asyncio.sleep(self.retry_delay)
                    stale = True
                    continue
                if self.batch_size > 1:
                    messages += await self._backlog(psub, messages[-1])
                    stale = not await self.process_batch(messages)
                    continue
                for message in messages:
                    await self.process(message)
        finally:
            with contextlib.suppress(Exception):
                await psub.unsubscribe()

    async def _backlog(self, psub: JetStreamContext.PullSubscription, first: Msg) -> list[Msg]:
        """The messages already waiting behind ``first``, up to a batch, without waiting for new
        ones: a pull for exactly as many as the server said were pending is answered at once
        (a pull for more would linger until it expires, and a live event would wait with it)."""
        waiting = min(self.batch_size - 1, int(first.metadata.num_pending))
        if waiting <= 0:
            return []
        with contextlib.suppress(TimeoutError, *UNAVAILABLE):  # the first alone, this time
            return list(await psub.fetch(waiting, timeout=0.5))
        return []

    async def _check_stream(self) -> None:
        """Refuse to consume a stream that is not the one this store's position was recorded
        against (a recreated stream, a reused schema, another server): a position beyond the
        stream's end, or, where the handler keeps the log's leaf hashes (the registry), another
        message at the position than the one it applied. Consuming on would skip messages
        without a word."""
        info = await self.js.stream_info(self.stream)
        identify = getattr(self.handler, "stream_identity", None)
        if identify is not None and info.created is not None:
            created = info.created.isoformat()
            known = await self._waiting_out_the_store(identify, self.stream, created)
            if known != created:
                raise StreamMismatchError(
                    f"{self.service}'s store consumed a {self.stream} stream created at "
                    f"{known}, but this server's {self.stream} was created at {created}: it "
                    f"is another stream (recreated, or another server). {REBUILD_ADVICE}"
                )
        if self.position == 0:
            return
        last = int(info.state.last_seq)
        if self.position > last:
            raise StreamMismatchError(
                f"{self.service}'s store has processed {self.stream} up to #{self.position}, "
                f"but the stream ends at #{last}: it is not the stream this store recorded "
                f"(recreated, or another server). {REBUILD_ADVICE}"
            )
        recorded = getattr(self.handler, "recorded_leaf", None)
        if recorded is None:
            return
        expected = await self.seam.call(recorded, self.position)
        message = await self.js.get_msg(self.stream, self.position)
        stored = leaf_hash(message.data) if message.data is not None else None
        if expected is not None and expected != stored:
            raise StreamMismatchError(
                f"{self.stream} #{self.position} is not the event {self.service} applied there "
                f"(its leaf hash differs): the stream was recreated or rewritten. {REBUILD_ADVICE}"
            )

    async def _waiting_out_the_store(self, call: Callable[[str, str], str], *args: str) -> str:
        """``call(*args)`` on the store, tried again with backoff while the store is away (locked,
        unreachable): a store outage at start-up is waited out like one later on."""
        backoff = Backoff()
        while True:
            try:
                return await self.seam.call(call, *args)
            except STORE_FAULTS as error:
                delay = backoff.next()
                log.warning("store unavailable at start-up; waiting", stream=self.stream,
                            error=f"{type(error).__name__}: {error}", retry_in=delay)  # fmt: skip
                TRANSIENT_RETRIES.labels(self.service, self.stream).inc()
                await asyncio.sleep(delay)

    async def _reread_position(self) -> None:
        """After a commit whose outcome is unknown (the connection lost while it committed), the
        store says whether it happened: what its tracking record holds was decided, and is not
        decided again (a second tracking record of it would be refused)."""
        try:
            recorded = await self.seam.call(self.handler.position, self.stream)
        except Exception as error:  # the store still away: its position is read next time
            log.warning("recorded position not read yet", stream=self.stream, error=str(error))
            return
        if recorded > self.position:
            log.info("the failed commit had been recorded: not decided again",
                     stream=self.stream, after=recorded)  # fmt: skip
            self.position = recorded

    async def _resubscribe(self) -> JetStreamContext.PullSubscription | None:
        """A new subscription after the store's position, or None to try again shortly."""
        try:
            rebuilt = await self._subscribe()
        except (NatsError, TimeoutError) as error:  # JetStream still recovering its streams
            log.warning("consumer not rebuilt yet", stream=self.stream, error=str(error))
            await asyncio.sleep(self.retry_delay)
            return None
        log.info("consuming again from the recorded position", stream=self.stream,
                 after=self.position)  # fmt: skip
        return rebuilt

    async def _subscribe(self) -> JetStreamContext.PullSubscription:
        # The store's position is the truth: the server-side consumer is rebuilt from it.
        with contextlib.suppress(NotFoundError):
            await self.js.delete_consumer(self.stream, self.durable)
        config = ConsumerConfig(
            durable_name=self.durable,
            filter_subject=self.filter_subject if isinstance(self.filter_subject, str) else None,
            filter_subjects=None
            if isinstance(self.filter_subject, str)
            else [*self.filter_subject],
            ack_policy=AckPolicy.EXPLICIT,
            max_ack_pending=self.batch_size,
            ack_wait=30,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE if self.position else DeliverPolicy.ALL,
            opt_start_seq=self.position + 1 if self.position else None,
        )
        await self.js.add_consumer(self.stream, config=config)
        return await self.js.pull_subscribe_bind(durable=self.durable, stream=self.stream)

    async def process(self, message: Msg) -> None:
        meta = message.metadata
        sequence = int(meta.sequence.stream)
        if sequence <= self.position:
            await message.ack()  # already processed: redelivery changes nothing
            return
        delivery = delivery_of(self.stream, message)
        started = time.perf_counter()
        msg_id = delivery.headers.get("Nats-Msg-Id")  # event id on the log, command id on intake
        try:
            with structlog.contextvars.bound_contextvars(
                stream=self.stream, sequence=sequence, event_id=msg_id
            ):
                reply = await self.seam.call(self.handler.handle, delivery)
        except TransientError as error:
            log.warning("transient failure, will retry", sequence=sequence, error=str(error))
            TRANSIENT_RETRIES.labels(self.service, self.stream).inc()
            await message.nak(delay=self.retry_delay)
            return
        await message.ack()  # after the commit; a lost ack only means a redelivery we skip
        self.position = sequence
        HANDLER_SECONDS.labels(self.service, self.stream).observe(time.perf_counter() - started)
        EVENTS_CONSUMED.labels(self.service, self.stream).inc()
        CONSUMER_LAG.labels(self.service, self.stream).set(meta.num_pending)
        if self.on_committed is not None:
            self.on_committed()
        reply_to = delivery.headers.get(REPLY_HEADER)
        if reply and reply_to:
            await self._reply(delivery.subject, reply_to, reply, sequence)

    async def process_batch(self, messages: list[Msg]) -> bool:
        """Apply the new ones of ``messages`` in one commit, then ack them; False if a transient
        failure left everything unrecorded (the consumer is then rebuilt from its position, so a
        redelivery can never come after a later message)."""
        fresh: list[tuple[Msg, Delivery]] = []
        for message in messages:
            sequence = int(message.metadata.sequence.stream)
            if sequence <= self.position:
                await message.ack()  # already processed: redelivery changes nothing
                continue
            delivery = delivery_of(self.stream, message)
            fresh.append((message, delivery))
        if not fresh:
            return True
        handler = self.handler
        assert isinstance(handler, BatchHandler), "batch_size > 1 needs a BatchHandler"
        started = time.perf_counter()
        try:
            replies = await self.seam.call(
                handler.handle_batch, [delivery for _, delivery in fresh]
            )
        except TransientError as error:
            log.warning("transient failure, will retry from the recorded position",
                        first=fresh[0][1].sequence, error=str(error))  # fmt: skip
            TRANSIENT_RETRIES.labels(self.service, self.stream).inc()
            await asyncio.sleep(self.retry_delay)
            await self._reread_position()
            return False
        for message, _ in fresh:
            await message.ack()  # after the commit
        self.position = fresh[-1][1].sequence
        HANDLER_SECONDS.labels(self.service, self.stream).observe(time.perf_counter() - started)
        EVENTS_CONSUMED.labels(self.service, self.stream).inc(len(fresh))
        CONSUMER_LAG.labels(self.service, self.stream).set(fresh[-1][0].metadata.num_pending)
        if self.on_committed is not None:
            self.on_committed()
        for (_, delivery), reply in zip(fresh, replies or (), strict=False):
            reply_to = delivery.headers.get(REPLY_HEADER)
            if reply and reply_to:  # only after the commit: a decision answered is recorded
                await self._reply(delivery.subject, reply_to, reply, delivery.sequence)
        return True

    async def _reply(self, subject: str, reply_to: str, reply: bytes, sequence: int) -> None:
        """Send the decision on the attempt at ``subject`` to ``reply_to``, if that is an inbox of
        the sender's own.

        The header is written by an outside publisher and this connection has the ministry's
        rights: answer only on an inbox, never on a subject a stream records; and only on an
        inbox under the sender's prefix (``_INBOX.p<code>.``, the only inboxes its account
        imports), so no province can have a decision delivered to another's. The sender's code is
        the 4th token of the intake subject, the one the server authorised for its credentials.
        """
        if may_answer_on(subject, reply_to, sequence):
            await self.nc.publish(reply_to, reply)


def may_answer_on(subject: str, reply_to: str, sequence: int = 0) -> bool:
    """Whether the decision on the attempt at ``subject`` may be sent to ``reply_to``: an inbox,
    and one under the sender's own prefix (the 4th token of the intake subject names the sender's
    account); logged when not."""
    tokens = subject.split(".")
    if not is_inbox(reply_to) or len(tokens) < 4 or tokens[:2] != ["intake", "v1"]:
        log.warning("reply subject refused", sequence=sequence, reply_to=reply_to[:200])
        return False
    prefix = sender_inbox_prefix(tokens[3])
    if not reply_to.startswith(prefix + "."):
        log.warning(
            "reply subject refused: not an inbox of the sender", sequence=sequence,
            reply_to=reply_to[:200], sender=tokens[3][:20], required=f"{prefix}.…",
        )  # fmt: skip
        return False
    return True
