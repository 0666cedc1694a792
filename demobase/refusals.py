"""``demobase refusals``: the ministry's view of the dead-letter stream (ADR 2).

Every attempt a service refused without recording a fact is an ``AttemptRefused`` on ``REFUSALS``,
under the attempt's own subject tokens; the attempt itself stays on ``INTAKE`` at the sequence the
notice names. Read with an ordered consumer, as the auditor reads the log: nothing is changed.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer
from nats.js.api import DeliverPolicy

from demobase.client import bus, nats_url
from demobase.terminal import console, fail
from shared.config import Settings
from shared.contract.commands import AttemptRefused
from shared.contract.provinces import PROVINCES, province_code
from shared.contract.subjects import REFUSALS_STREAM

READ_TIMEOUT = 5.0


def register(app: typer.Typer) -> None:
    app.command("refusals")(list_refusals)


async def read_refusals(
    url: str, subject: str, last: int, settings: Settings | None = None
) -> list[tuple[str, AttemptRefused]]:
    """The newest ``last`` dead letters on ``subject`` (a filter of ``deadletter.v1.>``), oldest
    first, each with the subject it was published on."""
    async with bus(settings or Settings(), "demobase-refusals", url) as link:
        js = link.jetstream()
        info = await js.stream_info(REFUSALS_STREAM, subjects_filter=subject)
        total = sum((info.state.subjects or {}).values())
        found: list[tuple[str, AttemptRefused]] = []
        if total == 0:
            return found
        sub = await js.subscribe(subject, stream=REFUSALS_STREAM, ordered_consumer=True,
                                 deliver_policy=DeliverPolicy.ALL)  # fmt: skip
        for _ in range(total):
            message = await sub.next_msg(timeout=READ_TIMEOUT)
            found.append((message.subject, AttemptRefused.model_validate_json(message.data)))
        await sub.unsubscribe()
        return found[-last:]


def list_refusals(
    province: Annotated[str | None, typer.Option(help="code or name; all by default")] = None,
    context: Annotated[
        str | None, typer.Option(help="submission, review or evaluation; all by default")
    ] = None,
    last: Annotated[int, typer.Option(min=1, max=100_000, help="how many, newest last")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON array")] = False,
) -> None:
    """Attempts the services refused with nothing recorded, with why (the dead-letter stream)."""
    code = province_code(province) if province else "*"
    if context not in (None, "submission", "review", "evaluation"):
        raise fail(f"--context {context!r}: one of submission, review, evaluation")
    subject = f"deadletter.v1.{context or '*'}.{code}.>"
    settings = Settings()
    try:
        found = asyncio.run(read_refusals(nats_url(settings), subject, last, settings))
    except (OSError, TimeoutError) as error:
        raise fail(f"cannot read {REFUSALS_STREAM}: {error!r}") from None
    if as_json:
        rows = [{"subject": s, **notice.model_dump(mode="json")} for s, notice in found]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    console.print(f"[bold]refused attempts[/] on {subject}")
    for published_on, notice in found:
        where = published_on.split(".")[3]
        console.print(f"  INTAKE #{notice.intake_sequence}  {PROVINCES.get(where, where)}  "
                      f"[bold]{notice.command_type}[/]  refused by {notice.service}")  # fmt: skip
        for problem in notice.decision.problems:
            console.print(f"      {problem}", style="dim", highlight=False)
    console.print(f"{len(found)} shown; the attempts themselves are on INTAKE at those sequences.")
