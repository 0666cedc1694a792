"""The spreadsheet provinces circulate: a blank template, filled by hand, read back."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from services.submission.forms import FORMS, parse_form, read_form_xlsx, write_blank_template
from services.submission.forms.layout import layout
from shared.contract.events_common import Category, Programme

pytestmark = pytest.mark.unit
EXAMPLES = Path(__file__).parents[2] / "examples" / "forms"
CASES = [
    ("niid-park-changsha.yaml", "NIID", "park"),
    ("eidb-park-xiamen-storage.json", "EIDB", "park"),
    ("eidb-enterprise-fuzhou.json", "EIDB", "enterprise"),
]


def example(name: str) -> dict[str, Any]:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    data = json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted paths to values; series and lists of things stay whole."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        is_series = isinstance(value, dict) and any(str(k)[:1].isdigit() for k in value)
        if isinstance(value, dict) and not is_series:
            flat.update(flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def fill(template: bytes, data: dict[str, Any], tables: dict[str, str]) -> bytes:
    """What a province's clerk does: type each figure into the row whose code names it, and
    each listed thing into a row of its sheet (``tables``: path → sheet title)."""
    book = load_workbook(BytesIO(template))
    main = book["申请书"]
    rows = {str(row[6].value): row for row in main.iter_rows(min_row=3) if row[6].value}
    for path, value in flatten(data).items():
        if value is None or value == []:
            continue
        if path in rows:
            _fill_row(rows[path], value)
        else:
            _fill_table(book[tables[path]], value)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _fill_row(row: Any, value: Any) -> None:
    if isinstance(value, dict):
        for offset, year in enumerate(sorted(k for k in value if str(k)[:1].isdigit())):
            row[2 + offset].value = value[year]
        if "average" in value:
            row[5].value = value["average"]
    elif isinstance(value, list):
        row[2].value = "\n".join(value)
    elif isinstance(value, bool):
        row[2].value = "是" if value else "否"
    else:
        row[2].value = value


def _fill_table(sheet: Worksheet, items: list[dict[str, Any]]) -> None:
    codes = [cell.value for cell in sheet[2]]
    for item in items:
        values = [item.get(str(code)) for code in codes]
        sheet.append(["；".join(v) if isinstance(v, list) else v for v in values])


def filled(programme: Programme, category: Category, data: dict[str, Any]) -> bytes:
    tables = {table.path: table.title for table in layout(FORMS[(programme, category)])[1]}
    return fill(write_blank_template(programme, category), data, tables)


@pytest.mark.parametrize(("name", "programme", "category"), CASES)
def test_a_filled_template_reads_back_as_the_same_form(
    name: str, programme: Programme, category: Category
) -> None:
    """Write the blank template, fill it with openpyxl, read it: the same form as the JSON/YAML."""
    data = example(name)
    expected, expected_issues = parse_form(programme, category, data)
    assert expected is not None and expected_issues == []
    form, issues = read_form_xlsx(filled(programme, category, data), programme, category)
    assert issues == []
    assert form == expected


def test_the_template_is_labelled_in_chinese_with_units_and_years() -> None:
    book = load_workbook(BytesIO(write_blank_template("EIDB", "park")))
    main = book["申请书"]
    assert main["A1"].value == "国家新兴产业发展示范基地创建申请书（示范园区）"
    assert [c.value for c in main[2]][:6] == [
        "指标", "单位", "2023年", "2024年", "2025年", "近三年平均值（选填）"
    ]  # fmt: skip
    labels = {row[6].value: (row[0].value, row[1].value) for row in main.iter_rows(min_row=3)}
    assert labels["revenue"] == ("总营业收入", "亿元")
    assert labels["output_per_land"] == ("近三年单位土地平均产出", "万元/公顷")
    assert "高水平人才清单" in book.sheetnames and "智能工厂清单" in book.sheetnames


def test_a_series_with_a_year_left_empty_is_reported_with_its_path(tmp_path: Path) -> None:
    data = example("eidb-enterprise-fuzhou.json")
    data["taxes"] = {"2023": 0.92, "2024": None, "2025": 1.52}
    path = tmp_path / "filled.xlsx"
    path.write_bytes(filled("EIDB", "enterprise", data))
    form, issues = read_form_xlsx(path, "EIDB", "enterprise")
    assert form is None
    assert [issue.field for issue in issues] == ["taxes.values.1"]


def test_r_materials_a_long_narrative_in_a_spreadsheet_is_refused_like_anywhere_else() -> None:
    """R-MATERIALS: the spreadsheet goes through the same checks as JSON and YAML."""
    data = example("eidb-park-xiamen-storage.json")
    data["narratives"]["public_services"] = "服" * 2001
    _, issues = read_form_xlsx(filled("EIDB", "park", data), "EIDB", "park")
    assert [(i.rule_id, i.field) for i in issues] == [("R-MATERIALS", "narratives.public_services")]


def test_the_template_of_another_form_is_refused() -> None:
    form, [problem] = read_form_xlsx(write_blank_template("EIDB", "park"), "EIDB", "enterprise")
    assert form is None and "EIDB/park" in problem.reason


def test_bytes_that_are_not_a_spreadsheet_are_refused() -> None:
    form, [problem] = read_form_xlsx(b"not a zip", "NIID", "park")
    assert form is None and "xlsx" in problem.reason
