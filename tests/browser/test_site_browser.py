"""The registry's site in a real browser after ``make demo`` (issue 11, items 1-6): the list with
its filters, sorting and paging, a search by a former name, a base's timeline, the charts, the
publicity page, the error pages and the offline API docs; each checked for what it shows.

Screenshots of home, a timeline, a year's chart, a publicity page and an error page are left in
``$SCREENSHOTS`` when it is set."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote, urlparse

import pytest

from demobase.demo import life
from tests.site_demo import DemoSite, screenshot_dir

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.e2e]

RENAMED_NEW = "长沙经开区"
RENAMED_OLD = "长沙经济技术开发区"


def shoot(page: Page, name: str) -> None:
    folder = screenshot_dir()
    if folder is not None:
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def rows(page: Page) -> list[list[str]]:
    return [
        [cell.strip() for cell in row.locator("td").all_inner_texts()]
        for row in page.locator("table.entries tbody tr").all()
    ]


def test_the_register_in_chinese_filters_sorts_and_pages(page: Page, demo_site: DemoSite) -> None:
    """The list: Chinese by default, statuses in words, a province filter, sorting, paging."""
    total = len(demo_site.get("/api/applications"))
    page.goto(demo_site.url + "/")
    shoot(page, "home")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "国家级示范基地名录"
    assert page.locator("p.count").inner_text() == f"共 {total} 条，第 1–20 条"
    assert len(rows(page)) == 20
    assert "示范基地" in page.locator("table.entries").inner_text()  # titled, in words
    assert "titled" not in page.locator("table.entries").inner_text()

    page.select_option("select[name=province]", "430000")
    page.click("form.filters button")
    page.wait_for_url(re.compile(r"province=430000"))
    hunan = demo_site.get("/api/applications?province=430000")
    shown = rows(page)
    assert page.locator("p.count").inner_text().startswith(f"共 {len(hunan)} 条")
    assert shown and all(row[2] == "湖南省" for row in shown)

    page.goto(demo_site.url + "/?per=10")
    first_page = [row[0] for row in rows(page)]
    page.click("a[rel=next]")
    page.wait_for_url(re.compile(r"page=2"))
    assert page.locator("p.count").inner_text() == f"共 {total} 条，第 11–20 条"
    assert page.locator(".pager span").inner_text() == f"第 2 / {-(-total // 10)} 页"
    assert not set(first_page) & {row[0] for row in rows(page)}

    page.click("th a:has-text('名称')")  # sort by name
    page.wait_for_url(re.compile(r"sort=name"))
    names = [row[1] for row in rows(page)]
    assert names == sorted(names)
    assert page.locator("th[aria-sort=ascending]").inner_text().startswith("名称")


def test_disqualified_lists_what_the_funnel_counts(page: Page, demo_site: DemoSite) -> None:
    """R-FRAUD: ``?status=disqualified`` shows the applications the funnel counts as such."""
    counted = sum(
        demo_site.get(f"/api/batches/{quote(b['batch_id'])}/funnel")["disqualified"]
        for b in demo_site.get("/api/batches")
    )
    page.goto(demo_site.url + "/?status=disqualified")
    shown = rows(page)
    assert counted >= 1 and len(shown) == counted
    assert all(row[5] == "取消申报资格" for row in shown)


def test_a_renamed_base_is_found_by_its_new_and_its_former_name(
    page: Page, demo_site: DemoSite
) -> None:
    """R-RENAME: the search covers current names, titles and former names."""
    for name in (RENAMED_NEW, RENAMED_OLD):
        page.goto(demo_site.url + "/")
        page.fill("input[name=q]", name)
        page.press("input[name=q]", "Enter")
        page.wait_for_url(re.compile(r"q="))
        table = page.locator("table.entries").inner_text()
        assert f"国家新型工业化产业示范基地（装备制造(工程机械)·{RENAMED_NEW}）" in table, name
        assert "曾用名" in table


def test_a_timeline_tells_each_event_in_a_sentence_with_its_evidence(
    page: Page, demo_site: DemoSite
) -> None:
    """A base's timeline: sentences in Beijing time, evidence, payload behind a disclosure,
    a link to the event, and the same page in English by the switch."""
    (found,) = demo_site.get("/api/applications?q=" + quote(RENAMED_NEW))
    base = demo_site.get(f"/api/applications/{found['subject_id']}")
    page.goto(demo_site.url + f"/entries/{base['subject_id']}")
    shoot(page, "timeline")
    sentences = page.locator("ol.timeline .sentence").all_inner_texts()
    rated = next(line for line in base["timeline"] if line["event_type"] == "StarRated")
    year, stars = rated["payload"]["evaluation_year"], rated["payload"]["stars"]
    assert any(
        re.fullmatch(rf"\d{{4}}-\d\d-\d\d 工业和信息化部评定 {year} 年度 {stars} 星.*", s)
        for s in sentences
    ), sentences
    assert any("同意更名为" in s for s in sentences)
    item = page.locator(f"#e{rated['sequence']}")
    evidence = item.locator(".evidence").inner_text()
    for label in ("主体", "业务时间", "记录时间", "流序号", "事件编号", "起因", "存在性证明"):
        assert label in evidence
    assert rated["event_id"] in evidence and f"#{rated['sequence']}" in evidence
    payload = item.locator("details pre")
    assert not payload.is_visible()
    item.locator("details summary").click()
    assert payload.is_visible() and '"evaluation_year"' in payload.inner_text()
    assert item.locator(f'a[href="/audit?event={rated["event_id"]}"]').count() == 1
    # Nothing runs off the right edge: the page is no wider than the window.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280

    item.locator(f'a[href="/events/{rated["sequence"]}"]').first.click()
    assert page.locator("h1").inner_text() == f"事件 #{rated['sequence']}"
    page.click("a.lang")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == f"Event #{rated['sequence']}"
    assert f"rated it {stars}★ for {year}" in page.locator(".sentence").inner_text()
    page.goto(demo_site.url + "/")  # the choice is kept in a cookie
    assert page.locator("h1").inner_text() == "Register of national demonstration bases"


def test_stars_by_province_are_a_heat_grid_beside_its_table(
    page: Page, demo_site: DemoSite
) -> None:
    """A year's chart: an SVG drawn on the server, with the figures' table beside it."""
    year = life.YEARS[1]
    by_province = demo_site.get(f"/api/years/{year}/stars?by=province")
    page.goto(demo_site.url + f"/years/{year}")
    shoot(page, "year")
    figure = page.locator("figure.chart").first
    svg = figure.locator("svg.heat")
    assert svg.get_attribute("role") == "img" and "各省份星级分布" in (
        svg.get_attribute("aria-label") or ""
    )
    assert svg.locator("rect").count() == 5 * len(by_province)
    table = figure.locator("table").inner_text()
    hunan = by_province["430000"]
    assert "湖南省" in table
    cells = figure.locator("table tr:has(th:text-is('湖南省')) td").all_inner_texts()
    assert cells == [str(hunan.get(str(n), 0)) for n in range(5, 0, -1)]
    assert page.locator("svg.heat").nth(1).is_visible()  # by domain too

    page.goto(demo_site.url + "/stars")
    assert page.locator("svg.heat text", has_text=str(year)).count() == 1

    batch = demo_site.get("/api/batches")[0]["batch_id"]
    funnel = demo_site.get(f"/api/batches/{quote(batch)}/funnel")
    page.goto(demo_site.url + f"/batches/{batch}")
    bars = page.locator("svg.bars rect")
    assert bars.count() == len(funnel)
    assert (page.locator("svg.bars title").first.text_content() or "").startswith("各环节申报数")
    assert "附件1" in page.locator("body").inner_text()


def test_the_publicity_page_shows_the_window_the_list_and_the_decided_objections(
    page: Page, demo_site: DemoSite
) -> None:
    """R-PUBLICITY: the list, five working days in Beijing time, the consulted ministries, how to
    object, and each objection with its resolution once decided."""
    publicity = next(p for p in demo_site.get("/api/publicity") if p["objections"])
    page.goto(demo_site.url + "/publicity")
    page.click(f"a[href='/publicity/{publicity['publicity_id']}']")
    shoot(page, "publicity")
    window = page.locator(".window").inner_text()
    assert f"公示期：{publicity['first_day']}" in window and f"至 {publicity['last_day']}" in window
    assert "共 5 个工作日" in window and "（北京时间）" in window
    body = page.locator("main").inner_text()
    for entry in publicity["entries"]:
        assert entry["proposed_title"] in body
    for ministry in ("财政部", "生态环境部", "商务部"):
        assert ministry in body
    assert "如何提出异议" in body and "24:00（北京时间）前" in body
    outcomes = page.locator("table.objections").inner_text()
    assert "异议成立" in outcomes and "异议不成立" in outcomes
    for objection in publicity["objections"]:
        assert objection["resolution"]["reasoning"] in outcomes


def test_errors_are_pages_and_the_api_keeps_json(page: Page, demo_site: DemoSite) -> None:
    """/entries/NOPE and /batches/NOPE are 404 pages in words; the API still answers JSON."""
    answer = page.goto(demo_site.url + "/entries/NOPE")
    assert answer is not None and answer.status == 404
    shoot(page, "error")
    assert page.locator("h1").inner_text() == "出错了（404）"
    assert "NOPE" in page.locator(".error").inner_text()
    assert page.locator("input[name=q]").count() == 1  # somewhere to go instead
    answer = page.goto(demo_site.url + "/batches/NOPE")
    assert answer is not None and answer.status == 404
    assert "没有编号为“NOPE”的批次" in page.locator(".error").inner_text()
    answer = page.goto(demo_site.url + "/api/batches/NOPE/funnel")
    assert answer is not None and answer.status == 404
    assert answer.headers["content-type"] == "application/json"


def test_the_api_docs_load_with_no_request_leaving_the_machine(
    page: Page, demo_site: DemoSite
) -> None:
    """/docs: Swagger UI from the installed package, not a CDN."""
    host = urlparse(demo_site.url).netloc
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(demo_site.url + "/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "demobase registry" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock").count() > 10
    assert asked and all(urlparse(url).netloc == host for url in asked if url.startswith("http"))
