"""Attempts that no deciding service reads are refused too, like any other invalid attempt.

Each deciding service consumes only its own context's intake subjects
(``intake.v1.<context>.>``); an attempt on any other subject of the intake stream
(``intake.v1.nosuch.430000.SubmitApplication``, ``intake.v1.x``) would be kept forever and never
answered. The gatekeeper reads the whole intake with a durable consumer of its own, passes over the
attempts of a known context (their owners decide them) and refuses the rest: an ``AttemptRefused``
on ``REFUSALS`` (``Nats-Msg-Id`` ``gatekeeper:<sequence>``, so a redelivery publishes it once)
and the decision to the sender's own inbox, as the owners do. It records nothing in any store: its
position is the server's (acknowledging a batch's last message acknowledges the batch).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from shared.bus.consumer import REPLY_HEADER, may_answer_on
from shared.bus.runtime import ServiceRuntime
from shared.contract.commands import AttemptRefused, IntakeDecision, Problem
from shared.contract.subjects import (
    CONTEXTS,
    INTAKE_STREAM,
    INTAKE_SUBJECTS,
    REFUSALS_STREAM,
    dead_letter_subject,
)
from shared.metrics import EVENTS_REJECTED

log = structlog.get_logger()

SERVICE = "gatekeeper"
SHOWN = 120
"""Characters of an unknown subject quoted back in a refusal."""


def owned(subject: str) -> bool:
    """Whether a deciding service reads this intake subject (its context token is known)."""
    tokens = subject.split(".", 3)
    return len(tokens) >= 4 and tokens[2] in CONTEXTS


def refusal_of(subject: str) -> IntakeDecision:
    context = subject.split(".")[2] if subject.count(".") >= 2 else ""
    return IntakeDecision(command_id=None, accepted=False, problems=(Problem(
        field="(subject)", rule_id="P-LIMITS",
        reason="no service decides attempts on this subject: its context is not one of the "
        "platform's",
        required="intake.v1.<context>.<province>.<CommandType>, context one of "
        + ", ".join(CONTEXTS),
        given=(context or subject)[:SHOWN],
    ),))  # fmt: skip


@dataclass
class Gatekeeper:
    """An ``extra_tasks`` entry of the submission service's runtime."""

    nc: Client
    js: JetStreamContext
    batch_size: int = 256
    retry_delay: float = 0.5

    async def run(self, stop: asyncio.Event) -> None:
        psub = await self._subscribe()
        try:
            while not stop.is_set():
                try:
                    messages = await psub.fetch(self.batch_size, timeout=0.5)
                except (NatsTimeoutError, TimeoutError):
                    continue
                except NatsError as error:  # the server away: its consumer keeps the position
                    log.warning("gatekeeper waits for the intake", error=str(error))
                    await asyncio.sleep(self.retry_delay)
                    continue
                if not messages:  # a pull answered empty (the server coming back)
                    continue
                try:
                    for message in messages:
                        if not owned(message.subject):
                            await self._refuse(message)
                except Exception:  # never a stop: the batch comes again after ack_wait
                    log.exception("gatekeeper could not answer a batch; it is redelivered")
                    await asyncio.sleep(self.retry_delay)
                    continue
                await messages[-1].ack()  # AckPolicy.ALL: the whole batch
        finally:
            with contextlib.suppress(Exception):
                await psub.unsubscribe()

    async def _subscribe(self) -> JetStreamContext.PullSubscription:
        try:
            await self.js.consumer_info(INTAKE_STREAM, SERVICE)
        except NotFoundError:  # the first start: from the intake's first attempt
            config = ConsumerConfig(
                durable_name=SERVICE, filter_subject=INTAKE_SUBJECTS, ack_policy=AckPolicy.ALL,
                deliver_policy=DeliverPolicy.ALL, max_ack_pending=self.batch_size, ack_wait=30,
            )  # fmt: skip
            await self.js.add_consumer(INTAKE_STREAM, config=config)
        return await self.js.pull_subscribe_bind(durable=SERVICE, stream=INTAKE_STREAM)

    async def _refuse(self, message: Msg) -> None:
        """Answer one attempt on an unknown subject; retried by redelivery if the server is away."""
        sequence = int(message.metadata.sequence.stream)
        decision = refusal_of(message.subject)
        notice = AttemptRefused(
            service=SERVICE, intake_sequence=sequence, intake_subject=message.subject[:SHOWN],
            command_type=message.subject.rsplit(".", 1)[-1][:64], decision=decision,
        )  # fmt: skip
        EVENTS_REJECTED.labels(SERVICE, "invalid").inc()
        log.warning("attempt on an unknown subject refused", sequence=sequence,
                    subject=message.subject[:SHOWN])  # fmt: skip
        with contextlib.suppress(ValueError):  # a subject too short for a dead-letter subject
            await self.js.publish(
                dead_letter_subject(message.subject), notice.model_dump_json().encode(),
                stream=REFUSALS_STREAM, headers={"Nats-Msg-Id": f"{SERVICE}:{sequence}"},
            )  # fmt: skip
        reply_to = (message.headers or {}).get(REPLY_HEADER)
        if reply_to and may_answer_on(message.subject, reply_to, sequence):
            await self.nc.publish(reply_to, decision.model_dump_json().encode())


def gatekeeper_task(
    runtime: ServiceRuntime,
) -> Callable[[asyncio.Event], Coroutine[Any, Any, None]]:
    """The gatekeeper as an ``extra_tasks`` entry: on the runtime's connection once started."""

    async def run(stop: asyncio.Event) -> None:
        assert runtime.nc is not None, "extra tasks run after the runtime has connected"
        await Gatekeeper(runtime.nc, runtime.nc.jetstream()).run(stop)

    return run
