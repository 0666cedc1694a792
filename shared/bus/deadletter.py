"""Refused attempts answered on the dead-letter stream (DESIGN.md, "Interfaces"; ADR 2).

A province's tool may publish an attempt without asking for a reply; it still learns of a refusal
by subscribing to ``deadletter.v1.*.<its code>.>``. The notice is published from the service's
worker thread *before* the intake position is recorded: a crash in between makes the service decide
the same attempt again, and the server drops the second copy (``Nats-Msg-Id`` is
``<service>:<intake sequence>``).
"""

from __future__ import annotations

import asyncio
import threading

from nats.js import JetStreamContext

from shared.bus.connection import UNAVAILABLE
from shared.bus.consumer import Delivery, TransientError
from shared.contract.commands import AttemptRefused, IntakeDecision
from shared.contract.subjects import REFUSALS_STREAM, dead_letter_subject, last_token


class DeadLetters:
    """Publishes one service's :class:`AttemptRefused` notices; attached to the bus at start-up."""

    def __init__(self, service: str, timeout: float = 10.0) -> None:
        self.service, self.timeout = service, timeout
        self._js: JetStreamContext | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None

    def attach(self, js: JetStreamContext) -> None:
        """Publish through ``js`` on the running event loop (the service's own)."""
        self._js, self._loop = js, asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()

    def send(self, delivery: Delivery, decision: IntakeDecision) -> None:
        """Publish the refusal of ``delivery`` and wait for the server to store it.

        Called on the worker thread; a server that is away makes it a :class:`TransientError`,
        so the attempt is decided again once the server is back.
        """
        if self._js is None or self._loop is None:
            return  # not on a bus: unit tests of the handler
        if threading.get_ident() == self._loop_thread:
            raise RuntimeError("DeadLetters.send must run on the worker thread, not the loop")
        notice = AttemptRefused(
            service=self.service, intake_sequence=delivery.sequence,
            intake_subject=delivery.subject, command_type=last_token(delivery.subject),
            decision=decision,
        )  # fmt: skip
        publishing = self._js.publish(
            dead_letter_subject(delivery.subject), notice.model_dump_json().encode(),
            stream=REFUSALS_STREAM,
            headers={"Nats-Msg-Id": f"{self.service}:{delivery.sequence}"},
        )  # fmt: skip
        try:
            asyncio.run_coroutine_threadsafe(publishing, self._loop).result(self.timeout)
        except (*UNAVAILABLE, TimeoutError) as error:
            raise TransientError(f"refusal not published yet: {error!r}") from error
