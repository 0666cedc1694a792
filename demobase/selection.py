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

from demobase.client import ClientError, intake_message, read_document, registry_get, send_on
from demobase.terminal import EffectiveDate, console, effective, fail, print_decision
from shared.config import Settings, resolve_nats_url
from shared.contract.commands import COMMAND_TYPES, IntakeDecision
from shared.contract.provinces import MINISTRY, PROVINCES, province_code

batch_app = typer.Typer(help="Batches (calls): open, forward, list, funnel.", no_args_is_help=True)
city_app = typer.Typer(help="A city's review (EIDB).", no_args_is_help=True)
province_app = typer.Typer(help="A province's review and its summary table.", no_args_is_help=True)

Province = Annotated[str | None, typer.Option(help="province code or name (default: the file's)")]


def send(
    command_type: str, body: dict[str, Any], province: str, actor: str, day: Any
) -> IntakeDecision:
    """Publish one command and print the decision; exit 2 when it is refused."""
    if command_type not in COMMAND_TYPES:
        raise fail(f"unknown command {command_type!r}; known: {', '.join(sorted(COMMAND_TYPES))}")
    settings = Settings()
    context = COMMAND_TYPES[command_type].context
    on = effective(day)
    message = intake_message(command_type, body, province, actor, on or _now())
    try:
        decision = asyncio.run(send_on(resolve_nats_url(settings), context, message, on))
    except ClientError as error:
        raise fail(str(error)) from None
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


def send_document(command_type: str, file: Path, province: str | None, day: Any) -> None:
    document = read_document(file)
    code = _who(province, document)
    actor = "ministry" if code == MINISTRY else f"province:{code}"
    send(command_type, document, code, actor, day)


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
) -> None:
    """Send any intake command with its body from a file (what a province's tool does)."""
    send_document(command_type, file, province, effective_date)


@batch_app.command("open")
def batch_open(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="the batch, YAML")],
    effective_date: EffectiveDate = None,
) -> None:
    """The ministry opens a batch: programme, domains, deadlines, suspended provinces."""
    send_document("OpenBatch", file, None, effective_date)


@batch_app.command("forward")
def batch_forward(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="YAML with province")],
    province: Province = None,
    effective_date: EffectiveDate = None,
) -> None:
    """A province forwards a batch: its cities' deadline, quotas, whether cities review first."""
    send_document("ForwardBatch", file, province, effective_date)


@batch_app.command("list")
def batch_list() -> None:
    """Batches as opened, with the provinces that forwarded them."""
    table = Table("batch", "programme", "title", "deadlines", "forwarded by")
    for batch in _get("/api/batches"):
        deadlines = ", ".join(f"{d['level']} {d['due']}" for d in batch.get("deadlines", []))
        forwarded = ", ".join(PROVINCES.get(p, p) for p in batch["forwarded"])
        table.add_row(
            batch["batch_id"], batch.get("programme"), batch.get("title"), deadlines, forwarded
        )
    console.print(table)


@batch_app.command("funnel")
def batch_funnel(batch_id: Annotated[str, typer.Argument(help="e.g. EIDB-2026-1")]) -> None:
    """How many applications reached each stage, and recommendations against quota."""
    funnel = _get(f"/api/batches/{batch_id}/funnel")
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


@city_app.command("review")
def city_review(
    application_id: str,
    city: Annotated[str, typer.Option(help="the reviewing city, e.g. 福州市")],
    rank: Annotated[int, typer.Option(min=1, help="the city's order of preference")] = 1,
    province: Province = None,
    effective_date: EffectiveDate = None,
) -> None:
    """A city puts an application forward to its province (within its deadline and quota)."""
    code = province_code(province) if province else _province_of(application_id)
    body = {"application_id": application_id, "city": city, "rank": rank}
    send("ReviewByCity", body, code, f"city:{city}", effective_date)


@province_app.command("recommend")
def province_recommend(
    application_id: str,
    document: Annotated[str, typer.Option(help="title of the recommendation document")],
    number: Annotated[str | None, typer.Option(help="its 文号")] = None,
    effective_date: EffectiveDate = None,
) -> None:
    """The province recommends an application to the ministry (R-PROCEDURE, R-DEADLINES)."""
    code = _province_of(application_id)
    body = {
        "application_id": application_id,
        "recommendation": {"title": document, "number": number},
    }
    send("RecommendApplication", body, code, f"province:{code}", effective_date)


@province_app.command("reject")
def province_reject(
    application_id: str,
    reason: Annotated[list[str], typer.Option(help="a reason (repeat for several)")],
    stage: Annotated[str, typer.Option(help="city or province")] = "province",
    effective_date: EffectiveDate = None,
) -> None:
    """The city or the province turns an application down, with its reasons."""
    code = _province_of(application_id)
    body = {"application_id": application_id, "stage": stage, "reasons": reason}
    send("RejectApplication", body, code, f"province:{code}", effective_date)


@province_app.command("summary-table")
def province_summary_table(
    batch_id: str,
    province: Annotated[str, typer.Option(help="province code or name")],
    output: Annotated[Path, typer.Option(help="a .xlsx or .csv file to write")],
) -> None:
    """附件1: the province's recommendations as a spreadsheet (R-SUMMARY-TABLE)."""
    code = province_code(province)
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
    try:
        return registry_get(Settings(), path, **query)
    except ClientError as error:
        raise fail(str(error)) from None


def _province_of(application_id: str) -> str:
    entry = _get(f"/api/applications/{application_id}")
    return str(entry["province"])
