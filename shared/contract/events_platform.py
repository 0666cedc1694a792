"""The platform's own facts: recorded by every deciding service, each on its own subjects."""

from __future__ import annotations

from typing import ClassVar, Final, Literal

from pydantic import Field

from shared.contract.envelope import EventPayload, SubjectKind
from shared.contract.events_common import PlatformDatetime
from shared.contract.subjects import Context

PLATFORM_CLOCK: Final = "platform-clock"
"""The subject id of every clock setting."""


class PlatformClockSet(EventPayload):
    """The platform's clock was set (P-POSTMARK, ADR 13), as one deciding service recorded it.

    ``decided_in`` is the service (context) that recorded it and whose subjects carry it; from
    ``received_at`` on, that service reads ``to + (receipt − received_at)`` as the time of every
    attempt it receives.
    """

    context: ClassVar[Context] = "submission"
    subject_kind: ClassVar[SubjectKind] = "platform"

    clock: Literal["platform-clock"] = PLATFORM_CLOCK
    decided_in: Context
    to: PlatformDatetime
    received_at: PlatformDatetime = Field(description="when the platform received the setting")
    reason: str = Field(min_length=1, max_length=500)

    def log_context(self) -> Context:
        return self.decided_in
