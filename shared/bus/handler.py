"""The one handler shape of every service: commands from the intake, reactions to the log.

A service gives a table of *commands* (``command_type`` → a function that decides and records,
with the intake position, atomically) and a table of *reactions* (``event_type`` →
``when_<event>_<do>``). The handler parses, binds the ids to the log context, dispatches, and
turns a :class:`~shared.rules.RuleViolationError` into a refusal naming the rule, field, figures.
For an event the service does not react to, or a refused attempt, it records only the
position, so nothing is processed twice and nothing is skipped; a refused attempt is first
answered on the dead-letter stream (:mod:`shared.bus.deadletter`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import structlog

from shared.bus.consumer import Delivery
from shared.bus.deadletter import DeadLetters
from shared.contract.commands import IntakeDecision, IntakeMessage, Problem
from shared.contract.envelope import Envelope
from shared.contract.subjects import EVENTS_STREAM, last_token
from shared.intake import RefusedAttemptError, read_attempt, refused
from shared.metrics import EVENTS_REJECTED
from shared.rules import RuleViolationError, Violation
from shared.store import ServiceApplication

Command = Callable[[IntakeMessage, str, int], IntakeDecision]
"""Called with (message, upstream, position); records its result with the position."""

Reaction = Callable[[Envelope, str, int], None]
"""Called with (event, upstream, position); records its result with the position."""

log = structlog.get_logger()


def problems_of_violations(violations: list[Violation]) -> tuple[Problem, ...]:
    return tuple(
        Problem(field=v.field, reason=v.message, rule_id=v.rule_id, required=v.required,
                given=v.given)
        for v in violations
    )  # fmt: skip


class ServiceHandler:
    """Dispatches one service's deliveries, from either stream, in order."""

    def __init__(
        self,
        app: ServiceApplication,
        commands: Mapping[str, Command] | None = None,
        reactions: Mapping[str, Reaction] | None = None,
    ) -> None:
        self.app = app
        self.commands = dict(commands or {})
        self.reactions = dict(reactions or {})
        self.dead_letters = DeadLetters(app.name)

    def position(self, upstream: str) -> int:
        return self.app.position(upstream)

    def handle(self, delivery: Delivery) -> bytes | None:
        if delivery.stream == EVENTS_STREAM:
            self.react(delivery)
            return None
        return self.decide(delivery).model_dump_json().encode()

    def react(self, delivery: Delivery) -> None:
        reaction = self.reactions.get(last_token(delivery.subject))
        if reaction is None:
            self.app.advance(delivery.stream, delivery.sequence)
            return
        envelope = Envelope.from_json(delivery.data)
        structlog.contextvars.bind_contextvars(correlation_id=str(envelope.correlation_id))
        reaction(envelope, delivery.stream, delivery.sequence)

    def decide(self, delivery: Delivery) -> IntakeDecision:
        try:
            message = read_attempt(delivery)
        except RefusedAttemptError as error:
            return self._refuse(delivery, refused(self.app.name, delivery, error))
        structlog.contextvars.bind_contextvars(correlation_id=str(message.correlation_id))
        command = self.commands.get(message.command_type)
        if command is None:
            problem = Problem(field="command_type", reason=f"{self.app.name} does not handle it",
                              given=message.command_type)  # fmt: skip
            return self._refuse(delivery, IntakeDecision(
                command_id=message.command_id, accepted=False, problems=(problem,)
            ))  # fmt: skip
        try:
            decision = command(message, delivery.stream, delivery.sequence)
        except RefusedAttemptError as error:
            return self._refuse(delivery, refused(self.app.name, delivery, error).model_copy(
                update={"command_id": message.command_id}
            ))  # fmt: skip
        except RuleViolationError as error:
            EVENTS_REJECTED.labels(self.app.name, "rule").inc()
            log.info("command refused", command=message.command_type, reasons=str(error))
            return self._refuse(delivery, IntakeDecision(
                command_id=message.command_id, accepted=False,
                problems=problems_of_violations(error.violations),
            ))  # fmt: skip
        log.info("command decided", command=message.command_type, accepted=decision.accepted,
                 recorded=decision.recorded, subject_id=decision.subject_id)  # fmt: skip
        return decision

    def _refuse(self, delivery: Delivery, decision: IntakeDecision) -> IntakeDecision:
        """Answer on the dead-letter stream, then record the position (never the other way)."""
        self.dead_letters.send(delivery, decision)
        self.app.advance(delivery.stream, delivery.sequence)
        return decision
