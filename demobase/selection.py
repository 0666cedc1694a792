"""Selection at the command line: batches, city and provincial review, the summary table.

Every command here publishes an attempt on the intake, as a province's or the ministry's own tool
would, and prints the owning service's decision; reads go to the registry's HTTP API.
"""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path
from typing import Annotated, Any

import typer
from openpyxl import Workbook
from rich.table import Table

from demobase.client import intake_message, nats_url, read_document, registry_get, send_on
from demobase.ids import batch_id as resolve_batch
from demobase.ids import entry_id
from demobase.terminal import (
    AsJson,
    EffectiveDate,
    console,
    effective,
    fail,
    fitted,
    print_decision,
    print_json,
)
from shared.config import Settings
from shared.contract.commands import COMMAND_TYPES, IntakeDecision
from shared.contract.provinces import MINISTRY, PROVINCES, province_code

batch_app = typer.Typer(help="Batches (calls): open, forward, list, funnel.", no_args_is_help=True)
city_app = typer.Typer(help="A city's review (EIDB).", no_args_is_help=True)
province_app = typer.Typer(help="A province's review and its summary table.", no_args_is_help=True)

Province = Annotated[str | None, typer.Option(help="province code or name (default: the file's)")]


def send(
    command_type: str,
    body: dict[str, Any],
    province: str,
    actor: str,
    day: Any,
    as_json: bool = False,
) -> IntakeDecision:
    """Publish one command and print the decision (as JSON with ``as_json``); exit 2 when it
    is refused."""
    if command_type not in COMMAND_TYPES:
        raise fail(f"unknown command {command_type!r}; known: {', '.join(sorted(COMMAND_TYPES))}")
    settings = Settings()
    context = COMMAND_TYPES[command_type].context
    on = effective(day)
    message = intake_message(command_type, body, province, actor, on or _now())
    decision = asyncio.run(send_on(nats_url(settings), context, message, on))
    if as_json:
        print_json(decision.model_dump(mode="json"))
    else:
        print_decision(decision)
    if not decision.accepted:
        raise typer.Exit(code=2)
    return decision


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def _who(province: str | None, document: dict[str, Any]) -> str:
    given = province or document.pop("province", None)
    return province_code(given) if given else MINISTRY


def send_document(
    command_type: str, file: Path, province: str | None, day: Any, as_json: bool = False
) -> None:
    document = read_document(file)
    code = _who(province, document)
    actor = "ministry" if code == MINISTRY else f"province:{code}"
    send(command_type, document, code, actor, day, as_json)


def register(app: typer.Typer) -> None:
    """Add the selection commands to the one CLI."""
    app.add_typer(batch_app, name="batch")
    app.add_typer(city_app, name="city")
    app.add_typer(province_app, name="province")
    app.command("send")(send_file_command)


def send_file_command(
    command_type: Annotated[str, typer.Argument(help="e.g. OpenBatch, RecommendApplication")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON or YAML body")],
    province: Province = None,
    effective_date: EffectiveDate = None,
    as_json: AsJson = False,
) -> None:
    """Send any intake command with its body from a file (what a province's tool does)."""
    send_document(command_type, file, province, effective_date, as_json)


@batch_app.command("open")
def batch_open(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="the batch, YAML")],
    effective_date: EffectiveDate = None,
    as_json: AsJson = False,
) -> None:
    """The ministry opens a batch: programme, domains, deadlines, suspended provinces."""
    send_document("OpenBatch", file, None, effective_date, as_json)


@batch_app.command("forward")
def batch_forward(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="YAML with province")],
    province: Province = None,
    effective_date: EffectiveDate = None,
    as_json: AsJson = False,
) -> None:
    """A province forwards a batch: its cities' deadline, quotas, whether cities review first."""
    send_document("ForwardBatch", file, province, effective_date, as_json)


@batch_app.command("list")
def batch_list(as_json: AsJson = False) -> None:
    """Batches as opened, with the provinces that forwarded them."""
    batches = _get("/api/batches")
    if as_json:
        print_json(batches)
        return
    rows = []
    for batch in batches:
        deadlines = ", ".join(f"{d['level']} {d['due']}" for d in batch.get("deadlines", []))
        forwarded = ", ".join(PROVINCES.get(p, p) for p in batch["forwarded"])
        rows.append((batch["batch_id"], batch.get("programme") or "", batch.get("title") or "",
                     deadlines, forwarded))  # fmt: skip
    headers = ("batch", "programme", "title", "deadlines", "forwarded by")
    console.print(fitted(headers, rows, ids=("batch",), drop=("programme", "deadlines")))


@batch_app.command("funnel")
def batch_funnel(
    batch_id: Annotated[str, typer.Argument(help="e.g. EIDB-2026-1 (or a prefix, or its title)")],
    as_json: AsJson = False,
) -> None:
    """How many applications reached each stage, and recommendations against quota."""
    batch_id = resolve_batch(Settings(), batch_id)
    funnel = _get(f"/api/batches/{batch_id}/funnel")
    if as_json:
        print_json({"batch_id": batch_id, "funnel": funnel,
                    "quotas": _get(f"/api/batches/{batch_id}/quotas")})  # fmt: skip
        return
    table = Table("stage", "applications", title=f"funnel of {batch_id}")
    for stage, count in funnel.items():
        table.add_row(stage.replace("_", " "), str(count))
    console.print(table)
    quotas = _get(f"/api/batches/{batch_id}/quotas")
    if quotas:
        table = Table(
            "province",
            "city",
            "category",
            "put forward",
            "quota",
            title="put forward against quota (R-QUOTAS)",
        )
        for row in quotas:
            table.add_row(
                PROVINCES.get(row["province"], row["province"]),
                row["city"] or "",
                row["category"],
                str(row["put_forward"]),
                row["quota"] or "on merit",
            )
        console.print(table)


ApplicationId = Annotated[
    str, typer.Argument(help="the application's id, an unambiguous prefix of it, or its name")
]


@city_app.command("review")
def city_review(
    application_id: ApplicationId,
    city: Annotated[str, typer.Option(help="the reviewing city, e.g. 福州市")],
    rank: Annotated[int, typer.Option(min=1, help="the city's order of preference")] = 1,
    province: Province = None,
    effective_date: EffectiveDate = None,
    as_json: AsJson = False,
) -> None:
    """A city puts an application forward to its province (within its deadline and quota)."""
    application_id, of = _application(application_id)
    code = province_code(province) if province else of
    body = {"application_id": application_id, "city": city, "rank": rank}
    send("ReviewByCity", body, code, f"city:{city}", effective_date, as_json)


@province_app.command("recommend")
def province_recommend(
    application_id: ApplicationId,
    document: Annotated[str, typer.Option(help="title of the recommendation document")],
    number: Annotated[str | None, typer.Option(help="its 文号")] = None,
    effective_date: EffectiveDate = None,
    as_json: AsJson = False,
) -> None:
    """The province recommends an application to the ministry (R-PROCEDURE, R-DEADLINES)."""
    application_id, code = _application(application_id)
    body = {
        "application_id": application_id,
        "recommendation": {"title": document, "number": number},
    }
    send("RecommendApplication", body, code, f"province:{code}", effective_date, as_json)


@province_app.command("reject")
def province_reject(
    application_id: ApplicationId,
    reason: Annotated[list[str], typer.Option(help="a reason (repeat for several)")],
    stage: Annotated[str, typer.Option(help="city or province")] = "province",
    effective_date: EffectiveDate = None,
    as_json: AsJson = False,
) -> None:
    """The city or the province turns an application down, with its reasons."""
    application_id, code = _application(application_id)
    body = {"application_id": application_id, "stage": stage, "reasons": reason}
    send("RejectApplication", body, code, f"province:{code}", effective_date, as_json)


@province_app.command("summary-table")
def province_summary_table(
    batch_id: str,
    province: Annotated[str, typer.Option(help="province code or name")],
    output: Annotated[Path, typer.Option(help="a .xlsx or .csv file to write")],
) -> None:
    """附件1: the province's recommendations as a spreadsheet (R-SUMMARY-TABLE)."""
    code = province_code(province)
    if code not in PROVINCES:
        raise fail(f"{province!r} is the ministry, not a province: 附件1 is a province's table")
    if output.suffix not in (".csv", ".xlsx"):
        raise fail(f"{output}: write .xlsx or .csv")
    batch_id = resolve_batch(Settings(), batch_id)
    rows = _get(f"/api/batches/{batch_id}/summary-table", province=code)
    columns = ["序号", "申报单位名称", "园区/企业名称", "申报类别", "申报创建领域"]
    if output.suffix == ".csv":
        output.write_text(summary_csv(rows, columns), encoding="utf-8-sig")
    elif output.suffix == ".xlsx":
        output.write_bytes(summary_xlsx(rows, columns, f"{PROVINCES[code]}推荐汇总表"))
    else:
        raise fail(f"{output}: write .xlsx or .csv")
    console.print(f"wrote {len(rows)} recommendation(s) to {output}")


def summary_csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([row[c] for c in columns] for row in rows)
    return out.getvalue()


def summary_xlsx(rows: list[dict[str, Any]], columns: list[str], title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "附件1"
    sheet.append([title])
    sheet.append(columns)
    for row in rows:
        sheet.append([row[c] for c in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _get(path: str, **query: str | None) -> Any:
    return registry_get(Settings(), path, **query)


def _application(given: str) -> tuple[str, str]:
    """The full id of the application ``given`` names (the one resolver, :mod:`demobase.ids`),
    and its province."""
    settings = Settings()
    application_id = entry_id(settings, given, kind="application")
    entry = registry_get(settings, f"/api/applications/{application_id}")
    return application_id, str(entry["province"])
