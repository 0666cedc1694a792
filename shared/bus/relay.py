"""The outbox relay: stored domain events leave a service for the log, in order, exactly once.

The relay reads the service's notification log after its recorded position, translates each domain
event into its integration event, publishes it to ``EVENTS`` with ``Nats-Msg-Id`` set to the event's
stable id, and then records the position of the batch. A relay that dies between publishing and
recording publishes the batch again; the server recognises the ids and drops the duplicates. An ack
that says "duplicate" is checked against what the stream holds, so a squatted id is caught, not
silently accepted (DESIGN.md, "Dedupe ids are stream-wide").
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import structlog
from eventsourcing.persistence import Notification
from nats.js import JetStreamContext
from nats.js.api import PubAck

from shared.bus.connection import UNAVAILABLE, Backoff
from shared.bus.seam import Seam
from shared.contract.envelope import Envelope, EventPayload, new_envelope
from shared.contract.subjects import CONTEXTS, EVENTS_STREAM
from shared.metrics import EVENTS_PUBLISHED, RELAY_LAG, RELAY_OUT_OF_ORDER
from shared.platform_clock import PlatformClock, clock_set_payload
from shared.store import OUTBOX, STORE_FAULTS, ServiceApplication, stable_event_id

Translate = Callable[[Any], Envelope | None]
"""Maps one stored domain event to its integration event, or None for an internal one."""

Translation = tuple[Callable[[Any], EventPayload], Callable[[Any], str], Callable[[Any], str]]
"""For one domain event class: its payload, its province, its subject id."""


def translator(service: str, translations: Mapping[type, Translation]) -> Translate:
    """A service's outbox translation from its table of domain event classes.

    Every stored domain event carries ``actor``, ``occurred_at``, ``correlation_id`` and
    ``causation_id``; its recording time is the stored timestamp, and its id is stable
    (:func:`~shared.store.stable_event_id`), so a republished event is the same event.
    """

    if service in CONTEXTS:  # a deciding service records the platform's clock too
        translations = {**translations, PlatformClock.Set: clock_set_payload(service)}

    def translate(domain_event: Any) -> Envelope | None:
        found = [t for klass, t in translations.items() if isinstance(domain_event, klass)]
        if not found:
            return None
        payload_of, province_of, subject_of = found[0]
        return new_envelope(
            payload_of(domain_event),
            event_id=stable_event_id(service, domain_event),
            occurred_at=domain_event.occurred_at,
            recorded_at=domain_event.timestamp,
            actor=domain_event.actor,
            province=province_of(domain_event),
            subject_id=subject_of(domain_event),
            correlation_id=domain_event.correlation_id,
            causation_id=domain_event.causation_id,
        )

    return translate


log = structlog.get_logger()


class OutboxConflictError(RuntimeError):
    """The stream holds a different message under an id that this service owns."""


class OutboxRelay:
    """Publishes one service's stored events to the log."""

    def __init__(
        self,
        app: ServiceApplication,
        js: JetStreamContext,
        translate: Translate,
        *,
        service: str,
        seam: Seam,
        batch_size: int = 500,
        ack_timeout: float = 5.0,
    ) -> None:
        self.app, self.js, self.translate = app, js, translate
        self.service, self.seam, self.batch_size = service, seam, batch_size
        self.ack_timeout = ack_timeout
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        """Tell the relay that new events were recorded."""
        self._wakeup.set()

    async def run(self, stop: asyncio.Event, *, idle_seconds: float = 0.5) -> None:
        backoff = Backoff()
        while not stop.is_set():
            try:
                published = await self.publish_pending()
            except UNAVAILABLE as error:
                # The server is away or a replicated stream has no leader yet: the events stay
                # stored, the position unmoved, and the same ids go out again (ADR 4).
                delay = backoff.next()
                log.warning("log unavailable, relay retries", error=repr(error), retry_in=delay)
                await _sleep_or_stop(stop, delay)
                continue
            except STORE_FAULTS as error:
                # The store is away (locked, connection lost): what it holds is read again once
                # it is back; whatever went out meanwhile goes out again under the same ids.
                delay = backoff.next()
                log.warning("store unavailable, relay retries", error=repr(error), retry_in=delay)
                await _sleep_or_stop(stop, delay)
                continue
            backoff.reset()
            if published:
                continue
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=idle_seconds)

    async def publish_pending(self) -> int:
        """Publish one batch of unpublished events, pipelined; return how many notifications
        it covered (its position recorded up to the last of an unbroken run of acks)."""
        start, notifications = await self.seam.call(self._unpublished)
        if not notifications:
            RELAY_LAG.labels(self.service).set(0)
            return 0
        outgoing = await self.seam.call(self._translate_all, notifications)
        published, failure = await self.publish_in_order(start, outgoing)
        if published > start:
            await self.seam.call(self.app.advance, OUTBOX, published)
        lag = await self.seam.call(self._lag)
        RELAY_LAG.labels(self.service).set(lag)
        if failure is not None:
            raise failure
        log.debug("relay published", first=start + 1, last=published, lag=lag)
        return len(notifications)

    async def publish_in_order(
        self, start: int, outgoing: Sequence[tuple[int, Envelope | None]]
    ) -> tuple[int, BaseException | None]:
        """Send every event of ``outgoing`` (notification id, event) without waiting, in order,
        then read the acks in the same order; return the last notification id up to which all
        were acknowledged, and the failure that stopped the run, if any.

        The server appends one connection's messages in the order it receives them, so the log
        keeps the store's order; what follows a failed publish is sent again from there, under
        the same ids, and the server drops the copies it already holds (ADR 4). A later event
        acknowledged as new behind one that failed means the log holds them out of the store's
        order: that is logged loudly and counted, never hidden."""
        sent: list[tuple[int, Envelope | None, asyncio.Future[PubAck] | None]] = []
        for notification_id, envelope in outgoing:
            if envelope is None:
                sent.append((notification_id, None, None))
                continue
            try:
                future = await self.js.publish_async(
                    envelope.subject, envelope.to_json(), stream=EVENTS_STREAM,
                    headers={"Nats-Msg-Id": str(envelope.event_id)},
                )  # fmt: skip
            except UNAVAILABLE as error:
                return await self._settle(start, sent, error)
            sent.append((notification_id, envelope, future))
        return await self._settle(start, sent, None)

    async def _settle(
        self,
        start: int,
        sent: Sequence[tuple[int, Envelope | None, asyncio.Future[PubAck] | None]],
        failure: BaseException | None,
    ) -> tuple[int, BaseException | None]:
        published = start
        for index, (notification_id, envelope, future) in enumerate(sent):
            if envelope is None or future is None:
                published = notification_id if failure is None else published
                continue
            if failure is not None:
                future.cancel()
                continue
            try:
                ack = await asyncio.wait_for(future, timeout=self.ack_timeout)
                await self.check_ack(envelope, ack)
            except (*UNAVAILABLE, TimeoutError) as error:
                failure = error
                await self._out_of_order(sent[index + 1 :])
                continue
            published = notification_id
        return published, failure

    async def _out_of_order(
        self, behind: Sequence[tuple[int, Envelope | None, asyncio.Future[PubAck] | None]]
    ) -> None:
        """Say so if an event sent after one that failed was stored as new anyway."""
        await asyncio.sleep(0)  # acks already read by the connection are delivered first
        for _, envelope, future in behind:
            if envelope is None or future is None or not future.done() or future.cancelled():
                continue
            if future.exception() is None and not future.result().duplicate:
                RELAY_OUT_OF_ORDER.labels(self.service).inc()
                log.error("an event reached the log ahead of one sent before it",
                          event_id=str(envelope.event_id), event_type=envelope.event_type,
                          sequence=future.result().seq)  # fmt: skip

    async def publish(self, envelope: Envelope) -> int:
        """Publish one event with its stable id, waiting for its ack; return its sequence."""
        ack = await self.js.publish(
            envelope.subject,
            envelope.to_json(),
            stream=EVENTS_STREAM,
            headers={"Nats-Msg-Id": str(envelope.event_id)},
        )
        await self.check_ack(envelope, ack)
        return int(ack.seq)

    async def check_ack(self, envelope: Envelope, ack: PubAck) -> None:
        """A "duplicate" ack must name this very event: a squatted id is caught, not accepted."""
        if ack.duplicate:
            stored = await self.js.get_msg(EVENTS_STREAM, ack.seq)
            # Compared as events, not bytes: a new serialiser version must not look like a squat.
            if stored.data is None or _parsed(stored.data) != envelope:
                raise OutboxConflictError(
                    f"{envelope.event_type} {envelope.event_id}: the log holds other data "
                    f"under this id at sequence {ack.seq}"
                )
        else:
            EVENTS_PUBLISHED.labels(self.service).inc()

    def _unpublished(self) -> tuple[int, Sequence[Notification]]:
        start = self.app.position(OUTBOX)
        recorder = self.app.process_recorder
        return start, recorder.select_notifications(start + 1, self.batch_size)

    def _translate_all(
        self, notifications: Sequence[Notification]
    ) -> list[tuple[int, Envelope | None]]:
        """Each notification's id and its integration event (None for an internal one)."""
        return [(n.id, self.translate(self.app.mapper.to_domain_event(n))) for n in notifications]

    def unpublished(self) -> int:
        """How many stored notifications the relay has not published yet."""
        return self._lag()

    def _lag(self) -> int:
        stored = self.app.process_recorder.max_notification_id() or 0
        return stored - self.app.position(OUTBOX)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def _parsed(data: bytes) -> Envelope | None:
    try:
        return Envelope.from_json(data)
    except ValueError:
        return None
