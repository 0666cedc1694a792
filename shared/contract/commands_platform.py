"""The platform's own commands: what the ministry's operator does to the platform itself.

``SetPlatformClock`` is sent to every deciding service on its own intake subjects
(``every_context``), so that each records the same fact in its own store and reads the same time.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from shared.contract.authority import MINISTRY_ONLY, Authority
from shared.contract.commands import CommandBody
from shared.contract.events_common import PlatformDatetime
from shared.contract.subjects import Context


class SetPlatformClock(CommandBody):
    """The ministry's operator sets the platform's clock (P-POSTMARK, ADR 13).

    From this attempt on, the time every rule reads is ``to`` plus the time that has passed since
    the platform received this attempt, by the intake stream's own timestamps: a replay decides
    the same. Used to play past or future years in seconds (``make demo``, trials, tests); in
    production it is never sent and the platform's time is the time of receipt.
    """

    context: ClassVar[Context] = "submission"
    every_context: ClassVar[bool] = True
    authority: ClassVar[Authority] = MINISTRY_ONLY

    to: PlatformDatetime = Field(description="the platform's time at the receipt of this attempt")
    reason: str = Field(min_length=1, max_length=500, description="why, for the auditor")
