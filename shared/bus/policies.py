"""Reacting to other services' facts: one handler shape for every service that reads the log.

A service names its reactions ``when_<event>_<do>`` and registers them by event type. The handler
parses the envelope, binds its ids to the log context, calls the reaction (which records its result
with the sequence atomically) or, for an event the service does not react to, records only the
sequence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import structlog

from shared.bus.consumer import Delivery
from shared.contract.envelope import Envelope
from shared.contract.subjects import last_token
from shared.store import ServiceApplication

Reaction = Callable[[Envelope, str, int], None]
"""Called with (event, upstream stream, sequence); must record the sequence with its result."""


class PolicyHandler:
    """Applies a service's reactions to the log, in order, exactly once in effect."""

    def __init__(self, app: ServiceApplication, reactions: Mapping[str, Reaction]) -> None:
        self.app, self.reactions = app, reactions

    def position(self, upstream: str) -> int:
        return self.app.position(upstream)

    def handle(self, delivery: Delivery) -> bytes | None:
        reaction = self.reactions.get(last_token(delivery.subject))
        if reaction is None:
            self.app.advance(delivery.stream, delivery.sequence)
            return None
        envelope = Envelope.from_json(delivery.data)
        structlog.contextvars.bind_contextvars(
            event_id=str(envelope.event_id), correlation_id=str(envelope.correlation_id)
        )
        reaction(envelope, delivery.stream, delivery.sequence)
        return None
