"""Reference data and forms at the command line: the zone catalogue, form templates and checks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from demobase.selection import send
from demobase.terminal import AsJson, EffectiveDate, console, fail, print_json
from services.submission.data.zones import CatalogueError, ZoneCatalogue
from services.submission.forms import (
    as_problems,
    parse_form,
    read_form_xlsx,
    write_blank_template,
)
from shared.contract.events_common import Category, Programme
from shared.contract.provinces import MINISTRY

catalogue_app = typer.Typer(
    help="The development-zone catalogue (R-ELIGIBLE-ZONE).", no_args_is_help=True
)
forms_app = typer.Typer(
    help="Application forms: blank templates and local checks.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(catalogue_app, name="catalogue")
    app.add_typer(forms_app, name="forms")


@catalogue_app.command("load")
def catalogue_load(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="name,province_code,level")
    ],
    edition: Annotated[str, typer.Option(help="which edition, e.g. 2018年版")] = "",
    effective_date: EffectiveDate = None,
) -> None:
    """Load an edition of 《中国开发区审核公告目录》; bad lines are named before sending."""
    try:
        zones = ZoneCatalogue.from_csv(file)
    except CatalogueError as error:
        raise fail(str(error)) from None
    console.print(f"{len(zones)} zones read from {file}")
    body = {"edition": edition or file.name, "csv_text": file.read_text(encoding="utf-8-sig")}
    send("LoadZoneCatalogue", body, MINISTRY, "ministry", effective_date)


@forms_app.command("template")
def forms_template(
    programme: Annotated[Programme, typer.Option(help="NIID or EIDB")],
    category: Annotated[Category, typer.Option(help="park or enterprise")],
    output: Annotated[Path, typer.Option(help="the .xlsx to write")],
) -> None:
    """Write the blank spreadsheet of a form, as provinces circulate it."""
    output.write_bytes(write_blank_template(programme, category))
    console.print(f"wrote the blank {programme} {category} form to {output}")


@forms_app.command("check")
def forms_check(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="xlsx, JSON or YAML")],
    programme: Annotated[Programme, typer.Option(help="NIID or EIDB")],
    category: Annotated[Category, typer.Option(help="park or enterprise")],
    english: Annotated[
        bool, typer.Option("--english", help="the problems as the services word them")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Read a filled form and list every problem by field (its printed label, in Chinese), a
    统一社会信用代码 whose GB 32100-2015 check digit is wrong among them, before it is sent."""
    from demobase.client import read_document
    from services.submission.forms.parse import FORMS
    from services.submission.forms.readable import readable

    if file.suffix == ".xlsx":
        form, issues = read_form_xlsx(file, programme, category)
    else:
        form, issues = parse_form(programme, category, read_document(file))
    if as_json:
        problems = [problem.model_dump(mode="json") for problem in as_problems(issues)]
        print_json({"reads": form is not None and not issues, "problems": problems})
        raise typer.Exit(code=2 if form is None or issues else 0)
    model = FORMS.get((programme, category))
    for issue in issues:
        console.print(f"  - {issue if english else readable(issue, model)}", soft_wrap=True,
                      highlight=False, markup=False)  # fmt: skip
    if form is None or issues:
        console.print(f"{len(issues)} 处问题 (problems): 改正后再报送", highlight=False)
        raise typer.Exit(code=2)
    console.print("[green]the form reads without a problem[/green] (表格无误)")
