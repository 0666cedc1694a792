"""What every command of the CLI shares: consoles, the effective date, errors and decisions."""

from __future__ import annotations

from datetime import UTC, datetime
from datetime import time as daytime
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from shared.contract.commands import IntakeDecision

console = Console()
errors = Console(stderr=True)

EffectiveDate = Annotated[
    datetime | None,
    typer.Option(
        "--effective-date",
        formats=["%Y-%m-%d"],
        help="Business date the command takes effect (default: now).",
    ),
]


def effective(value: datetime | None) -> datetime | None:
    """A business date from the command line, as 09:00 UTC of that day."""
    if value is None:
        return None
    return datetime.combine(value.date(), daytime(9, 0), tzinfo=UTC)


def fail(message: str) -> typer.Exit:
    """Print an error a person can act on; the caller raises what this returns."""
    errors.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=1)


def print_decision(decision: IntakeDecision) -> None:
    if decision.accepted:
        recorded = f"{decision.recorded} " if decision.recorded else ""
        console.print(f"[green]accepted[/green]: {recorded}{decision.subject_id}")
    else:
        what = f"{decision.recorded} {decision.subject_id}" if decision.recorded else "refused"
        console.print(f"[red]rejected[/red]: {what}")
    for problem in decision.problems:
        console.print(f"  - {problem}")


def already_received(text: str) -> typer.Exit:
    """A resend of an attempt the intake already holds: received once, decided then; no decision
    comes for this copy (exit 3). The caller raises what this returns."""
    console.print(f"[yellow]already received[/yellow]: {escape(text)}", soft_wrap=True)
    return typer.Exit(code=3)
