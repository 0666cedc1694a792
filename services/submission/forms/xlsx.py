"""The spreadsheet provinces circulate: a blank template, and reading a filled one back.

Labels are in Chinese; the layout comes from :mod:`.layout`, so that writing and reading cannot
drift apart. Reading builds the same mapping a JSON or YAML form gives and hands it to
:func:`.parse.parse_form`, so a spreadsheet gets exactly the same checks.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from io import BytesIO
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook as WorkbookType
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from services.submission.forms.layout import Cell, Table, layout
from services.submission.forms.parse import FORMS, AnyForm, parse_form
from services.submission.forms.problems import DEFAULT_TOLERANCE, FormIssue, Tolerance
from services.submission.forms.weights import PLACEHOLDER_WEIGHTS, FormWeights
from shared.contract.commands import Problem
from shared.contract.events_common import Category, Programme

MAIN_SHEET = "申请书"
TITLES = {
    ("NIID", "park"): "国家新型工业化产业示范基地申报书",
    ("EIDB", "park"): "国家新兴产业发展示范基地创建申请书（示范园区）",
    ("EIDB", "enterprise"): "国家新兴产业发展示范基地创建申请书（示范企业）",
}
YEARS = (2023, 2024, 2025)
HEADER = ("指标", "单位", *(f"{year}年" for year in YEARS), "近三年平均值（选填）", "字段代码")
FIRST_ROW = 3
CODE_COLUMN = 7
SEPARATORS = re.compile(r"[;；\n]+")
"""Items of a list cell: one per line, or separated by semicolons (、 and ， occur in items)."""


def write_blank_template(programme: Programme, category: Category) -> bytes:
    """A blank template of the form, as ``.xlsx`` bytes, that :func:`read_form_xlsx` reads back."""
    rows, tables = layout(FORMS[(programme, category)])
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = MAIN_SHEET
    sheet.append([TITLES[(programme, category)], *[""] * 5, f"{programme}/{category}"])
    sheet.append(list(HEADER))
    sheet["A1"].font = Font(bold=True, size=14)
    for cell in rows:
        unit = "每行一项" if cell.kind == "list" else cell.unit
        sheet.append([cell.label, unit, *[None] * 4, cell.path])
        if cell.kind == "section":
            sheet.cell(sheet.max_row, 1).font = Font(bold=True)
        elif cell.kind in ("choice", "bool"):
            _choose(sheet, f"C{sheet.max_row}", cell.choices)
        elif cell.narrative or cell.kind == "list":
            sheet.cell(sheet.max_row, 3).alignment = Alignment(wrap_text=True, vertical="top")
    _dress(sheet)
    for table in tables:
        _table_sheet(book, table)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _choose(sheet: Worksheet, ref: str, choices: tuple[str, ...]) -> None:
    validation = DataValidation(type="list", formula1=f'"{",".join(choices)}"', allow_blank=True)
    sheet.add_data_validation(validation)
    validation.add(ref)


def _dress(sheet: Worksheet) -> None:
    for column, width in zip("ABCDEFG", (44, 12, 14, 14, 14, 18, 30), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.column_dimensions["G"].hidden = True
    sheet.freeze_panes = "C3"


def _table_sheet(book: WorkbookType, table: Table) -> None:
    sheet = book.create_sheet(table.title)
    sheet.append([column.label for column in table.columns])
    sheet.append([column.path for column in table.columns])
    sheet.row_dimensions[2].hidden = True
    for index, column in enumerate(table.columns, start=1):
        sheet.cell(1, index).font = Font(bold=True)
        letter = sheet.cell(1, index).column_letter
        sheet.column_dimensions[letter].width = 24
        if column.kind in ("choice", "bool"):
            _choose(sheet, f"{letter}3:{letter}2000", column.choices)


def read_form_xlsx(
    source: str | Path | bytes,
    programme: Programme,
    category: Category,
    *,
    weights: FormWeights = PLACEHOLDER_WEIGHTS,
    tolerance: Tolerance = DEFAULT_TOLERANCE,
) -> tuple[AnyForm | None, list[FormIssue]]:
    """Read a filled template (a path or the file's bytes) and check it like :func:`parse_form`."""
    data, problems = read_xlsx_data(source, programme, category)
    if data is None:
        return None, list(problems)
    return parse_form(programme, category, data, weights=weights, tolerance=tolerance)


def read_xlsx_data(
    source: str | Path | bytes, programme: Programme, category: Category
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The form's mapping from a filled template, or None and why it cannot be read."""
    try:
        book = load_workbook(
            BytesIO(source) if isinstance(source, bytes) else source, data_only=True
        )
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError) as error:
        return None, [Problem(field="", reason=f"not a readable .xlsx file: {error}")]
    if MAIN_SHEET not in book.sheetnames:
        return None, [Problem(field="", reason=f"no sheet named {MAIN_SHEET}")]
    main = book[MAIN_SHEET]
    stamp = f"{programme}/{category}"
    if main.cell(1, CODE_COLUMN).value != stamp:
        found = main.cell(1, CODE_COLUMN).value
        return None, [Problem(field="", reason=f"this is the template of {found}, not {stamp}")]
    rows, tables = layout(FORMS[(programme, category)])
    data: dict[str, Any] = {}
    _read_main(main, {cell.path: cell for cell in rows}, data)
    for table in tables:
        if table.title in book.sheetnames:
            items = _read_table(book[table.title], table)
            if items:
                _put(data, table.path, items)
    return data, []


def _years(sheet: Worksheet) -> list[str]:
    return [str(sheet.cell(2, column).value or "").removesuffix("年") for column in (3, 4, 5)]


def _read_main(sheet: Worksheet, cells: dict[str, Cell], data: dict[str, Any]) -> None:
    years = _years(sheet)
    for row in sheet.iter_rows(min_row=FIRST_ROW, max_col=CODE_COLUMN, values_only=True):
        cell = cells.get(str(row[CODE_COLUMN - 1] or ""))
        if cell is None or cell.kind == "section":
            continue
        if cell.kind == "series":
            values = [_number(value) for value in row[2:5]]
            average = _number(row[5])
            if any(value is not None for value in [*values, average]):
                series: dict[str, Any] = dict(zip(years, values, strict=True))
                if average is not None:
                    series["average"] = average
                _put(data, cell.path, series)
        elif (value := _value(cell, row[2])) is not None:
            _put(data, cell.path, value)


def _read_table(sheet: Worksheet, table: Table) -> list[dict[str, Any]]:
    codes = [str(value or "") for value in next(sheet.iter_rows(2, 2, values_only=True), ())]
    by_code = {column.path: column for column in table.columns}
    items = []
    for row in sheet.iter_rows(min_row=3, values_only=True):
        item = {
            code: value
            for code, raw in zip(codes, row, strict=False)
            if code in by_code and (value := _value(by_code[code], raw)) is not None
        }
        if item:
            items.append(item)
    return items


def _value(cell: Cell, raw: object) -> Any:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if cell.kind == "number":
        return _number(raw)
    if cell.kind == "bool":
        return {"是": True, "否": False}.get(str(raw).strip(), raw)
    if cell.kind == "date":
        return (
            raw.date() if isinstance(raw, datetime) else raw if isinstance(raw, date) else str(raw)
        )
    if cell.kind == "list":
        return [part.strip() for part in SEPARATORS.split(str(raw)) if part.strip()]
    return str(raw).strip() if cell.kind == "choice" or not cell.narrative else str(raw)


def _number(raw: object) -> Any:
    """Numbers as numbers; numeric text as a number too; anything else left for the model."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, str):
        text = raw.strip().replace(",", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            return raw
        return int(number) if number == number.to_integral_value() and "." not in text else number
    return raw


def _put(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[last] = value
