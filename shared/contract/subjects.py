"""The subject scheme of the bus.

Decided facts live on the event log, stream ``EVENTS``::

    bases.v1.<context>.<province>.<EventType>

Attempts from outside publishers (provinces, cities, experts' tools, operators' CLI) live on the
intake stream, ``INTAKE``::

    intake.v1.<context>.<province>.<CommandType>

An attempt the owning service refuses (malformed, or against a rule, with nothing recorded on the
log) is answered on the dead-letter stream, ``REFUSALS``, under the attempt's own tokens::

    deadletter.v1.<context>.<province>.<CommandType>

``context`` is the bounded context that owns the fact (submission, review, evaluation); ``province``
is the GB/T 2260 code (``000000`` for the ministry). Identity comes from the subject: a province's
credentials allow it to publish only on ``intake.v1.*.<its code>.>``, so the owning service trusts
the subject token, never a payload field (DESIGN.md, "Identity comes from the subject").
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

from shared.contract.provinces import MINISTRY, PROVINCES

Context = Literal["submission", "review", "evaluation"]
CONTEXTS: tuple[Context, ...] = ("submission", "review", "evaluation")

EVENTS_STREAM = "EVENTS"
EVENTS_SUBJECTS = "bases.v1.>"
INTAKE_STREAM = "INTAKE"
INTAKE_SUBJECTS = "intake.v1.>"
REFUSALS_STREAM = "REFUSALS"
REFUSALS_SUBJECTS = "deadletter.v1.>"
CHECKPOINTS_STREAM = "CHECKPOINTS"
CHECKPOINTS_SUBJECTS = "checkpoints.v1.>"
LOG_HEAD_SUBJECT = "checkpoints.v1.log"
"""The registry's signed tree heads of ``EVENTS`` (ADR 16)."""
COSIGNATURE_SUBJECTS = "checkpoints.v1.cosignature.>"


def cosignature_subject(witness: str) -> str:
    """Where a witness publishes its cosigned heads (its key name, dots and slashes as ``_``)."""
    return "checkpoints.v1.cosignature." + re.sub(r"[^A-Za-z0-9_-]", "_", witness)


def event_subject(context: Context, province: str, event_type: str) -> str:
    """The log subject of a decided fact."""
    return f"bases.v1.{context}.{province}.{event_type}"


def intake_subject(context: Context, province: str, command: str) -> str:
    """The intake subject an outside publisher writes an attempt to."""
    return f"intake.v1.{context}.{province}.{command}"


def dead_letter_subject(intake: str) -> str:
    """Where the refusal of the attempt made on ``intake`` (an intake subject) is published."""
    root, version, rest = intake.split(".", 2)
    if (root, version) != ("intake", "v1"):
        raise ValueError(f"subject {intake!r} is not an intake subject")
    return f"deadletter.v1.{rest}"


def intake_filter(context: Context) -> str:
    """Every intake subject of one context, for the owning service's consumer."""
    return f"intake.v1.{context}.>"


COMMAND_TOKEN = re.compile(r"[A-Z][A-Za-z0-9]{0,63}")
"""A command type as the subject's last token: a class name of the contract, at most 64 long."""
INTAKE_FORM = "intake.v1.<context>.<province>.<CommandType>"


class IntakeSubject(NamedTuple):
    """The tokens of an intake subject that was checked whole."""

    context: Context
    province: str
    command_type: str


class SubjectError(ValueError):
    """A subject that is not of the form its stream promises: what was required, what was given."""

    def __init__(self, reason: str, required: str, given: str) -> None:
        self.reason, self.required, self.given = reason, required, given
        super().__init__(f"{reason} (required: {required}; given: {given})")


def parse_intake_subject(subject: str) -> IntakeSubject:
    """The tokens of an ``intake.v1`` subject, each checked, or :class:`SubjectError`.

    Five tokens; a context of the platform; the code of a provincial authority (``provinces.py``)
    or the ministry's ``000000``; a command type shaped as the contract's class names. The stream
    takes ``intake.v1.>`` and a province may publish on ``intake.v1.*.<code>.>``, so any number of
    tokens can reach a service: nothing after this check reads a token that was not checked.
    """
    shown = subject[:200]
    tokens = subject.split(".")
    if len(tokens) != 5:
        raise SubjectError(f"the subject has {len(tokens)} tokens, not the 5 of an intake subject",
                           f"{INTAKE_FORM} (5 tokens)", shown)  # fmt: skip
    root, version, context, province, command = tokens
    if (root, version) != ("intake", "v1"):
        raise SubjectError("the subject is not an intake.v1 subject", INTAKE_FORM, shown)
    if context not in CONTEXTS:
        raise SubjectError("the subject names no context of the platform",
                           f"one of {', '.join(CONTEXTS)}", context[:100])  # fmt: skip
    if province != MINISTRY and province not in PROVINCES:
        raise SubjectError(
            "the subject names no provincial authority",
            f"a 6-digit code of shared/contract/provinces.py or {MINISTRY}", province[:100],
        )  # fmt: skip
    if not COMMAND_TOKEN.fullmatch(command):
        raise SubjectError("the subject's last token is not a command type",
                           "a command type such as SubmitApplication (a capital, then at most "
                           "63 letters and digits)", command[:100])  # fmt: skip
    return IntakeSubject(context, province, command)


INBOX_ROOT = "_INBOX"


def province_user(code: str) -> str:
    """The NATS user of a provincial authority (``deploy/nats/accounts.conf``)."""
    return f"p{code}"


def inbox_prefix(user: str) -> str:
    """The inbox prefix a restricted user connects with (nats-py: ``inbox_prefix=``)."""
    return f"{INBOX_ROOT}.{user}"


def sender_inbox_prefix(province: str) -> str:
    """Where the sender of an attempt on ``province``'s intake subjects receives decisions: a
    province under its own user's inbox prefix (the only inboxes its account imports), the
    ministry (``000000``, every right) under any ``_INBOX``. Ends without the dot."""
    return INBOX_ROOT if province == MINISTRY else inbox_prefix(province_user(province))


def province_of(subject: str) -> str:
    """The province token of a ``bases.v1`` or ``intake.v1`` subject (its 4th token)."""
    tokens = subject.split(".")
    if len(tokens) != 5:
        raise ValueError(
            f"subject {subject!r} does not have the form <root>.v1.<ctx>.<prov>.<type>"
        )
    return tokens[3]


def last_token(subject: str) -> str:
    """The event or command type at the end of a subject."""
    return subject.rsplit(".", 1)[-1]
