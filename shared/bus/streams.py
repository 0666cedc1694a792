"""The streams, created or checked idempotently at start-up (DESIGN.md, "The log").

``EVENTS`` is the event log auditors replay: every decided fact, file storage, kept forever, deletes
and purges denied. ``INTAKE`` keeps every attempt that outside publishers made, also forever, and
``REFUSALS`` the dead letter of every attempt refused without a fact (ADR 2). ``CHECKPOINTS``
holds the registry's signed tree heads of ``EVENTS`` and the witnesses' cosignatures, kept
forever like the log they cover (ADR 16).
"""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from shared.contract.subjects import (
    CHECKPOINTS_STREAM,
    CHECKPOINTS_SUBJECTS,
    EVENTS_STREAM,
    EVENTS_SUBJECTS,
    INTAKE_STREAM,
    INTAKE_SUBJECTS,
    REFUSALS_STREAM,
    REFUSALS_SUBJECTS,
)

DUPLICATE_WINDOW_SECONDS = 24 * 3600.0
"""How long the server remembers a ``Nats-Msg-Id``: longer than any relay outage we plan for."""


class StreamMisconfiguredError(RuntimeError):
    """An existing stream lacks a setting that the log depends on."""


def log_stream_config(name: str, subjects: str, description: str) -> StreamConfig:
    return StreamConfig(
        name=name,
        description=description,
        subjects=[subjects],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        max_age=0,
        max_bytes=-1,
        max_msgs=-1,
        max_msgs_per_subject=-1,
        discard=DiscardPolicy.NEW,
        deny_delete=True,
        deny_purge=True,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        allow_direct=True,
        num_replicas=1,
    )


STREAMS = (
    log_stream_config(EVENTS_STREAM, EVENTS_SUBJECTS, "demobase event log: every decided fact"),
    log_stream_config(INTAKE_STREAM, INTAKE_SUBJECTS, "demobase intake: every outside attempt"),
    log_stream_config(
        REFUSALS_STREAM, REFUSALS_SUBJECTS, "demobase dead letters: every attempt refused"
    ),
    log_stream_config(
        CHECKPOINTS_STREAM,
        CHECKPOINTS_SUBJECTS,
        "demobase signed tree heads of EVENTS and their witnesses' cosignatures (ADR 16)",
    ),
)


CHECKED_FIELDS = (
    "subjects", "storage", "retention", "deny_delete", "deny_purge",
    "max_age", "max_bytes", "max_msgs", "max_msgs_per_subject", "duplicate_window",
)  # fmt: skip
"""What an existing stream must match: a stream that can lose, expire or fail to dedupe events
(interest or work-queue retention, a message limit, a short duplicate window) is not the log."""


def _check(existing: StreamConfig, wanted: StreamConfig) -> None:
    problems = [
        f"{field}={getattr(existing, field)!r} (wanted {getattr(wanted, field)!r})"
        for field in CHECKED_FIELDS
        if getattr(existing, field) != getattr(wanted, field)
    ]
    if problems:
        raise StreamMisconfiguredError(f"stream {wanted.name}: " + ", ".join(problems))


async def ensure_streams(js: JetStreamContext) -> None:
    """Create the streams that are missing; refuse to run on one that lacks a needed setting."""
    for wanted in STREAMS:
        assert wanted.name is not None
        try:
            info = await js.stream_info(wanted.name)
        except NotFoundError:
            await js.add_stream(config=wanted)
            continue
        _check(info.config, wanted)
