"""``demobase``: the one command line for operators, provinces' staff and auditors."""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from demobase import audit, reference, refusals, selection
from demobase.client import (
    AlreadyOnIntakeError,
    ClientError,
    bus,
    nats_url,
    registry_get,
    submit_file,
)
from demobase.ids import entry_id
from demobase.terminal import (
    AsJson,
    EffectiveDate,
    Guarded,
    already_received,
    console,
    effective,
    errors,
    fail,
    fitted,
    print_decision,
    print_json,
)
from shared.config import Settings
from shared.contract.provinces import PROVINCES, province_code

app = typer.Typer(help="demobase: MIIT national demonstration-base programmes on an event log.",
                  no_args_is_help=True, cls=Guarded)  # fmt: skip
registry_app = typer.Typer(help="Read, verify and rebuild the registry.", no_args_is_help=True)
contract_app = typer.Typer(help="The event contract.", no_args_is_help=True)
app.add_typer(registry_app, name="registry")
app.add_typer(contract_app, name="contract")
calendar_app = typer.Typer(help="Working days and R-PUBLICITY windows.", no_args_is_help=True)
app.add_typer(calendar_app, name="calendar")


@app.command()
def run() -> None:
    """Start NATS (embedded unless NATS_URL is set), the four services and the registry page."""
    from demobase.run import run_platform

    raise typer.Exit(code=run_platform(Settings()))


def _await_in_registry(settings: Settings, subject_id: str, timeout: float = 5.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return dict(registry_get(settings, f"/api/applications/{subject_id}"))
        except ClientError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@app.command()
def submit(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="JSON or YAML application")
    ],
    effective_date: EffectiveDate = None,
    as_json: AsJson = False,
) -> None:
    """Publish an application on the intake, as a province tool would; await the decision.

    A ``command_id`` (UUID) in the file makes sending it again a resend: the intake keeps the
    first copy only and this says so (exit 3), or that the id was used by another attempt."""
    settings = Settings()
    try:
        decision = submit_file(file, settings, None, effective(effective_date))
        if as_json:
            print_json(decision.model_dump(mode="json"))
            raise typer.Exit(code=0 if decision.accepted else 2)
        print_decision(decision)
        if decision.subject_id:
            entry = _await_in_registry(settings, decision.subject_id)
            console.print(f"in the registry: {entry['status']} since {entry['since']}, "
                          f"{len(entry['timeline'])} event(s) in its timeline")  # fmt: skip
    except AlreadyOnIntakeError as error:
        raise (already_received(str(error)) if error.same else fail(str(error))) from None
    except ClientError as error:
        raise fail(str(error)) from None
    if not decision.accepted:
        raise typer.Exit(code=2)


@app.command()
def status(as_json: AsJson = False) -> None:
    """Each service: running or not, and how far it has processed each stream it reads."""
    from demobase.client import service_status

    settings = Settings()
    found = asyncio.run(service_status(nats_url(settings), settings=settings))
    if as_json:
        try:
            quarantined: Any = registry_get(settings, "/api/quarantine")
        except ClientError as error:
            quarantined = {"unknown": str(error)}
        print_json({"services": found, "quarantine": quarantined})
        return
    headers = ("service", "stream", "subjects", "processed", "last on stream", "behind")
    rows = []
    for service in found:
        if not service["running"]:
            rows.append((service["service"], "not running", "", "", "", ""))
        for c in service["consumers"]:
            whole = c["filter"] in ("bases.v1.>", "intake.v1.>")  # a filtered count is no lag
            behind = str(max(0, c["stream_last"] - c["processed"])) if whole else ""
            rows.append((service["service"], c["stream"], c["filter"], str(c["processed"]),
                         str(c["stream_last"]), behind))  # fmt: skip
    console.print(fitted(headers, rows, ids=("service",), drop=("subjects", "last on stream")))
    _print_quarantine(settings)


def _print_quarantine(settings: Settings) -> None:
    """The registry's quarantine in one line: what it could not apply, and the first of it."""
    from rich.markup import escape

    from demobase.client import quarantine_summary

    try:
        rows = registry_get(settings, "/api/quarantine")
    except ClientError as error:
        console.print(f"registry quarantine: unknown ({escape(str(error))})")
        return
    line = escape(quarantine_summary(rows))
    console.print(f"[red]{line}[/red]" if rows else line, soft_wrap=True)


@app.command()
def demo() -> None:
    """Play NIID batch 11 and the first EIDB batch into a running system (`make run` first).

    On a system that already holds the demo's batches it stops before sending anything and
    says how to start afresh: `make reset` (then `make run`), or a fresh VAR_DIR."""
    from demobase.demo.play import play

    play()


@app.command()
def reset(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask first")] = False,
) -> None:
    """Stop what `make run` started from this VAR_DIR (if it runs) and clear VAR_DIR: the log,
    the services' stores, the registry. `.venv` is kept; so is a PostgreSQL schema or a NATS
    server of NATS_URL, which this names rather than touches."""
    from demobase.reset import reset_system

    settings = Settings()
    if not yes and not typer.confirm(f"stop demobase and delete {settings.var_dir.resolve()}?"):
        raise typer.Exit(code=1)
    for line in reset_system(settings):
        console.print(line, soft_wrap=True)


@registry_app.command("list")
def registry_list(
    as_json: Annotated[
        bool, typer.Option("--json", help="one JSON array, one object per entry")
    ] = False,
    programme: Annotated[str | None, typer.Option(help="NIID or EIDB")] = None,
    province: Annotated[str | None, typer.Option(help="code or name")] = None,
    status: Annotated[str | None, typer.Option()] = None,
    domain: Annotated[str | None, typer.Option(help="示范领域, e.g. 电子信息")] = None,
    stars: Annotated[int | None, typer.Option(min=1, max=5, help="rated this many stars")] = None,
    year: Annotated[int | None, typer.Option(help="year of --stars; the latest by default")] = None,
) -> None:
    """Applications and bases in the registry."""
    settings = Settings()
    code = province_code(province) if province else None
    entries = registry_get(
        settings, "/api/applications", programme=programme, province=code, status=status,
        domain=domain, stars=str(stars) if stars else None, year=str(year) if year else None,
    )  # fmt: skip
    if as_json:
        print_json(entries)
        return
    headers = ("id", "name", "province", "programme", "domain", "status", "since")
    rows = [(e["id"], e["name"], PROVINCES.get(e["province"], e["province"]), e["programme"],
             e["domain"] or "", e["status"], e["since"][:10]) for e in entries]  # fmt: skip
    drop = ("since", "domain", "programme", "province")
    console.print(fitted(headers, rows, drop=drop))


@registry_app.command("show")
def registry_show(
    subject_id: Annotated[str, typer.Argument(help="id (or an unambiguous prefix)")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """One application or base with its timeline (by id, an unambiguous prefix, or a name)."""
    settings = Settings()
    entry = registry_get(settings, f"/api/applications/{entry_id(settings, subject_id)}")
    if as_json:
        print_json(entry)
        return
    console.print(f"[bold]{entry['name']}[/bold]  {entry['id']}")
    where = PROVINCES.get(entry["province"], entry["province"])
    status = f"status [bold]{entry['status']}[/bold] since {entry['since']}"
    console.print(f"{where} · {entry['programme']} · {entry['domain']} · {status}")
    if entry.get("title"):
        stars = ", ".join(f"{y}: {n}★" for y, n in sorted(entry["stars_by_year"].items()))
        console.print(
            f"title: {entry['title']}  tier: {entry.get('tier') or '—'}  stars: {stars or '—'}"
        )
        if entry["former_names"]:
            console.print(f"former names: {'; '.join(entry['former_names'])}")
        if entry.get("revoked_rule"):
            causes = ", ".join(
                f"#{c['stream_sequence']} {c['event_id']}" for c in entry["causing_events"]
            )
            console.print(
                f"[red]revoked under {entry['revoked_rule']}[/red]: "
                f"{entry['revoked_reason']} (caused by {causes})"
            )
    headers = ("seq", "event", "occurred", "recorded", "actor", "event id")
    rows = [(str(line["sequence"]), line["event_type"], line["occurred_at"], line["recorded_at"],
             line["actor"], line["event_id"]) for line in entry["timeline"]]  # fmt: skip
    console.print(fitted(headers, rows, ids=("event id",), drop=("recorded", "actor", "occurred")))


@registry_app.command("trace")
def registry_trace(
    event_or_correlation_id: Annotated[
        str, typer.Argument(help="an event id, or a correlation id from a log line")
    ],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Every event of one decision across the services, in log order, with what caused each."""
    lines = registry_get(Settings(), f"/api/trace/{event_or_correlation_id}")
    if as_json:
        print_json(lines)
        return
    if not lines:
        raise fail(f"no event and no correlation {event_or_correlation_id!r} in the registry")
    console.print(f"correlation [bold]{lines[0]['correlation_id']}[/bold]: {len(lines)} events")
    headers = ("seq", "event", "subject", "actor", "occurred", "caused by")
    rows = [(str(line["sequence"]), line["event_type"], line["subject_id"], line["actor"],
             line["occurred_at"], line["causation_id"] or "") for line in lines]  # fmt: skip
    console.print(fitted(headers, rows, ids=("subject", "caused by"), drop=("occurred", "actor")))


@registry_app.command("digest")
def registry_digest(as_json: AsJson = False) -> None:
    """The live registry's event count and the SHA-256 digest of all its tables (ADR 20)."""
    answer = registry_get(Settings(), "/api/digest")
    if as_json:
        print_json(answer)
        return
    typer.echo(f"events: {answer['events']}\ndigest: {answer['digest']}")


@registry_app.command("rebuild")
def registry_rebuild(
    batch_size: Annotated[int, typer.Option(min=1, max=100_000)] = 1000,
    as_json: AsJson = False,
) -> None:
    """Replay the event log from sequence 1 into new tables and swap them in when complete;
    print count and digest. A rebuild that fails leaves the registry as it was."""
    from nats.errors import Error as NatsError

    from services.registry.bootstrap import build_registry
    from services.registry.rebuild import rebuild
    from services.registry.replay import terminal_progress

    settings = Settings()

    async def replay() -> tuple[int, str]:
        async with bus(settings, "demobase-rebuild") as link:  # before the registry is opened
            js = link.jetstream()
            with terminal_progress("replaying the log") as progress:  # events/s and time left
                try:
                    result = await rebuild(
                        build_registry(settings), js, batch_size=batch_size, progress=progress
                    )
                except (NatsError, TimeoutError) as error:
                    raise ClientError(
                        f"rebuild failed, the registry is as it was: {type(error).__name__}: "
                        f"{error or 'timed out'}"
                    ) from None
            return result.events, result.digest

    events, digest = asyncio.run(replay())
    if as_json:
        print_json({"events": events, "digest": digest})
        return
    typer.echo(f"events: {events}\ndigest: {digest}")


@registry_app.command("as-of")
def registry_as_of(
    moment: Annotated[
        str, typer.Argument(help="YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS, with an offset or UTC")
    ],
    recorded: Annotated[
        bool,
        typer.Option(
            "--recorded/--effective",
            help="by recording time (when each fact was recorded) or by business time (when it "
            "took effect, the default)",
        ),
    ] = False,
    programme: Annotated[str | None, typer.Option()] = None,
    province: Annotated[str | None, typer.Option(help="province code or name")] = None,
    status: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="at most this many entries")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="the answer as JSON")] = False,
) -> None:
    """The registry as it stood at a moment, by business or recording time, from its history
    (no replay): every entry in its version then, with when that took effect and was recorded."""
    by = "recorded" if recorded else "effective"
    try:
        code = province_code(province) if province else None
        pages = _as_of_pages(f"/api/as-of/{moment}", limit, by=by, programme=programme,
                             province=code, status=status)  # fmt: skip
        first = next(pages)  # a moment or a filter the registry refuses is said before any output
        if as_json:
            _echo_json_pages(first, pages)
            return
        answer = _joined(first, pages)
    except (ClientError, ValueError) as error:
        raise fail(str(error)) from None
    entries = answer["entries"]
    time_name = "recording time" if recorded else "business time"
    console.print(
        f"as of {answer['moment']} by {time_name}: {len(entries)} entries "
        f"(from the history of {answer['applied']} events applied)"
    )
    if answer["history_from"] > 1:
        errors.print(
            f"[yellow]this registry keeps its history from sequence {answer['history_from']} on; "
            "`demobase registry rebuild` fills in the rest[/yellow]"
        )
    headers = ("id", "name", "province", "programme", "status", "title", "seq",
               "took effect (UTC)", "recorded (UTC)")  # fmt: skip
    rows = [(e["id"], e["name"], PROVINCES.get(e["province"], e["province"]), e["programme"],
             e["status"], e.get("title") or "", str(e["sequence"]), e["effective_at"][:19],
             e["recorded_at"][:19]) for e in entries]  # fmt: skip
    drop = ("title", "programme", "province", "seq")
    console.print(fitted(headers, rows, drop=drop))
    if answer["next"]:
        console.print(f"… and more after {answer['next']} (without --limit: all of them)")


def _as_of_pages(path: str, limit: int | None, **query: str | None) -> Iterator[dict[str, Any]]:
    """The pages of an as-of answer in order, up to the last or to the first ``limit`` entries;
    the last page's ``next`` is the last entry shown when more were left, else None."""
    settings = Settings()
    answer: dict[str, Any] = registry_get(settings, path, **query)
    shown = 0
    while True:
        entries = answer["entries"]
        if limit is not None and shown + len(entries) >= limit:
            kept = entries[: limit - shown]
            more = len(kept) < len(entries) or bool(answer["next"])
            yield {**answer, "entries": kept, "next": kept[-1]["id"] if more and kept else None}
            return
        shown += len(entries)
        yield answer
        if not answer["next"]:
            return
        answer = registry_get(
            settings, path, **query, after=answer["next"], through=str(answer["through"])
        )  # every page from the state the first one read


def _joined(first: dict[str, Any], pages: Iterator[dict[str, Any]]) -> dict[str, Any]:
    """Every page as one answer (for the table, which is laid out once all rows are in)."""
    entries, last = list(first["entries"]), first
    for last in pages:
        entries += last["entries"]
    return {**last, "entries": entries}


def _echo_json_pages(first: dict[str, Any], pages: Iterator[dict[str, Any]]) -> None:
    """The answer as one JSON document written page by page, so that memory stays one page
    however many entries there are: the answer's fields, every entry, then the last ``next``.
    A page that fails midway leaves the document unfinished and the command failing."""

    def dumped(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, indent=1)

    fields = {key: value for key, value in first.items() if key not in ("entries", "next")}
    out = sys.stdout
    out.write((dumped(fields)[:-2] + ",\n" if fields else "{\n") + ' "entries": [')
    last, separator = first, "\n"
    for last in itertools.chain((first,), pages):
        for entry in last["entries"]:
            out.write(separator + textwrap.indent(dumped(entry), "  "))
            separator = ",\n"
    out.write(("\n ]" if separator != "\n" else "]") + f',\n "next": {dumped(last["next"])}\n}}\n')
    out.flush()


@contract_app.command("asyncapi")
def contract_asyncapi(
    output: Annotated[Path | None, typer.Option(help="file to write (default: stdout)")] = None,
) -> None:
    """Generate the AsyncAPI document of every subject and payload from the code."""
    from shared.contract.asyncapi import build_asyncapi

    document = build_asyncapi()
    if output is None:
        typer.echo(document, nl=False)
    else:
        output.write_text(document, encoding="utf-8")
        errors.print(f"wrote {output}")


@calendar_app.command("window")
def calendar_window(
    published_on: Annotated[
        datetime, typer.Argument(formats=["%Y-%m-%d"], help="publication date, YYYY-MM-DD")
    ],
    holidays_dir: Annotated[
        Path | None, typer.Option(help="extra holiday CSVs (default: HOLIDAYS_DIR, var/holidays)")
    ] = None,
) -> None:
    """The R-PUBLICITY window of a publication: five working days, ending Beijing time."""
    from rich.markup import escape

    from shared.calendar import ScheduleFileError, UnknownCalendarYearError, default_calendar

    try:
        window = default_calendar(holidays_dir).publicity_window(published_on.date())
    except (UnknownCalendarYearError, ScheduleFileError) as error:
        raise fail(escape(str(error))) from None
    typer.echo(f"first day: {window.first_day}\nlast day: {window.last_day}\n"
               f"closes at: {window.closes_at.isoformat()}")  # fmt: skip


@calendar_app.command("check")
def calendar_check(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="holiday schedule CSV")],
) -> None:
    """Validate a State Council holiday schedule before putting it in HOLIDAYS_DIR."""
    from rich.markup import escape

    from shared.calendar import (
        ScheduleFileError,
        days_differing_from_chinesecalendar,
        load_schedule_csv,
    )

    try:
        schedule = load_schedule_csv(file)
    except ScheduleFileError as error:
        raise fail(escape(str(error))) from None
    typer.echo(f"year: {schedule.year}\nholidays: {len(schedule.holidays)}\n"
               f"adjusted working days: {len(schedule.adjusted_workdays)}")  # fmt: skip
    differing = days_differing_from_chinesecalendar(schedule)
    if differing:
        days = ", ".join(str(day) for day in differing)
        typer.echo(f"replaces chinesecalendar for {schedule.year}; it differs on: {days}")


selection.register(app)
reference.register(app)
audit.register(app)
refusals.register(app)


def main() -> None:
    app()
