"""The registry's HTTP API (OpenAPI at ``/docs``, served offline) and its public site.

``/api/…`` answers JSON, errors included; every other path is a page in Chinese (English by
``?lang=en``, kept in a cookie), errors included. Each request is counted and timed per route.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib.resources import files
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.registry import audit, exports, quarantine, selection, titles
from services.registry.adapters.db import Database
from services.registry.entrypoints import pages
from services.registry.queries import (
    Time,
    applied,
    as_of,
    digest,
    domains,
    event_line,
    find_entry,
    list_entries,
    moment_of,
    sequences_of,
    trace,
)
from services.registry.site import publicity as publicity_view
from services.registry.site.words import LANGS, Lang, Words
from shared.calendar import default_calendar
from shared.contract.provinces import PROVINCES
from shared.contract.subjects import EVENTS_STREAM

AS_OF_PAGE, AS_OF_MAX = 1000, 10_000
"""Entries in one answer of /api/as-of by default, and at most: its cost follows the page."""
PAGE_ROWS = 500
"""Entries in one page of /as-of."""
LIST_ROWS, LIST_MAX = 20, 200
"""Rows of the register's page by default, and at most."""
SWAGGER = "/static/swagger"
"""Where Swagger UI's files are served from, out of the installed ``fastapi-offline`` (its static
files only; Swagger UI 5, which reads OpenAPI 3.1): /docs works offline, where FastAPI's default
loads them from a CDN."""
SWAGGER_FILES = str(files("fastapi_offline") / "static")
JSON_PATHS = ("/api/", "/openapi.json", "/healthz", "/metrics", "/static/")
"""Paths that answer JSON (or files), errors included; every other path is a page."""

HTTP_REQUESTS = Counter(
    "registry_http_requests_total",
    "HTTP requests the registry answered, by method, route template and status",
    ["method", "route", "status"],
)
HTTP_SECONDS = Histogram(
    "registry_http_request_seconds",
    "Time to answer an HTTP request, by method and route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


@dataclass(frozen=True)
class Page:
    """Which part of an as-of list: stars of a year, and ``limit`` entries after ``after``."""

    stars: int | None = None
    year: int | None = None
    limit: int | None = None
    after: str | None = None
    through: int | None = None
    """Only the versions of the events up to this sequence (those the answer's first page read)."""


def language(request: Request) -> Lang:
    """The page's language: ``?lang=`` if given, else the cookie it set, else Chinese."""
    for given in (request.query_params.get("lang"), request.cookies.get("lang")):
        if given in LANGS:
            return given  # type: ignore[return-value]
    return "zh"


def wants_json(request: Request) -> bool:
    return request.url.path.startswith(JSON_PATHS)


def _route(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path", "unmatched"))


def create_app(db: Database, signer: audit.Signer | None = None) -> FastAPI:
    """The registry's web application over its store (read only)."""
    api = FastAPI(
        title="demobase registry",
        version="1",
        description="Applications and bases of the MIIT demonstration-base programmes, "
        "projected from the event log; every change with the event that caused it.",
        docs_url=None,
        redoc_url=None,
    )
    api.mount(SWAGGER, StaticFiles(directory=SWAGGER_FILES), name="swagger")
    calendar = default_calendar()

    def frame(request: Request) -> pages.Frame:
        lang = language(request)
        other = "en" if lang == "zh" else "zh"
        query = dict(request.query_params)
        query["lang"] = other
        return pages.Frame(
            Words(lang), f"{request.url.path}?{urlencode(query)}", quarantine.count(db)
        )

    @api.middleware("http")
    async def measured(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        """Count and time every request by its route template (not its path: ids would make
        a series per entry), and keep a language chosen by ``?lang=``."""
        started = time.perf_counter()
        response = await call_next(request)
        route = _route(request)
        HTTP_SECONDS.labels(request.method, route).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        chosen = request.query_params.get("lang")
        if chosen in LANGS and not wants_json(request):
            response.set_cookie("lang", chosen, max_age=365 * 86400, samesite="lax")
        return response

    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        """JSON for the API, a page in the reader's language for everything else."""
        if wants_json(request):
            return await http_exception_handler(request, error)
        shown = frame(request)
        detail = str(error.detail)
        if error.status_code == 404 and detail == "Not Found":  # no route: say which path
            detail = shown.words("missing.page", id=request.url.path)
        return HTMLResponse(
            pages.error(shown, error.status_code, detail), status_code=error.status_code
        )

    @api.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        if wants_json(request):
            return await request_validation_exception_handler(request, error)
        detail = "; ".join(
            f"{'.'.join(str(part) for part in e['loc'][1:])}: {e['msg']}" for e in error.errors()
        )
        return HTMLResponse(pages.error(frame(request), 422, detail), status_code=422)

    @api.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="demobase registry — API",
            swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER}/favicon.png",
        )

    @api.get("/api/applications", summary="Applications and bases, with filters and search")
    def applications(
        programme: str | None = None,
        province: str | None = None,
        status: str | None = None,
        domain: str | None = None,
        batch_id: str | None = None,
        stars: int | None = Query(default=None, ge=1, le=5, description="rated this many stars"),
        year: int | None = Query(default=None, description="of stars; the latest by default"),
        q: str | None = Query(
            default=None, max_length=100, description="in ids, names, titles and former names"
        ),
    ) -> list[dict[str, Any]]:
        return list_entries(
            db,
            programme=programme,
            province=province,
            status=status,
            domain=domain,
            batch_id=batch_id,
            stars=stars,
            year=year,
            q=q,
        )

    @api.get("/api/applications/{subject_id}", summary="One application or base with its timeline")
    def application(subject_id: str) -> dict[str, Any]:
        entry = find_entry(db, subject_id)
        if entry is None:
            raise HTTPException(404, f"no application or base with id {subject_id!r}")
        return entry

    def registry_then(
        moment: str, by: Time, filters: dict[str, str | None], page: Page
    ) -> dict[str, Any]:
        try:
            at = moment_of(moment)
        except ValueError as error:
            raise HTTPException(422, str(error)) from None
        return as_of(db, at, by=by, stars=page.stars, year=page.year, limit=page.limit,
                     after=page.after, through=page.through, **filters)  # fmt: skip

    @api.get(
        "/api/as-of/{moment}",
        summary="The registry as it stood at a moment, by business or recording time",
        description="Every entry in its latest version at or before the moment (YYYY-MM-DD or "
        "an ISO time; UTC without an offset), from the registry's history: by business time "
        "(`by=effective`, when each fact took effect) or by recording time (`by=recorded`). Each "
        "entry gives the sequence of its version, its `effective_at` and its `recorded_at`. "
        "`limit` entries by id after `after`; `next` is the `after` of the following page "
        "(null after the last). `through` is the last sequence whose versions the answer read "
        "(all applied, unless asked for): give it back with `after` and every page of one answer "
        "reads the same state, whatever the registry applies meanwhile.",
    )
    def registry_as_of(
        moment: str,
        by: Time = "effective",
        programme: str | None = None,
        province: str | None = None,
        status: str | None = None,
        domain: str | None = None,
        kind: str | None = None,
        batch_id: str | None = None,
        stars: int | None = Query(default=None, ge=1, le=5, description="rated this many stars"),
        year: int | None = Query(default=None, description="of stars; the latest by default"),
        limit: int = Query(default=AS_OF_PAGE, ge=1, le=AS_OF_MAX, description="entries"),
        after: str | None = Query(default=None, description="the id the page starts after"),
        through: int | None = Query(
            default=None, ge=0, description="only the versions of events up to this sequence"
        ),
    ) -> JSONResponse:
        filters = {"programme": programme, "province": province, "status": status,
                   "domain": domain, "kind": kind, "batch_id": batch_id}  # fmt: skip
        answer = registry_then(moment, by, filters, Page(stars, year, limit, after, through))
        return JSONResponse(answer)  # as it is: plain JSON values, no model to validate

    @api.get("/as-of", response_class=HTMLResponse, include_in_schema=False)
    def as_of_form(
        request: Request, at: str = "", by: Time = "effective", after: str | None = None,
        through: int | None = Query(default=None, ge=0),
    ) -> str:  # fmt: skip
        if not at:
            return pages.as_of_start(frame(request))
        return as_of_page(request, at, by, after, through)

    @api.get("/as-of/{moment}", response_class=HTMLResponse, include_in_schema=False)
    def as_of_page(
        request: Request, moment: str, by: Time = "effective", after: str | None = None,
        through: int | None = Query(default=None, ge=0),
    ) -> str:  # fmt: skip
        answer = registry_then(moment, by, {}, Page(limit=PAGE_ROWS, after=after, through=through))
        return pages.as_of(frame(request), answer)

    @api.get("/api/digest", summary="Events applied, head of the hash chain, digest of every table")
    def registry_digest() -> dict[str, Any]:
        sequence, chain = applied(db, EVENTS_STREAM)
        return {"events": sequence, "chain": chain, "digest": digest(db)}

    @api.get("/api/quarantine", summary="Events of the log the registry could not apply")
    def quarantined() -> list[dict[str, Any]]:
        return quarantine.quarantined(db)

    @api.get("/quarantine", response_class=HTMLResponse, include_in_schema=False)
    def quarantine_page(request: Request) -> str:
        return pages.quarantine(frame(request), quarantine.quarantined(db))

    @api.get("/api/batches", summary="Batches as opened and forwarded")
    def list_batches() -> list[dict[str, Any]]:
        return selection.batches(db)

    def known_batch(batch_id: str) -> dict[str, Any] | None:
        return next((b for b in selection.batches(db) if b["batch_id"] == batch_id), None)

    def batch_or_404(batch_id: str, message: str | None = None) -> dict[str, Any]:
        found = known_batch(batch_id)
        if found is None:
            raise HTTPException(404, message or f"no batch {batch_id!r}")
        return found

    @api.get("/api/batches/{batch_id}/funnel", summary="Applications reaching each stage")
    def batch_funnel(batch_id: str) -> dict[str, int]:
        batch_or_404(batch_id)
        return selection.funnel(db, batch_id)

    @api.get("/api/batches/{batch_id}/quotas", summary="Put forward against quota (R-QUOTAS)")
    def batch_quotas(batch_id: str) -> list[dict[str, Any]]:
        batch_or_404(batch_id)
        return selection.quota_report(db, batch_id)

    @api.get("/api/batches/{batch_id}/summary-table", summary="附件1 of a province")
    def batch_summary_table(batch_id: str, province: str) -> list[dict[str, Any]]:
        return selection.summary_table(db, batch_id, province)

    @api.get("/batches/{batch_id}", response_class=HTMLResponse, include_in_schema=False)
    def batch_page(request: Request, batch_id: str) -> str:
        shown = frame(request)
        found = batch_or_404(batch_id, shown.words("missing.batch", id=batch_id))
        applications = list_entries(db, batch_id=batch_id, kind="application")
        provinces = sorted({a["province"] for a in applications})
        recommending = [p for p in provinces if selection.summary_table(db, batch_id, p)]
        return pages.batch(
            shown,
            batch_id,
            found,
            found.get("forwarded", {}),
            selection.funnel(db, batch_id),
            selection.quota_report(db, batch_id),
            applications,
            recommending,
        )

    @api.get("/batches/{batch_id}/annex1.{fmt}", include_in_schema=False)
    def annex1(request: Request, batch_id: str, fmt: str, province: str) -> Response:
        """附件1 of a province as the notice prints it: title, signature line, the rows."""
        shown = frame(request)
        found = batch_or_404(batch_id, shown.words("missing.batch", id=batch_id))
        if province not in PROVINCES or fmt not in ("csv", "xlsx"):
            raise HTTPException(404, shown.words("missing.page", id=request.url.path))
        rows = selection.summary_table(db, batch_id, province)
        programme = str(found.get("programme", ""))
        name = f"annex1-{batch_id}-{province}.{fmt}"
        body: str | bytes
        if fmt == "csv":
            body, media = exports.annex1_csv(programme, rows), "text/csv; charset=utf-8"
        else:
            body, media = exports.annex1_xlsx(programme, rows), exports.XLSX
        disposition = {"Content-Disposition": f"attachment; filename={name}"}
        return Response(body, media_type=media, headers=disposition)

    @api.get("/api/years/{year}/stars", summary="Stars of a year by province or by domain")
    def year_stars(
        year: int, by: str = Query(default="province", pattern="^(province|domain)$")
    ) -> dict[str, dict[str, int]]:
        return titles.star_distribution(db, year, by)

    @api.get(
        "/api/years/{year}/five-star", summary="The five-star list of a year (R-FIVE-STAR-LIST)"
    )
    def year_five_star(year: int) -> list[dict[str, Any]]:
        return titles.five_star_list(db, year)

    @api.get("/api/revocations", summary="Revoked titles with their rule and causing events")
    def list_revocations() -> list[dict[str, Any]]:
        return titles.revocations(db)

    @api.get("/api/events/{sequence}", summary="One event of the log, by its stream sequence")
    def event_at(sequence: int) -> dict[str, Any]:
        line = event_line(db, sequence)
        if line is None:
            raise HTTPException(404, f"no event at sequence {sequence}")
        return line

    @api.get("/api/publicity", summary="Every publicity (R-PUBLICITY) as the log tells it")
    def list_publicity() -> list[dict[str, Any]]:
        return [_publicity_json(p) for p in publicity_view.publicities(db)]

    @api.get("/api/publicity/{publicity_id}", summary="One publicity, objections once decided")
    def one_publicity(publicity_id: str) -> dict[str, Any]:
        found = publicity_view.publicity(db, publicity_id)
        if found is None:
            raise HTTPException(404, f"no publicity {publicity_id!r}")
        return _publicity_json(found)

    @api.get("/publicity", response_class=HTMLResponse, include_in_schema=False)
    def publicity_list_page(request: Request) -> str:
        return pages.publicities(frame(request), publicity_view.publicities(db))

    @api.get("/publicity/{publicity_id}", response_class=HTMLResponse, include_in_schema=False)
    def publicity_page(request: Request, publicity_id: str) -> str:
        shown = frame(request)
        found = publicity_view.publicity(db, publicity_id)
        if found is None:
            raise HTTPException(404, shown.words("missing.publicity", id=publicity_id))
        return pages.publicity(shown, found, found.working_days(calendar))

    @api.get("/api/export.{fmt}", summary="The registry of bases as CSV or xlsx, filtered")
    def export(
        fmt: str,
        programme: str | None = None,
        province: str | None = None,
        status: str | None = None,
        domain: str | None = None,
        stars: int | None = Query(default=None, ge=1, le=5),
        year: int | None = None,
        q: str | None = Query(default=None, max_length=100),
    ) -> Response:
        """The bases the list shows for the same filters; every cell safe from formulas."""
        if fmt not in ("csv", "xlsx"):
            raise HTTPException(404, f"export as csv or xlsx, not {fmt!r}")
        entries = list_entries(db, programme=programme, province=province, status=status,
                               domain=domain, stars=stars, year=year, q=q)  # fmt: skip
        rows = exports.base_rows(entries)
        if fmt == "csv":
            return Response(
                exports.to_csv(rows),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": "attachment; filename=bases.csv"},
            )
        return Response(
            exports.to_xlsx(rows),
            media_type=exports.XLSX,
            headers={"Content-Disposition": "attachment; filename=bases.xlsx"},
        )

    @api.get("/years/{year}", response_class=HTMLResponse, include_in_schema=False)
    def year_page(request: Request, year: int) -> str:
        return pages.year(
            frame(request),
            year,
            titles.star_distribution(db, year, "province"),
            titles.star_distribution(db, year, "domain"),
            titles.five_star_list(db, year),
        )

    @api.get("/stars", response_class=HTMLResponse, include_in_schema=False)
    def stars_page(request: Request) -> str:
        by_year = {y: titles.star_distribution(db, y, "province") for y in titles.years(db)}
        return pages.stars(frame(request), by_year)

    @api.get("/revocations", response_class=HTMLResponse, include_in_schema=False)
    def revocations_page(request: Request) -> str:
        return pages.revocations(frame(request), titles.revocations(db))

    def causes_of(lines: list[dict[str, Any]]) -> dict[str, int]:
        return sequences_of(db, [str(line["causation_id"]) for line in lines
                                 if line.get("causation_id")])  # fmt: skip

    @api.get("/events/{sequence}", response_class=HTMLResponse, include_in_schema=False)
    def event_page(request: Request, sequence: int) -> str:
        shown = frame(request)
        line = event_line(db, sequence)
        if line is None:
            raise HTTPException(404, shown.words("missing.event", id=sequence))
        return pages.event(shown, line, causes_of([line]))

    @api.get(
        "/api/trace/{event_or_correlation_id}",
        summary="Every event of one decision across the services (by correlation id)",
    )
    def trace_events(event_or_correlation_id: str) -> list[dict[str, Any]]:
        lines = trace(db, event_or_correlation_id)
        if not lines:
            raise HTTPException(
                404, f"no event with id or correlation id {event_or_correlation_id!r}"
            )
        return lines

    @api.get("/trace/{event_or_correlation_id}", response_class=HTMLResponse,
             include_in_schema=False)  # fmt: skip
    def trace_page(request: Request, event_or_correlation_id: str) -> str:
        shown = frame(request)
        lines = trace(db, event_or_correlation_id)
        if not lines:
            raise HTTPException(404, shown.words("missing.trace", id=event_or_correlation_id))
        return pages.trace(shown, event_or_correlation_id, lines, causes_of(lines))

    @api.get("/api/audit/checkpoint", summary="The head of the hash chain, signed (Ed25519)")
    def checkpoint() -> dict[str, Any]:
        if signer is None:
            raise HTTPException(503, "this registry has no signing key")
        sequence, chain = applied(db, EVENTS_STREAM)
        return signer.checkpoint(sequence, chain)

    @api.get("/api/audit/chain", summary="Event hashes and chain links for a range of sequences")
    def chain(first: int = Query(ge=1), last: int = Query(ge=1)) -> list[list[Any]]:
        if last - first > 10_000:
            raise HTTPException(400, "at most 10,000 sequences at a time")
        found = audit.recorded_chain(db, first, last)
        return [[sequence, *found[sequence]] for sequence in sorted(found)]

    @api.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, Any]:
        return {"ok": True, "events": applied(db, EVENTS_STREAM)[0]}

    @api.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        quarantine.count(db)  # the gauge as the store holds it (a rebuild may have swapped it)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @api.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(
        request: Request,
        programme: str | None = None,
        province: str | None = None,
        status: str | None = None,
        domain: str | None = None,
        stars: str | None = None,
        year: str | None = None,
        q: str | None = Query(default=None, max_length=100),
        sort: str = Query(default="id", pattern="^(" + "|".join(pages.SORTS) + ")$"),
        order: str = Query(default="asc", pattern="^(asc|desc)$"),
        page: int = Query(default=1, ge=1),
        per: int = Query(default=LIST_ROWS, ge=1, le=LIST_MAX),
    ) -> str:
        years = titles.years(db)
        shown_year = int(year) if year and year.isdigit() else max(years, default=None)
        entries = list_entries(
            db, programme=programme, province=province, status=status, domain=domain,
            stars=int(stars) if stars and stars.isdigit() else None, year=shown_year, q=q,
        )  # fmt: skip
        paging = pages.Paging(page=page, per=per, sort=sort, order=order)
        pages.sort_entries(entries, paging, shown_year)
        filters = {"programme": programme, "province": province, "status": status,
                   "domain": domain, "stars": stars, "year": year, "q": q}  # fmt: skip
        if per != LIST_ROWS:
            filters["per"] = str(per)
        events = applied(db, EVENTS_STREAM)[0]
        return pages.index(
            frame(request), entries, filters, paging, events, selection.batches(db), years,
            domains(db), shown_year,
        )  # fmt: skip

    @api.get("/entries/{subject_id}", response_class=HTMLResponse, include_in_schema=False)
    def entry_page(request: Request, subject_id: str) -> str:
        shown = frame(request)
        entry = find_entry(db, subject_id)
        if entry is None:
            raise HTTPException(404, shown.words("missing.entry", id=subject_id))
        return pages.entry(shown, entry, causes_of(entry["timeline"]))

    return api


def _publicity_json(p: publicity_view.Publicity) -> dict[str, Any]:
    """A publicity for the API: what opened it, the answers, the objections once decided (one
    under examination is counted only), and how it closed."""
    decided = [o for o in p.objections.values() if o.decided]
    return {
        "publicity_id": p.publicity_id,
        "open": p.is_open,
        **{
            k: p.payload[k]
            for k in (
                "batch_id",
                "programme",
                "published_on",
                "first_day",
                "last_day",
                "entries",
                "consulted",
            )
        },
        "closes_at": p.closes_at.isoformat(),
        "answers": [a["payload"] for a in p.answers],
        "objections": [
            {**o.filed["payload"], "resolution": o.resolved["payload"] if o.resolved else None}
            for o in decided
        ],
        "objections_pending": len(p.objections) - len(decided),
        "closed": p.closed["payload"] if p.closed else None,
    }
