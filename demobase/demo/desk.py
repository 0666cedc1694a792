"""The demo's desk: sends commands on business dates and tells what happened, line by line."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from demobase.client import ClientError, intake_message
from demobase.clock import ClockedDesk
from demobase.terminal import console
from shared.contract.commands import COMMAND_TYPES, IntakeDecision
from shared.contract.provinces import MINISTRY, PROVINCES


def at(day: str) -> datetime:
    """09:00 Beijing time on ``day``: when offices send things."""
    return datetime.fromisoformat(f"{day}T01:00:00+00:00").astimezone(UTC)


@dataclass
class Desk:
    """Sends one command at a time and prints the decision; counts what was refused, and why."""

    nats_url: str
    refused: list[str] = field(default_factory=list)
    clock: ClockedDesk = field(init=False)
    """Each attempt on its business day: the platform's clock set first (P-POSTMARK, ADR 13)."""

    def __post_init__(self) -> None:
        self.clock = ClockedDesk(self.nats_url)

    async def send(
        self,
        command: str,
        body: dict[str, Any],
        day: str,
        *,
        province: str = MINISTRY,
        actor: str | None = None,
        what: str = "",
        expect: bool = True,
        quiet: bool = False,
    ) -> IntakeDecision:
        actor = actor or ("ministry" if province == MINISTRY else f"province:{province}")
        message = intake_message(command, body, province, actor, at(day))
        context = COMMAND_TYPES[command].context
        decision = await self._until_known(context, message)
        if quiet and decision.accepted == expect:
            return decision
        self._tell(day, command, province, what, decision, expect)
        return decision

    async def _until_known(self, context: str, message: dict[str, Any]) -> IntakeDecision:
        """Retry while the deciding service has not yet heard of what the command names.

        Services learn of each other's facts from the log, a moment after they are recorded.
        """
        deadline = time.monotonic() + 10
        while True:
            decision = await self.clock.send(context, message)
            unknown = any(p.reason.startswith("no ") for p in decision.problems)
            if decision.accepted or not unknown or time.monotonic() > deadline:
                return decision
            await asyncio.sleep(0.2)
            message = {**message, "command_id": _fresh_id()}

    def _tell(
        self,
        day: str,
        command: str,
        province: str,
        what: str,
        decision: IntakeDecision,
        expect: bool,
    ) -> None:
        who = "部" if province == MINISTRY else PROVINCES.get(province, province)
        mark = "[green]✓[/green]" if decision.accepted else "[red]✗[/red]"
        surprise = "" if decision.accepted == expect else " [bold yellow](unexpected)[/bold yellow]"
        console.print(f"{day} {who:<6} {command:<22} {what} {mark}{surprise}")
        for problem in decision.problems:
            console.print(f"{'':>29}[dim]{problem}[/dim]")
        if not decision.accepted:
            self.refused.append(f"{command}: {'; '.join(str(p) for p in decision.problems)}")
        if decision.accepted != expect:
            raise ClientError(
                f"the demo expected {command} for {what} to be "
                f"{'accepted' if expect else 'refused'}: does this system hold an earlier run? "
                "`make reset` then `make run` starts afresh (or use a fresh VAR_DIR)"
            )


def _fresh_id() -> str:
    from uuid import uuid4

    return str(uuid4())
