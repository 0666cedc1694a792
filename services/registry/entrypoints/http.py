"""The registry's HTTP API (OpenAPI at ``/docs``) and its web page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

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
    trace,
)
from shared.contract.subjects import EVENTS_STREAM

AS_OF_PAGE, AS_OF_MAX = 1000, 10_000
"""Entries in one answer of /api/as-of by default, and at most: its cost follows the page."""
PAGE_ROWS = 500
"""Entries in one page of /as-of."""


@dataclass(frozen=True)
class Page:
    """Which part of an as-of list: stars of a year, and ``limit`` entries after ``after``."""

    stars: int | None = None
    year: int | None = None
    limit: int | None = None
    after: str | None = None


def create_app(db: Database, signer: audit.Signer | None = None) -> FastAPI:
    """The registry's web application over its store (read only)."""
    api = FastAPI(
        title="demobase registry",
        version="1",
        description="Applications and bases of the MIIT demonstration-base programmes, "
        "projected from the event log; every change with the event that caused it.",
    )

    @api.get("/api/applications", summary="Applications and bases, with filters")
    def applications(
        programme: str | None = None,
        province: str | None = None,
        status: str | None = None,
        domain: str | None = None,
        batch_id: str | None = None,
        stars: int | None = Query(default=None, ge=1, le=5, description="rated this many stars"),
        year: int | None = Query(default=None, description="of stars; the latest by default"),
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
                     after=page.after, **filters)  # fmt: skip

    @api.get(
        "/api/as-of/{moment}",
        summary="The registry as it stood at a moment, by business or recording time",
        description="Every entry in its latest version at or before the moment (YYYY-MM-DD or "
        "an ISO time; UTC without an offset), from the registry's history: by business time "
        "(`by=effective`, when each fact took effect) or by recording time (`by=recorded`). Each "
        "entry gives the sequence of its version, its `effective_at` and its `recorded_at`. "
        "`limit` entries by id after `after`; `next` is the `after` of the following page "
        "(null after the last).",
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
    ) -> JSONResponse:
        filters = {"programme": programme, "province": province, "status": status,
                   "domain": domain, "kind": kind, "batch_id": batch_id}  # fmt: skip
        answer = registry_then(moment, by, filters, Page(stars, year, limit, after))
        return JSONResponse(answer)  # as it is: plain JSON values, no model to validate

    @api.get("/as-of", response_class=HTMLResponse, include_in_schema=False)
    def as_of_form(at: str = "", by: Time = "effective", after: str | None = None) -> str:
        return as_of_page(at, by, after)

    @api.get("/as-of/{moment}", response_class=HTMLResponse, include_in_schema=False)
    def as_of_page(moment: str, by: Time = "effective", after: str | None = None) -> str:
        return pages.as_of(registry_then(moment, by, {}, Page(limit=PAGE_ROWS, after=after)))

    @api.get("/api/digest", summary="Events applied, head of the hash chain, export digest")
    def registry_digest() -> dict[str, Any]:
        sequence, chain = applied(db, EVENTS_STREAM)
        return {"events": sequence, "chain": chain, "digest": digest(db)}

    @api.get("/api/quarantine", summary="Events of the log the registry could not apply")
    def quarantined() -> list[dict[str, Any]]:
        return quarantine.quarantined(db)

    @api.get("/quarantine", response_class=HTMLResponse, include_in_schema=False)
    def quarantine_page() -> str:
        return pages.quarantine(quarantine.quarantined(db))

    @api.get("/api/batches", summary="Batches as opened and forwarded")
    def list_batches() -> list[dict[str, Any]]:
        return selection.batches(db)

    @api.get("/api/batches/{batch_id}/funnel", summary="Applications reaching each stage")
    def batch_funnel(batch_id: str) -> dict[str, int]:
        return selection.funnel(db, batch_id)

    @api.get("/api/batches/{batch_id}/quotas", summary="Put forward against quota (R-QUOTAS)")
    def batch_quotas(batch_id: str) -> list[dict[str, Any]]:
        return selection.quota_report(db, batch_id)

    @api.get("/api/batches/{batch_id}/summary-table", summary="附件1 of a province")
    def batch_summary_table(batch_id: str, province: str) -> list[dict[str, Any]]:
        return selection.summary_table(db, batch_id, province)

    @api.get("/batches/{batch_id}", response_class=HTMLResponse, include_in_schema=False)
    def batch_page(batch_id: str) -> str:
        return pages.batch(
            batch_id, selection.funnel(db, batch_id), selection.quota_report(db, batch_id)
        )

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

    @api.get("/api/export.{fmt}", summary="The registry of bases as CSV or xlsx")
    def export(fmt: str) -> Response:
        rows = exports.base_rows(list_entries(db))
        if fmt == "csv":
            return Response(
                exports.to_csv(rows),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": "attachment; filename=bases.csv"},
            )
        if fmt == "xlsx":
            return Response(
                exports.to_xlsx(rows),
                media_type=exports.XLSX,
                headers={"Content-Disposition": "attachment; filename=bases.xlsx"},
            )
        raise HTTPException(404, f"export as csv or xlsx, not {fmt!r}")

    @api.get("/years/{year}", response_class=HTMLResponse, include_in_schema=False)
    def year_page(year: int) -> str:
        return pages.year(
            year,
            titles.star_distribution(db, year, "province"),
            titles.star_distribution(db, year, "domain"),
            titles.five_star_list(db, year),
        )

    @api.get("/revocations", response_class=HTMLResponse, include_in_schema=False)
    def revocations_page() -> str:
        return pages.revocations(titles.revocations(db))

    @api.get("/events/{sequence}", response_class=HTMLResponse, include_in_schema=False)
    def event_page(sequence: int) -> str:
        line = event_line(db, sequence)
        if line is None:
            raise HTTPException(404, f"no event at sequence {sequence}")
        return pages.event(line)

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
    def trace_page(event_or_correlation_id: str) -> str:
        return pages.trace(event_or_correlation_id, trace_events(event_or_correlation_id))

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
        programme: str | None = None,
        province: str | None = None,
        status: str | None = None,
        domain: str | None = None,
        stars: str | None = None,
        year: str | None = None,
        q: str | None = Query(default=None, max_length=100),
    ) -> str:
        years = titles.years(db)
        shown_year = int(year) if year and year.isdigit() else max(years, default=None)
        entries = list_entries(
            db, programme=programme, province=province, status=status, domain=domain,
            stars=int(stars) if stars and stars.isdigit() else None, year=shown_year,
        )  # fmt: skip
        if q:
            entries = [e for e in entries if q in (e["name"] or "") or q in e["subject_id"]]
        filters = {"programme": programme, "province": province, "status": status,
                   "domain": domain, "stars": stars, "year": year, "q": q}  # fmt: skip
        events = applied(db, EVENTS_STREAM)[0]
        return pages.index(
            entries, filters, events, selection.batches(db), years, domains(db), shown_year,
            quarantined=quarantine.count(db),
        )  # fmt: skip

    @api.get("/entries/{subject_id}", response_class=HTMLResponse, include_in_schema=False)
    def entry_page(subject_id: str) -> str:
        entry = find_entry(db, subject_id)
        if entry is None:
            raise HTTPException(404, f"no application or base with id {subject_id!r}")
        return pages.entry(entry)

    return api
