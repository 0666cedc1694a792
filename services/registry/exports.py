"""The registry of bases as a spreadsheet: one row per base, stars by year, status and reason."""

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


def base_rows(entries: list[dict[str, Any]]) -> list[list[str]]:
    """Bases only (applications are in the selection views), in id order."""
    rows = []
    for e in entries:
        if e["kind"] != "base":
            continue
        stars = "; ".join(f"{year}: {n}★" for year, n in sorted(e.get("stars_by_year", {}).items()))
        rows.append(
            [
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
