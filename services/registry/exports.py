"""The registry of bases as a spreadsheet: one row per base, stars by year, status and reason.

Every cell is text a user may have typed (a name, a reason): one that begins like a formula
(``=``, ``+``, ``-``, ``@``, or a tab or carriage return before one) is prefixed with ``'`` so
that Excel and LibreOffice show it instead of computing it (CSV/formula injection)."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook

from shared.contract.provinces import PROVINCES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = (
    "id",
    "称号",
    "名称",
    "省份",
    "计划",
    "领域",
    "状态",
    "梯队",
    "星级",
    "曾用名",
    "撤销依据",
    "撤销原因",
)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(text: str) -> str:
    """``text`` as a spreadsheet shows it and never runs it: a leading formula sign is quoted."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def base_rows(entries: list[dict[str, Any]]) -> list[list[str]]:
    """Bases only (applications are in the selection views), in id order."""
    rows = []
    for e in entries:
        if e["kind"] != "base":
            continue
        stars = "; ".join(f"{year}: {n}★" for year, n in sorted(e.get("stars_by_year", {}).items()))
        rows.append(
            [
                neutralised(cell)
                for cell in (
                    e["subject_id"],
                    e.get("title") or "",
                    e["name"] or "",
                    PROVINCES.get(e["province"], e["province"]),
                    e["programme"] or "",
                    e["domain"] or "",
                    e["status"],
                    e.get("tier") or "",
                    stars,
                    "; ".join(e.get("former_names", [])),
                    e.get("revoked_rule") or "",
                    e.get("revoked_reason") or "",
                )
            ]
        )
    return rows


def to_csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # Excel opens UTF-8 Chinese text correctly only with a BOM
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


def to_xlsx(rows: list[list[str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "示范基地"
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


ANNEX1_TITLES = {
    "EIDB": "国家新兴产业发展示范基地创建对象推荐汇总表",
    "NIID": "国家新型工业化产业示范基地推荐汇总表",
}
"""附件1's title as the notices print it (002 and 003 附件1 for EIDB; NIID's table has the same
columns under its own programme's name)."""
ANNEX1_SIGNATURE = "推荐单位（盖章）：_____"
ANNEX1_COLUMNS = ("序号", "申报单位名称", "园区/企业名称", "申报类别", "申报创建领域")


def annex1_rows(rows: list[dict[str, Any]]) -> list[list[str]]:
    """The province's recommendations (``selection.summary_table``) as 附件1's rows."""
    return [[neutralised(str(row[column])) for column in ANNEX1_COLUMNS] for row in rows]


def annex1_csv(programme: str, rows: list[dict[str, Any]]) -> str:
    """附件1 as CSV: its title, its signature line, the header, the rows (R-SUMMARY-TABLE)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["附件1"])
    writer.writerow([ANNEX1_TITLES.get(programme, "推荐汇总表")])
    writer.writerow([ANNEX1_SIGNATURE])
    writer.writerow(ANNEX1_COLUMNS)
    writer.writerows(annex1_rows(rows))
    return out.getvalue()


def annex1_xlsx(programme: str, rows: list[dict[str, Any]]) -> bytes:
    """附件1 as a workbook laid out like the notice's table: title, signature line, header."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "附件1"
    sheet.append(["附件1"])
    sheet.append([ANNEX1_TITLES.get(programme, "推荐汇总表")])
    sheet.append([ANNEX1_SIGNATURE])
    sheet.append(list(ANNEX1_COLUMNS))
    for row in annex1_rows(rows):
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
