"""What every command of the CLI shares: consoles, the effective date, errors and decisions,
tables that fit the terminal, ``--json``, and the one boundary that turns an error into a line."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from datetime import UTC, datetime
from datetime import time as daytime
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer import _click  # the click typer carries (its Context is typer's own)
from typer.core import TyperGroup

from shared.contract.commands import IntakeDecision
from shared.contract.provinces import UnknownProvinceError

console = Console()
errors = Console(stderr=True)

AsJson = Annotated[bool, typer.Option("--json", help="the answer as JSON, nothing else")]


def print_json(value: Any) -> None:
    """What ``--json`` prints: one JSON document on stdout (Chinese kept as it is)."""
    typer.echo(json.dumps(value, ensure_ascii=False, indent=1, default=str))


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


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error a person can act on, on one line; the caller raises what this returns."""
    errors.print(f"[red]error:[/red] {message}", soft_wrap=True)
    return typer.Exit(code=code)


INTERRUPTED = 130
"""The exit status of a command stopped by Ctrl-C (128 + SIGINT), as shells report it."""
INTERNAL = 70
"""The exit status of an error this CLI has no words for (EX_SOFTWARE): a bug to report."""
TRACEBACK = "DEMOBASE_TRACEBACK"
"""Set to 1 to see the traceback of an error the boundary would put in one line."""


def explain(error: BaseException) -> str:
    """One line a person can act on, for the errors a command may meet: a mistake in what was
    typed, a server or registry that does not answer, a setting that does not read."""
    from nats.errors import Error as NatsError

    from demobase.client import ClientError

    if isinstance(error, ClientError):
        return str(error)
    if isinstance(error, UnknownProvinceError):
        return f"{error}: give a GB/T 2260 code (430000) or a name (湖南省, 湖南)"
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or error.title
        return f"{where}: {first['msg']} (given {first.get('input')!r})"
    if isinstance(error, NatsError | TimeoutError):
        return (
            f"NATS did not answer ({type(error).__name__}: {error or 'timed out'}); "
            "is `make run` up, or NATS_URL right?"
        )
    if isinstance(error, OSError):
        where = f" ({error.filename})" if error.filename else ""
        return f"{error.strerror or error}{where}"
    if isinstance(error, ValueError) and str(error):  # this code's ValueErrors name the value
        return str(error)
    return (
        f"unexpected {type(error).__name__}: {error} — a bug in demobase; "
        f"{TRACEBACK}=1 shows where it happened"
    )


class Guarded(TyperGroup):
    """The CLI's one error boundary: whatever a command raises that is not its own exit becomes
    one line on stderr and a non-zero status, never a traceback (issue 11); Ctrl-C ends with
    130. ``DEMOBASE_TRACEBACK=1`` lets an unexpected error through with its traceback."""

    def invoke(self, ctx: _click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):  # its own exits and usage errors
            raise
        except KeyboardInterrupt:
            errors.print("interrupted", soft_wrap=True)
            raise typer.Exit(code=INTERRUPTED) from None
        except Exception as error:
            said = explain(error)
            unexpected = said.startswith("unexpected ")
            if unexpected and os.environ.get(TRACEBACK) == "1":
                raise
            raise fail(escape(said), INTERNAL if unexpected else 1) from None


def terminal_width() -> int:
    """Columns of the terminal (``COLUMNS`` when set; 80 when there is none)."""
    return shutil.get_terminal_size().columns


NARROWEST = 6
"""Cells a wrapped (never cut) column keeps at least, so its words stay readable."""


def fitted(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    ids: Sequence[str] = ("id",),
    drop: Sequence[str] = (),
    title: str | None = None,
    width: int | None = None,
) -> Table:
    """A table that fits the terminal without cutting an id: id columns never wrap, others
    fold (wrap, never "…"), and the columns of ``drop`` are left out, in that order, while the
    table would not fit otherwise; a note on stderr says which (``--json`` has them all)."""
    width = width or terminal_width()
    kept = list(headers)

    def narrowest(header: str) -> int:
        """An id's whole width; else room for its longest Latin word (Chinese wraps anywhere)."""
        texts = [header, *(str(row[headers.index(header)]) for row in rows)]
        widest = max(cell_len(text) for text in texts)
        if header in ids:
            return widest
        words = [len(word) for text in texts for word in text.split() if word.isascii()]
        return min(widest, max(NARROWEST, *words))

    def needed() -> int:
        return sum(narrowest(h) for h in kept) + 3 * len(kept) + 1  # borders and padding

    hidden = []
    for header in drop:
        if needed() <= width:
            break
        if header in kept:
            kept.remove(header)
            hidden.append(header)
    if hidden:
        errors.print(f"[dim]not shown at {width} columns: {', '.join(hidden)} (a wider terminal "
                     "or --json shows them)[/dim]")  # fmt: skip
    table = Table(title=title)
    for header in kept:
        if header in ids:
            table.add_column(header, no_wrap=True, min_width=narrowest(header))
        else:
            table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*(str(row[headers.index(h)]) for h in kept))
    return table


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
