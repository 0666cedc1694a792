"""The site's pure pieces: exports safe from formulas, Beijing time, a sentence per event type in
both languages, and charts that are SVG with their labels escaped (issue 11)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from services.registry import exports
from services.registry.site import charts
from services.registry.site.beijing import beijing_date, beijing_time, day_with_weekday
from services.registry.site.sentences import PHRASES, dated, sentence
from services.registry.site.words import STATUS, TEXTS, Words
from shared.contract.events import EVENT_TYPES

pytestmark = [pytest.mark.unit]


def base(name: str, **more: Any) -> dict[str, Any]:
    return {"subject_id": "BASE-1", "kind": "base", "name": name, "province": "430000",
            "programme": "NIID", "domain": "装备", "status": "titled", **more}  # fmt: skip


@pytest.mark.parametrize("typed", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)",
                                   "\t=1", "\r=1"])  # fmt: skip
def test_a_cell_that_starts_like_a_formula_is_quoted_in_csv_and_xlsx(typed: str) -> None:
    rows = exports.base_rows([base(typed, title=typed, revoked_reason=typed)])
    assert rows[0][1] == rows[0][2] == rows[0][11] == "'" + typed
    read = list(csv.reader(io.StringIO(exports.to_csv(rows).lstrip("\ufeff"), newline="")))
    assert read[1][2] == "'" + typed
    sheet = load_workbook(io.BytesIO(exports.to_xlsx(rows))).active
    assert sheet is not None
    assert str(sheet["C2"].value).startswith("'") and sheet["C2"].data_type == "s"


def test_an_ordinary_name_is_left_as_it_is() -> None:
    assert exports.neutralised("长沙经开区") == "长沙经开区"
    assert exports.base_rows([base("a-b=c")])[0][2] == "a-b=c"


def test_times_are_shown_in_beijing_time() -> None:
    assert beijing_time("2028-04-20T01:00:00+00:00") == "2028-04-20 09:00"
    assert beijing_time("2028-04-19T17:30:00") == "2028-04-20 01:30"  # UTC without an offset
    assert beijing_date("2028-04-19T16:00:00+00:00") == "2028-04-20"
    assert day_with_weekday("2026-06-15", "zh") == "2026-06-15（星期一）"
    assert day_with_weekday("2026-06-15", "en") == "2026-06-15 (Mon)"


def test_every_text_and_status_has_both_languages() -> None:
    assert all(len(pair) == 2 and all(pair) for pair in (*TEXTS.values(), *STATUS.values()))
    zh, en = Words("zh"), Words("en")
    assert zh.status("titled") == "示范基地" and en.status("titled") == "titled"
    assert zh.actor("province:430000") == "湖南省工业和信息化主管部门"
    assert zh.actor("ministry") == "工业和信息化部" and en.actor("city:厦门市").startswith("厦门市")


def test_every_event_type_of_the_contract_has_a_sentence() -> None:
    types = {event_type for event_type, _ in EVENT_TYPES}
    assert types <= set(PHRASES), types - set(PHRASES)


def test_the_star_rating_reads_as_the_ministry_writes_it() -> None:
    """R-STARS: "2028-04-20 工业和信息化部评定 2027 年度 3 星"."""
    line = {"event_type": "StarRated", "actor": "ministry", "occurred_at": "2028-04-20T01:00:00Z",
            "payload": {"evaluation_year": 2027, "stars": 3}}  # fmt: skip
    assert dated(line, Words("zh")) == "2028-04-20 工业和信息化部评定 2027 年度 3 星"
    assert sentence(line, Words("en")) == "the Ministry (MIIT) rated it 3★ for 2027"


def test_a_tier_change_written_in_english_on_the_log_reads_in_chinese() -> None:
    """R-TIERS: the evaluation service's reason is English on the log; the page says it in
    Chinese, and in English by the switch."""
    reason = "title awarded: a titled base enters the national tier"
    line = {"event_type": "TierChanged", "actor": "system:evaluation",
            "payload": {"to_tier": "国家级示范基地", "reason": reason}}  # fmt: skip
    chinese = "梯队调整为国家级示范基地：授予称号，示范基地进入国家级梯队"
    assert sentence(line, Words("zh")) == chinese
    assert reason in sentence(line, Words("en"))


def test_a_fraud_refusal_reads_as_a_disqualification() -> None:
    """R-FRAUD."""
    line = {"event_type": "ApplicationRejected", "actor": "city:厦门市",
            "payload": {"stage": "city", "reasons": [{"rule_id": "R-FRAUD"}]}}  # fmt: skip
    assert "取消申报资格（R-FRAUD）" in sentence(line, Words("zh"))


def test_charts_are_svg_with_escaped_labels() -> None:
    grid = charts.heat_grid("<b>", ["湖南省", "<x>"], ["5★", "4★"], {(0, 0): (3.0, "3")}, 3.0)
    assert grid.startswith("<svg") and grid.endswith("</svg>")
    assert "<x>" not in grid and "&lt;x&gt;" in grid and grid.count("<rect") == 4
    bars = charts.bars("funnel", [("申报", 8), ("授予称号", 0)])
    assert bars.count("<rect") == 2 and ">8</text>" in bars
    years = charts.stars_over_years("stars", [(2027, 5), (2028, 4)])
    assert "★★★★★" in years and ">2028</text>" in years
    assert "<table>" in charts.figure("c", grid, "<table></table>")


def test_an_open_publicity_counts_an_undecided_objection_without_its_grounds() -> None:
    """R-PUBLICITY: while the window is open the page says so, lists the working days, and an
    objection under examination is counted only; its grounds appear once it is decided."""
    from datetime import date

    from services.registry.entrypoints import pages
    from services.registry.site.publicity import Objection, Publicity
    from shared.calendar import default_calendar

    listed = [{"application_id": "A-1", "name": "某园区", "proposed_title": "称号"}]
    opened = {"sequence": 7, "event_type": "PublicityOpened", "payload": {
        "publicity_id": "PUB-1", "batch_id": "NIID-11", "programme": "NIID",
        "published_on": "2026-09-28", "first_day": "2026-09-28", "last_day": "2026-10-09",
        "consulted": ["财政部", "生态环境部", "商务部"], "entries": listed}}  # fmt: skip
    filed = {"payload": {"application_id": "A-1", "source": "public", "grounds": "秘密理由"}}
    publicity = Publicity(opened, objections={"O-1": Objection(filed)})
    days = publicity.working_days(default_calendar())
    assert days[0] == date(2026, 9, 28) and days[-1] == date(2026, 10, 9) and len(days) == 5
    page = pages.publicity(pages.Frame(Words("zh")), publicity, days)
    assert "公示中" in page and "1 件异议正在核实" in page and "秘密理由" not in page
    assert "2026-10-10 00:00（北京时间）结束" in page and "尚未反馈" in page
