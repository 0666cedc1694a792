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

from typing import Literal

Context = Literal["submission", "review", "evaluation"]
CONTEXTS: tuple[Context, ...] = ("submission", "review", "evaluation")

EVENTS_STREAM = "EVENTS"
EVENTS_SUBJECTS = "bases.v1.>"
INTAKE_STREAM = "INTAKE"
INTAKE_SUBJECTS = "intake.v1.>"
REFUSALS_STREAM = "REFUSALS"
REFUSALS_SUBJECTS = "deadletter.v1.>"


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
