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


def log_stream_config(
    name: str, subjects: str, description: str, replicas: int = 1
) -> StreamConfig:
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
        num_replicas=replicas,
    )


STREAM_DESCRIPTIONS = (
    (EVENTS_STREAM, EVENTS_SUBJECTS, "demobase event log: every decided fact"),
    (INTAKE_STREAM, INTAKE_SUBJECTS, "demobase intake: every outside attempt"),
    (REFUSALS_STREAM, REFUSALS_SUBJECTS, "demobase dead letters: every attempt refused"),
    (
        CHECKPOINTS_STREAM,
        CHECKPOINTS_SUBJECTS,
        "demobase signed tree heads of EVENTS and their witnesses' cosignatures (ADR 16)",
    ),
)


def streams(replicas: int = 1) -> tuple[StreamConfig, ...]:
    """The platform's streams, each with ``replicas`` copies (``STREAM_REPLICAS``: 1 on a single
    node, 3 on the cluster)."""
    return tuple(log_stream_config(*described, replicas) for described in STREAM_DESCRIPTIONS)


STREAMS = streams()


CHECKED_FIELDS = (
    "subjects", "storage", "retention", "deny_delete", "deny_purge",
    "max_age", "max_bytes", "max_msgs", "max_msgs_per_subject", "duplicate_window", "num_replicas",
)  # fmt: skip
"""What an existing stream must match: a stream that can lose, expire or fail to dedupe events
(interest or work-queue retention, a message limit, a short duplicate window) is not the log,
and one with fewer copies than the deployment keeps (``STREAM_REPLICAS``) loses it with a node."""


def _check(existing: StreamConfig, wanted: StreamConfig) -> None:
    problems = [
        f"{field}={getattr(existing, field)!r} (wanted {getattr(wanted, field)!r})"
        for field in CHECKED_FIELDS
        if getattr(existing, field) != getattr(wanted, field)
    ]
    if problems:
        raise StreamMisconfiguredError(
            f"stream {wanted.name} differs from what the platform runs on: "
            + ", ".join(problems)
            + " (change the stream with `nats stream edit`, or STREAM_REPLICAS to what it has)"
        )


async def ensure_streams(js: JetStreamContext, replicas: int = 1) -> None:
    """Create the streams that are missing, with ``replicas`` copies each; refuse to run on one
    whose config differs in a setting the log depends on, naming each difference."""
    for wanted in streams(replicas):
        assert wanted.name is not None
        try:
            info = await js.stream_info(wanted.name)
        except NotFoundError:
            await js.add_stream(config=wanted)
            continue
        _check(info.config, wanted)
