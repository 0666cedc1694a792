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

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID

import structlog

from shared.bus.consumer import Delivery, TransientError
from shared.bus.deadletter import DeadLetters
from shared.contract import authority
from shared.contract.commands import IntakeDecision, IntakeMessage, Problem
from shared.contract.commands_platform import SetPlatformClock
from shared.contract.envelope import Envelope
from shared.contract.subjects import EVENTS_STREAM, last_token
from shared.fence import WriterFencedError
from shared.intake import RefusedAttemptError, read_attempt, refused
from shared.metrics import EVENTS_REJECTED
from shared.platform_clock import PlatformTime
from shared.rules import RuleViolationError, Violation
from shared.store import STORE_FAULTS, ServiceApplication

Command = Callable[[IntakeMessage, str, int], IntakeDecision]
"""Called with (message, upstream, position); records its result with the position."""

Reaction = Callable[[Envelope, str, int], None]
"""Called with (event, upstream, position); records its result with the position."""

RETRIED: tuple[type[Exception], ...] = (TransientError, *STORE_FAULTS)
"""What is retried, never refused: the store or the bus away for a while."""

UNDECIDABLE = "P-UNDECIDABLE"
"""The platform rule of an attempt whose deciding failed for a reason of its own (a fault the
rules did not foresee): refused with the error's type, the traceback in the service's log, and
the next attempt decided."""

log = structlog.get_logger()


class Owned(Protocol):
    """An aggregate class whose id is made from a domain id and which knows its province."""

    @staticmethod
    def create_id(domain_id: str) -> UUID: ...


def owned(app: ServiceApplication, klass: type[Owned]) -> authority.Owner:
    """The province of the ``klass`` aggregate a body field names, if this service holds it."""

    def province(domain_id: str) -> str | None:
        found = app.find(klass.create_id(domain_id))
        return None if found is None else str(found.province)

    return province


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
        owners: Mapping[str, authority.Owner] | None = None,
    ) -> None:
        self.app = app
        self.commands = dict(commands or {})
        self.reactions = dict(reactions or {})
        self.owners = dict(owners or {})
        """The province of a target by the body field naming it, for ``owned_by`` checks."""
        self.platform_time = PlatformTime(app)
        """The time every rule reads (P-POSTMARK); also the schedulers' clock."""
        self.dead_letters = DeadLetters(app.name)

    def position(self, upstream: str) -> int:
        return self.app.position(upstream)

    def stream_identity(self, stream: str, created: str) -> str:
        return self.app.stream_identity(stream, created)

    def handle(self, delivery: Delivery) -> bytes | None:
        try:
            if delivery.stream == EVENTS_STREAM:
                self.react(delivery)
                return None
            return self.decide(delivery).model_dump_json().encode()
        except STORE_FAULTS as error:  # recording only a position (or a refusal's): retried too
            raise TransientError(f"{type(error).__name__}: {error}") from error

    def handle_batch(self, deliveries: Sequence[Delivery]) -> list[bytes | None]:
        """Decide (or react to) ``deliveries`` in order, each against the aggregates as the ones
        before it left them, then commit all they recorded with the last position at once;
        return the replies, to be sent only after the commit (DESIGN.md: "Batch the commits,
        not the order"). A store fault anywhere leaves nothing recorded: the consumer delivers
        the batch again from the recorded position, and each attempt is decided as before."""
        try:
            with self.app.one_commit():
                return [self.handle(delivery) for delivery in deliveries]
        except BaseException as error:
            self.platform_time.forget()  # a clock set in the batch was not committed
            if isinstance(error, STORE_FAULTS):
                self.app.forget_cached()  # the commit may have happened: the store is the truth
                raise TransientError(f"{type(error).__name__}: {error}") from error
            raise

    def react(self, delivery: Delivery) -> None:
        reaction = self.reactions.get(last_token(delivery.subject))
        if reaction is None:
            self.app.advance(delivery.stream, delivery.sequence)
            return
        try:
            envelope = Envelope.from_json(delivery.data)
            structlog.contextvars.bind_contextvars(correlation_id=str(envelope.correlation_id))
            reaction(envelope, delivery.stream, delivery.sequence)
        except RETRIED as error:
            raise TransientError(f"{type(error).__name__}: {error}") from error
        except WriterFencedError:  # not this event's fault: this process must stop
            raise
        except Exception as error:  # one event's fault: logged and counted, never a stop
            EVENTS_REJECTED.labels(self.app.name, "reaction").inc()
            log.exception(
                "reaction failed; the event is passed over", error_type=type(error).__name__
            )
            self.app.advance(delivery.stream, delivery.sequence)

    def decide(self, delivery: Delivery) -> IntakeDecision:
        try:
            message = read_attempt(delivery)
        except RefusedAttemptError as error:
            return self._refuse(delivery, refused(self.app.name, delivery, error))
        structlog.contextvars.bind_contextvars(correlation_id=str(message.correlation_id))
        denied = self._authority(message)
        if denied is not None:
            EVENTS_REJECTED.labels(self.app.name, "authority").inc()
            log.warning("attempt refused for want of authority", command=message.command_type,
                        problem=str(denied))  # fmt: skip
            return self._refuse(delivery, _refusal(message.command_id, denied))
        received_at = delivery.received_at or datetime.now(UTC)  # the server's stamp, when read
        if isinstance(message.body, SetPlatformClock):
            message = message.postmarked(message.body.to)
            return self.platform_time.set(message, received_at, delivery.stream, delivery.sequence)
        message = message.postmarked(self.platform_time.reading(received_at))
        command = self.commands.get(message.command_type)
        if command is None:
            problem = Problem(field="command_type", reason=f"{self.app.name} does not handle it",
                              given=message.command_type)  # fmt: skip
            return self._refuse(delivery, IntakeDecision(
                command_id=message.command_id, accepted=False, problems=(problem,)
            ))  # fmt: skip
        try:
            decision = command(message, delivery.stream, delivery.sequence)
        except WriterFencedError:  # not the attempt's fault: this process must stop
            raise
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
        except RETRIED as error:
            raise TransientError(f"{type(error).__name__}: {error}") from error
        except Exception as error:  # the attempt's own fault: refused, and the next one decided
            EVENTS_REJECTED.labels(self.app.name, "undecidable").inc()
            log.exception("attempt could not be decided", command=message.command_type,
                          error_type=type(error).__name__)  # fmt: skip
            return self._refuse(delivery, _refusal(message.command_id, Problem(
                field="(attempt)", rule_id=UNDECIDABLE, given=type(error).__name__,
                reason=f"the {self.app.name} service could not decide it: "
                f"{type(error).__name__}: {str(error)[:300]}; nothing was recorded",
            )))  # fmt: skip
        log.info("command decided", command=message.command_type, accepted=decision.accepted,
                 recorded=decision.recorded, subject_id=decision.subject_id)  # fmt: skip
        return decision

    def _authority(self, message: IntakeMessage) -> Problem | None:
        """Whether the sender may send this command about this target (P-AUTHORITY)."""
        sender = authority.sender_of(message.province, message.actor)
        denied = authority.check_authority(
            message.command_type, type(message.body).authority,
            message.body.model_dump(mode="json"), sender, self.owners,
        )  # fmt: skip
        if denied is None:
            return None
        return Problem(field=denied.field, reason=denied.reason, rule_id=authority.RULE,
                       required=denied.required, given=denied.given)  # fmt: skip

    def _refuse(self, delivery: Delivery, decision: IntakeDecision) -> IntakeDecision:
        """Answer on the dead-letter stream, then record the position (never the other way)."""
        self.dead_letters.send(delivery, decision)
        self.app.advance(delivery.stream, delivery.sequence)
        return decision


def _refusal(command_id: UUID, problem: Problem) -> IntakeDecision:
    return IntakeDecision(command_id=command_id, accepted=False, problems=(problem,))
