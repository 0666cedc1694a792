"""The site over plain HTTP after ``make demo`` (no browser needed; it shares the browser tests'
demo): filtered exports, 附件1 with its title and signature line, JSON errors for the API and
pages for the rest, the language cookie, search, publicity in the API and request metrics."""

from __future__ import annotations

import csv
import html
import io
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from tests.site_demo import DemoSite

pytestmark = [pytest.mark.e2e]


def test_the_export_honours_the_filters(demo_site: DemoSite) -> None:
    """/api/export.csv?province=430000 holds Hunan's bases only, as many as the list shows."""
    status, kind, body = demo_site.fetch("/api/export.csv?province=430000")
    assert status == 200 and kind.startswith("text/csv")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    bases = [e for e in demo_site.get("/api/applications?province=430000") if e["kind"] == "base"]
    assert rows[0][3] == "省份" and len(rows) - 1 == len(bases) > 0
    assert {row[3] for row in rows[1:]} == {"湖南省"}
    _, _, everything = demo_site.fetch("/api/export.csv")
    assert len(everything.decode("utf-8-sig").splitlines()) > len(rows)
    status, _, body = demo_site.fetch("/api/export.xlsx?status=revoked")
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    assert status == 200 and [c.value for c in sheet["G"][1:]] == ["revoked"] * 4


def test_annex1_carries_the_notice_title_and_signature_line(demo_site: DemoSite) -> None:
    """R-SUMMARY-TABLE: 附件1 of a province, laid out as the notice prints it."""
    batch = next(b for b in demo_site.get("/api/batches") if b["programme"] == "EIDB")
    rows = demo_site.get(f"/api/batches/{batch['batch_id']}/summary-table?province=350000")
    status, kind, body = demo_site.fetch(
        f"/batches/{batch['batch_id']}/annex1.xlsx?province=350000"
    )
    assert status == 200 and kind.startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "附件1"
    assert values[1][0] == "国家新兴产业发展示范基地创建对象推荐汇总表"
    assert values[2][0] == "推荐单位（盖章）：_____"
    assert values[3] == ["序号", "申报单位名称", "园区/企业名称", "申报类别", "申报创建领域"]
    assert [row[2] for row in values[4:]] == [r["园区/企业名称"] for r in rows] and rows
    page = demo_site.fetch(f"/batches/{batch['batch_id']}")[2].decode()
    assert f"/batches/{batch['batch_id']}/annex1.xlsx?province=350000" in page


def test_the_api_answers_json_errors_and_pages_answer_pages(demo_site: DemoSite) -> None:
    for path in ("/api/applications/NOPE", "/api/batches/NOPE/funnel", "/api/events/999999"):
        status, kind, body = demo_site.fetch(path)
        assert (status, kind) == (404, "application/json") and b'"detail"' in body, path
    for path in ("/entries/NOPE", "/batches/NOPE", "/events/999999", "/publicity/NOPE", "/nope"):
        status, kind, body = demo_site.fetch(path)
        assert status == 404 and kind.startswith("text/html"), path
        assert "出错了（404）" in body.decode(), path
    status, kind, body = demo_site.fetch("/?page=zero")
    assert status == 422 and kind.startswith("text/html") and "请求有误" in body.decode()


def test_english_by_a_switch(demo_site: DemoSite) -> None:
    status, _, body = demo_site.fetch("/entries/NOPE?lang=en")
    assert status == 404 and '<html lang="en">' in body.decode()
    text = html.unescape(body.decode())
    assert "Not found: no application or base with id, name or title 'NOPE'" in text
    page = demo_site.fetch("/?lang=en")[2].decode()
    assert "Register of national demonstration bases" in page and "国家级示范基地名录" not in page


def test_the_search_covers_ids_titles_and_former_names(demo_site: DemoSite) -> None:
    """R-RENAME: one base, found by its new name, its old name and a prefix of its id."""
    new = demo_site.get("/api/applications?q=" + quote("长沙经开区"))
    old = demo_site.get("/api/applications?q=" + quote("长沙经济技术开发区"))
    assert [e["kind"] for e in new] == ["base"]
    assert new[0]["subject_id"] in {e["subject_id"] for e in old}
    by_id = demo_site.get("/api/applications?q=" + new[0]["subject_id"][:20].lower())
    assert new[0]["subject_id"] in {e["subject_id"] for e in by_id}


def test_the_publicity_api_shows_objections_once_decided(demo_site: DemoSite) -> None:
    """R-PUBLICITY: each publicity with its window, answers and decided objections."""
    found = demo_site.get("/api/publicity")
    assert found and all(not p["open"] and p["objections_pending"] == 0 for p in found)
    decided = [o for p in found for o in p["objections"]]
    assert sorted(o["resolution"]["outcome"] for o in decided) == ["dismissed", "upheld"]
    one = demo_site.get(f"/api/publicity/{found[0]['publicity_id']}")
    assert one["closes_at"].endswith("+08:00") and one["last_day"] >= one["first_day"]


def test_http_requests_are_counted_per_route(demo_site: DemoSite) -> None:
    demo_site.fetch("/entries/NOPE")
    demo_site.fetch("/")
    metrics = demo_site.fetch("/metrics")[2].decode()
    assert (
        'registry_http_requests_total{method="GET",route="/entries/{subject_id}",status="404"}'
        in metrics
    )
    assert 'registry_http_request_seconds_count{method="GET",route="/"}' in metrics
