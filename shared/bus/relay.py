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
from dataclasses import dataclass
from typing import Any

import structlog
from eventsourcing.persistence import Notification
from nats.js import JetStreamContext

from shared.bus.connection import UNAVAILABLE
from shared.bus.seam import Seam
from shared.contract.envelope import Envelope, EventPayload, new_envelope
from shared.contract.subjects import CONTEXTS, EVENTS_STREAM
from shared.metrics import EVENTS_PUBLISHED, RELAY_LAG
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
    ) -> None:
        self.app, self.js, self.translate = app, js, translate
        self.service, self.seam, self.batch_size = service, seam, batch_size
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
        """Publish one batch of unpublished events; return how many notifications it covered."""
        start, notifications = await self.seam.call(self._unpublished)
        if not notifications:
            RELAY_LAG.labels(self.service).set(0)
            return 0
        envelopes = await self.seam.call(self._translate_all, notifications)
        for envelope in envelopes:
            await self.publish(envelope)
        await self.seam.call(self.app.advance, OUTBOX, notifications[-1].id)
        lag = await self.seam.call(self._lag)
        RELAY_LAG.labels(self.service).set(lag)
        log.debug("relay published", first=start + 1, last=notifications[-1].id, lag=lag)
        return len(notifications)

    async def publish(self, envelope: Envelope) -> int:
        """Publish one event with its stable id; return its stream sequence."""
        data = envelope.to_json()
        ack = await self.js.publish(
            envelope.subject,
            data,
            stream=EVENTS_STREAM,
            headers={"Nats-Msg-Id": str(envelope.event_id)},
        )
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
        return int(ack.seq)

    def _unpublished(self) -> tuple[int, Sequence[Notification]]:
        start = self.app.position(OUTBOX)
        recorder = self.app.process_recorder
        return start, recorder.select_notifications(start + 1, self.batch_size)

    def _translate_all(self, notifications: Sequence[Notification]) -> list[Envelope]:
        envelopes = (self.translate(self.app.mapper.to_domain_event(n)) for n in notifications)
        return [envelope for envelope in envelopes if envelope is not None]

    def unpublished(self) -> int:
        """How many stored notifications the relay has not published yet."""
        return self._lag()

    def _lag(self) -> int:
        stored = self.app.process_recorder.max_notification_id() or 0
        return stored - self.app.position(OUTBOX)


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


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def _parsed(data: bytes) -> Envelope | None:
    try:
        return Envelope.from_json(data)
    except ValueError:
        return None
