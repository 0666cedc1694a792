"""The registry's public site, rendered on the server with escaped values and no script.

Chinese by default, English by a switch (``?lang=en``, kept in a cookie); Beijing time; every
status and event in words, each event with its evidence beside it and its payload behind a
disclosure; charts drawn as SVG with their tables (``services/registry/site``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import quote, urlencode

from services.registry.site import charts
from services.registry.site.beijing import beijing_time, day_with_weekday
from services.registry.site.publicity import Publicity
from services.registry.site.sentences import dated
from services.registry.site.words import HTML_LANG, STATUSES, Words
from shared.contract.provinces import PROVINCES

STYLE = """
:root{--ink:#1b1b1b;--muted:#5a5a5a;--line:#ddd;--red:#a11;--green:#161;--accent:#8c1c13}
body{font-family:system-ui,"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif;
margin:0;color:var(--ink);line-height:1.5}
header.site{background:var(--accent);color:#fff;padding:.6rem 2rem;display:flex;flex-wrap:wrap;
gap:.4rem 1.2rem;align-items:baseline}header.site a{color:#fff}header.site .name{font-weight:700;
font-size:1.15rem;text-decoration:none}header.site .lang{margin-left:auto}
main{padding:1rem 2rem 3rem;max-width:80rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem}th,td{border-bottom:1px solid
var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f3f3f3}th a{color:inherit}code{font-size:.85em;overflow-wrap:anywhere}
.status{font-weight:600}.rejected,.revoked,.disqualified,.withheld,.acceptance_failed{color:var(--red)}
.titled,.awarded{color:var(--green)}.alarm{color:var(--red);font-weight:600}
form.filters{display:flex;flex-wrap:wrap;gap:.4rem;margin:.6rem 0}
pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:.3rem 0;font-size:.8em;background:#f7f7f7;
padding:.5rem}ol.timeline{list-style:none;padding:0}ol.timeline li{border-left:3px solid
var(--accent);padding:.2rem 0 .6rem .8rem;margin-bottom:.6rem}.sentence{margin:.1rem 0;
font-weight:600}.evidence{display:flex;flex-wrap:wrap;gap:.1rem 1.2rem;margin:.2rem 0;
font-size:.85em;color:var(--muted)}.evidence div{white-space:nowrap}.evidence dt{display:inline}
.evidence dd{display:inline;margin:0 0 0 .3rem}.evidence dt::after{content:":"}
figure.chart{margin:1rem 0}figure.chart figcaption{font-weight:700;margin-bottom:.4rem}
.pair{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}.pair table{width:auto}
.picture{overflow-x:auto;max-width:100%}svg text{font-size:12px;fill:#1b1b1b}
svg text.head{font-weight:700}svg .axis{fill:#777}.pager{display:flex;gap:1rem;margin:.5rem 0}
.notice{background:#fff8e6;border:1px solid #f0d48a;padding:.6rem 1rem}
.error{border-left:4px solid var(--red);padding:.5rem 1rem;background:#fdf1f1}
"""


@dataclass(frozen=True)
class Frame:
    """What every page needs besides its content: its words, and where the language switch
    leads (the same page in the other language)."""

    words: Words
    switch: str = "?lang=en"
    quarantined: int = 0


def _page(frame: Frame, title: str, body: str) -> str:
    w = frame.words
    alarm = ' class="alarm"' if frame.quarantined else ""
    other = "en" if w.lang == "zh" else "zh"
    nav = (
        f'<a class="name" href="/">{escape(w("site"))}</a>'
        f'<a href="/">{escape(w("nav.home"))}</a>'
        f'<a href="/publicity">{escape(w("nav.publicity"))}</a>'
        f'<a href="/stars">{escape(w("nav.stars"))}</a>'
        f'<a href="/revocations">{escape(w("nav.revocations"))}</a>'
        f'<a href="/as-of">{escape(w("nav.as_of"))}</a>'
        f'<a href="/docs">{escape(w("nav.docs"))}</a>'
        f'<a href="/quarantine"{alarm}>{escape(w("nav.quarantine", n=frame.quarantined))}</a>'
        f'<a class="lang" href="{escape(frame.switch)}" hreflang="{other}">'
        f"{escape(w('nav.switch'))}</a>"
    )
    return (
        f'<!doctype html><html lang="{HTML_LANG[w.lang]}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · {escape(w('site'))}</title><style>{STYLE}</style></head>"
        f'<body><header class="site">{nav}</header><main>{body}</main></body></html>'
    )


def _query(values: dict[str, str | None], **changes: str | int | None) -> str:
    """``?a=1&b=2`` of ``values`` with ``changes``, leaving out what is empty."""
    merged = {**values, **{k: None if v is None else str(v) for k, v in changes.items()}}
    kept = {k: v for k, v in merged.items() if v}
    return "?" + urlencode(kept) if kept else "?"


def _select(
    name: str, options: list[tuple[str, str]], chosen: str | None, unset: str, label: str
) -> str:
    rendered = "".join(
        f'<option value="{escape(value)}"{" selected" if value == chosen else ""}>{escape(text)}'
        "</option>"
        for value, text in [("", unset), *options]
    )
    return f'<select name="{name}" aria-label="{escape(label)}">{rendered}</select>'


def _status(w: Words, status: str) -> str:
    return f'<span class="status {escape(status)}">{escape(w.status(status))}</span>'


def _stars(entry: dict[str, Any], year: int | None) -> str:
    rating = entry.get("stars_by_year", {}).get(str(year)) if year else None
    return f'<span title="{rating}">{"★" * rating}</span>' if rating else ""


def _entry_link(subject_id: str, text: str | None = None) -> str:
    return (
        f'<a href="/entries/{quote(subject_id)}">{escape(text or subject_id)}</a>'
        if text
        else f'<a href="/entries/{quote(subject_id)}"><code>{escape(subject_id)}</code></a>'
    )


SORTS = ("id", "name", "province", "status", "stars", "since")


@dataclass(frozen=True)
class Paging:
    """One page of a sorted list: ``page`` (from 1) of ``per`` rows, by ``sort`` and ``order``."""

    page: int = 1
    per: int = 20
    sort: str = "id"
    order: str = "asc"

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per


def sort_entries(entries: list[dict[str, Any]], paging: Paging, year: int | None) -> None:
    """Sort in place by the chosen column (the id breaks ties, so the order is stable)."""

    def key(e: dict[str, Any]) -> tuple[Any, ...]:
        column: Any = {
            "id": e["subject_id"],
            "name": e.get("title") or e["name"] or "",
            "province": e["province"],
            "status": e.get("standing", e["status"]),
            "stars": e.get("stars_by_year", {}).get(str(year), 0) if year else 0,
            "since": e["since"],
        }[paging.sort]
        return (column, e["subject_id"])

    entries.sort(key=key, reverse=paging.order == "desc")


def index(
    frame: Frame,
    entries: list[dict[str, Any]],
    filters: dict[str, str | None],
    paging: Paging,
    events: int,
    batches: list[dict[str, Any]],
    years: list[int],
    domains: list[str],
    year: int | None,
) -> str:
    """The register: filters, search, a sorted page of entries, links to batches and years."""
    w = frame.words
    form = (
        '<form method="get" class="filters" role="search">'
        + _select(
            "programme",
            [("NIID", w.programme("NIID")), ("EIDB", w.programme("EIDB"))],
            filters["programme"],
            w("all.programme"),
            w("col.programme"),
        )
        + _select(
            "province",
            [(c, w.province(c)) for c in sorted(PROVINCES)],
            filters["province"],
            w("all.province"),
            w("col.province"),
        )
        + _select(
            "status",
            [(s, w.status(s)) for s in STATUSES],
            filters["status"],
            w("all.status"),
            w("col.status"),
        )
        + _select(
            "domain", [(d, d) for d in domains], filters["domain"], w("all.domain"), w("col.domain")
        )
        + _select(
            "stars",
            [(str(n), "★" * n) for n in range(5, 0, -1)],
            filters["stars"],
            w("all.stars"),
            w("col.stars"),
        )
        + _select(
            "year",
            [(str(y), w("stars.of", year=y)) for y in reversed(years)],
            filters["year"],
            w("all.year"),
            w("col.stars"),
        )
        + f'<input type="search" name="q" placeholder="{escape(w("search.placeholder"))}" '
        f'aria-label="{escape(w("search.placeholder"))}" value="{escape(filters["q"] or "")}">'
        + f'<button type="submit">{escape(w("filter"))}</button></form>'
    )
    total = len(entries)
    shown = entries[paging.first : paging.first + paging.per]
    pages = max(1, -(-total // paging.per))
    state = {**filters, "sort": paging.sort, "order": paging.order}

    def head(column: str, label: str) -> str:
        order = "desc" if paging.sort == column and paging.order == "asc" else "asc"
        arrow = {"asc": " ▲", "desc": " ▼"}[paging.order] if paging.sort == column else ""
        aria = ' aria-sort="ascending"' if paging.order == "asc" else ' aria-sort="descending"'
        return (
            f'<th{aria if paging.sort == column else ""}><a href="'
            f'{escape(_query(state, sort=column, order=order, page=None))}" '
            f'title="{escape(w("col.sort", column=label))}">{escape(label)}{arrow}</a></th>'
        )

    rows = "".join(_index_row(w, e, year) for e in shown)
    table = (
        '<table class="entries"><thead><tr>'
        + head("id", w("col.id"))
        + head("name", w("col.name"))
        + head("province", w("col.province"))
        + f"<th>{escape(w('col.programme'))}</th><th>{escape(w('col.domain'))}</th>"
        + head("status", w("col.status"))
        + head("stars", f"{w('col.stars')} {year or ''}".strip())
        + head("since", w("col.since"))
        + f"</tr></thead><tbody>{rows}</tbody></table>"
    )
    count = (
        w("shown", total=total, first=paging.first + 1, last=paging.first + len(shown))
        if shown
        else w("shown.none")
    )
    pager = _pager(w, state, paging, pages)
    export_query = _query({k: v for k, v in filters.items()})
    export_query = "" if export_query == "?" else export_query
    body = (
        f"<h1>{escape(w('site'))}</h1><p>{escape(w('site.lead', events=events))} "
        f'{escape(w("export"))}: <a href="/api/export.csv{escape(export_query)}">CSV</a> '
        f'<a href="/api/export.xlsx{escape(export_query)}">xlsx</a></p>'
        f"{_batch_links(w, batches)}{_year_links(w, years)}{form}"
        f'<p class="count">{escape(count)}</p>{table}{pager}'
    )
    return _page(frame, w("site"), body)


def _index_row(w: Words, e: dict[str, Any], year: int | None) -> str:
    former = e.get("former_names") or []
    shown_name = e.get("title") or e["name"] or ""
    if former:
        formerly = (
            f'<br><small class="former">{escape(w("former", names="；".join(former)))}</small>'
        )
    elif e.get("title") and e["name"] and e["name"] not in e["title"]:
        formerly = f"<br><small>{escape(e['name'])}</small>"
    else:
        formerly = ""
    return (
        f"<tr><td>{_entry_link(e['subject_id'])}</td>"
        f"<td>{_entry_link(e['subject_id'], shown_name) if shown_name else ''}{formerly}</td>"
        f"<td>{escape(w.province(e['province']))}</td>"
        f"<td>{escape(e['programme'] or '')}</td><td>{escape(e['domain'] or '')}</td>"
        f"<td>{_status(w, e.get('standing', e['status']))}</td>"
        f"<td>{_stars(e, year)}</td><td>{escape(beijing_time(e['since'])[:10])}</td></tr>"
    )


def _pager(w: Words, state: dict[str, str | None], paging: Paging, pages: int) -> str:
    links = []
    if paging.page > 1:
        href = _query(state, page=paging.page - 1)
        links.append(f'<a rel="prev" href="{escape(href)}">{escape(w("page.prev"))}</a>')
    links.append(f"<span>{escape(w('page.of', page=paging.page, pages=pages))}</span>")
    if paging.page < pages:
        href = _query(state, page=paging.page + 1)
        links.append(f'<a rel="next" href="{escape(href)}">{escape(w("page.next"))}</a>')
    return f'<nav class="pager">{"".join(links)}</nav>'


def _year_links(w: Words, years: list[int]) -> str:
    if not years:
        return ""
    links = " · ".join(f'<a href="/years/{y}">{y}</a>' for y in years)
    return f"<p>{escape(w('years'))}: {links}</p>"


def _batch_links(w: Words, batches: list[dict[str, Any]]) -> str:
    if not batches:
        return ""
    links = " · ".join(
        f'<a href="/batches/{quote(b["batch_id"])}">{escape(b.get("title") or b["batch_id"])}</a>'
        for b in batches
    )
    return f"<p>{escape(w('batches'))}: {links}</p>"


# --- one entry, its timeline and its events ------------------------------------------------


def _evidence(w: Words, line: dict[str, Any], causes: dict[str, int]) -> str:
    """Who, both times, the stream sequence, the event id, the cause and the proof."""
    cause_id = line.get("causation_id")
    if cause_id and cause_id in causes:
        cause = f'<a href="/events/{causes[cause_id]}">#{causes[cause_id]}</a>'
    elif cause_id:
        cause = f"<code>{escape(str(cause_id))}</code>"
    else:
        cause = escape(w("ev.none"))
    event_id = str(line["event_id"])
    items = (
        ("ev.who", escape(w.actor(str(line["actor"])))),
        ("ev.business", escape(beijing_time(line["occurred_at"]))),
        ("ev.recorded", escape(beijing_time(line["recorded_at"]))),
        ("ev.sequence", f'<a href="/events/{line["sequence"]}">#{line["sequence"]}</a>'),
        ("ev.id", f"<code>{escape(event_id)}</code>"),
        ("ev.cause", cause),
        ("ev.proof", f'<a href="/audit?event={quote(event_id)}">{escape(w("ev.proof"))}</a>'),
    )
    return (
        '<dl class="evidence">'
        + "".join(f"<div><dt>{escape(w(key))}</dt><dd>{value}</dd></div>" for key, value in items)
        + "</dl>"
    )


def _payload(w: Words, payload: Any) -> str:
    shown = escape(json.dumps(payload, ensure_ascii=False, indent=1))
    return f"<details><summary>{escape(w('ev.payload'))}</summary><pre>{shown}</pre></details>"


def timeline_item(w: Words, line: dict[str, Any], causes: dict[str, int]) -> str:
    """One event of a timeline: its sentence, its evidence, its payload behind a disclosure."""
    return (
        f'<li class="event" id="e{line["sequence"]}"><p class="sentence">'
        f"{escape(dated(line, w))}</p>{_evidence(w, line, causes)}"
        f"{_payload(w, line['payload'])}</li>"
    )


def _title_block(w: Words, entry: dict[str, Any]) -> str:
    if entry["kind"] != "base":
        return ""
    parts = [f"<p>{escape(w('title'))}：<b>{escape(entry.get('title') or '')}</b></p>"]
    parts.append(
        f"<p>{escape(w('tier'))}：{escape(entry.get('tier') or '—')} · {escape(w('plan'))}："
        f"{escape(entry.get('action_plan') or '—')}</p>"
    )
    if entry.get("former_names"):
        parts.append(f"<p>{escape(w('former', names='；'.join(entry['former_names'])))}</p>")
    if entry.get("revoked_rule"):
        causes = " ".join(
            f'<a href="/events/{c["stream_sequence"]}">#{c["stream_sequence"]}</a>'
            for c in entry["causing_events"]
        )
        parts.append(
            '<p class="revoked">'
            + escape(
                w(
                    "revoked.under",
                    rule=entry["revoked_rule"],
                    reason=entry.get("revoked_reason") or "",
                )
            )
            + f" {causes}</p>"
        )
    stars = sorted((int(y), n) for y, n in entry.get("stars_by_year", {}).items())
    if stars:
        table = (
            f"<table><caption>{escape(w('chart.table'))}</caption><tr><th>"
            f"{escape(w('years'))}</th><th>{escape(w('col.stars'))}</th></tr>"
            + "".join(f"<tr><td>{y}</td><td>{n}</td></tr>" for y, n in stars)
            + "</table>"
        )
        label = f"{w('stars.over.years')}: {entry.get('title') or entry['name']}"
        parts.append(
            charts.figure(w("stars.over.years"), charts.stars_over_years(label, stars), table)
        )
    return "".join(parts)


def entry(frame: Frame, entry: dict[str, Any], causes: dict[str, int]) -> str:
    """One application or base: what it is now, its stars over the years, its history of
    versions, and its timeline of events in sentences with their evidence."""
    w = frame.words
    name = entry.get("title") or entry["name"] or entry["subject_id"]
    items = "".join(timeline_item(w, line, causes) for line in entry["timeline"])
    body = (
        f'<p><a href="/">{escape(w("back"))}</a></p><h1>{escape(name)}</h1>'
        f"<p><code>{escape(entry['subject_id'])}</code> · {escape(w('kind.' + entry['kind']))} · "
        f"{escape(w.province(entry['province']))} · {escape(w.programme(entry['programme']))} · "
        f"{escape(entry['domain'] or '')} · {_status(w, entry.get('standing', entry['status']))} "
        f'· {escape(w("correlation"))} <a href="/trace/{quote(entry["correlation_id"])}">'
        f"<code>{escape(entry['correlation_id'][:8])}</code></a></p>"
        f"{_title_block(w, entry)}<h2>{escape(w('timeline'))}</h2>"
        f'<ol class="timeline">{items}</ol>{_history(w, entry)}'
    )
    return _page(frame, name, body)


def _history(w: Words, entry: dict[str, Any]) -> str:
    """Every version the entry had: the sequence that made it, when it took effect, when it was
    recorded, and what it said."""
    versions = entry.get("history") or []
    if not versions:
        return ""
    rows = "".join(
        f'<tr><td><a href="/events/{v["sequence"]}">#{v["sequence"]}</a></td>'
        f"<td>{escape(beijing_time(v['effective_at']))}</td>"
        f"<td>{escape(beijing_time(v['recorded_at']))}</td>"
        f"<td>{_status(w, v['status'])}</td>"
        f"<td>{escape(v.get('title') or v.get('name') or '')}</td>"
        f"<td>{escape(v.get('tier') or '')}</td><td>{escape(v.get('revoked_rule') or '')}</td></tr>"
        for v in versions
    )
    heads = ("version", "col.took_effect", "col.recorded", "col.status", "name.or.title", "tier",
             "revoked.rule")  # fmt: skip
    return (
        f'<h2>{escape(w("history"))}</h2><table class="history"><tr>'
        + "".join(f"<th>{escape(w(h))}</th>" for h in heads)
        + f"</tr>{rows}</table>"
    )


def event(frame: Frame, line: dict[str, Any], causes: dict[str, int]) -> str:
    """One event: its sentence, its evidence and its payload, linked to its subject."""
    w = frame.words
    body = (
        f'<p><a href="/entries/{quote(line["subject_id"])}">← {escape(line["subject_id"])}</a></p>'
        f"<h1>{escape(w('event', sequence=line['sequence']))}</h1>"
        f'<ol class="timeline">{timeline_item(w, line, causes)}</ol>'
        f"<p>{escape(w('ev.hash'))} <code>{escape(line['event_hash'][:16])}…</code> · "
        f'<a href="/trace/{quote(line["correlation_id"])}">{escape(w("ev.trace"))}</a></p>'
    )
    return _page(frame, w("event", sequence=line["sequence"]), body)


def trace(frame: Frame, asked: str, lines: list[dict[str, Any]], causes: dict[str, int]) -> str:
    """One decision's events across the services: what each caused, in log order."""
    w = frame.words
    items = "".join(timeline_item(w, line, causes) for line in lines)
    body = (
        f'<p><a href="/">{escape(w("back"))}</a></p><h1>{escape(w("trace"))}</h1>'
        f"<p>{escape(w('trace.lead', correlation=lines[0]['correlation_id'], n=len(lines)))}</p>"
        f'<ol class="timeline">{items}</ol>'
    )
    return _page(frame, w("trace"), body)


# --- the registry at a moment, the quarantine ----------------------------------------------


def as_of_form(w: Words) -> str:
    return (
        f'<form method="get" action="/as-of" class="filters">{escape(w("as_of.form"))}'
        '<input name="at" placeholder="YYYY-MM-DD" required aria-label="YYYY-MM-DD">'
        f'<select name="by"><option value="effective">{escape(w("time.effective"))}</option>'
        f'<option value="recorded">{escape(w("time.recorded"))}</option></select>'
        f'<button type="submit">{escape(w("as_of.show"))}</button></form>'
    )


def as_of(frame: Frame, answer: dict[str, Any]) -> str:
    """The registry as it stood at a moment, from its history: each entry in the version it had,
    with the sequence that made it, when that took effect and when it was recorded."""
    w = frame.words
    rows = "".join(
        f"<tr><td>{_entry_link(e['subject_id'])}</td><td>{escape(e['name'] or '')}</td>"
        f"<td>{escape(w.province(e['province']))}</td><td>{escape(e['programme'] or '')}</td>"
        f"<td>{_status(w, e['status'])}</td><td>{escape(e.get('title') or '')}</td>"
        f'<td><a href="/events/{e["sequence"]}">#{e["sequence"]}</a></td>'
        f"<td>{escape(beijing_time(e['effective_at']))}</td>"
        f"<td>{escape(beijing_time(e['recorded_at']))}</td></tr>"
        for e in answer["entries"]
    )
    other = "recorded" if answer["by"] == "effective" else "effective"
    here = escape(f"/as-of/{quote(answer['moment'])}")
    partial = (
        f'<p class="alarm">{escape(w("as_of.partial", first=answer["history_from"]))}</p>'
        if answer["history_from"] > 1
        else ""
    )
    following = (
        f'<p><a rel="next" href="{here}?by={escape(answer["by"])}&amp;after='
        f'{quote(answer["next"])}&amp;through={int(answer["through"])}">'
        f"{escape(w('page.next'))}</a></p>"
        if answer["next"]
        else ""
    )
    heads = ("col.id", "col.name", "col.province", "col.programme", "col.status", "col.title",
             "version", "col.took_effect", "col.recorded")  # fmt: skip
    lead = w("as_of.by", time=w(f"time.{answer['by']}"), n=len(answer["entries"]),
             applied=answer["applied"])  # fmt: skip
    body = (
        f'<p><a href="/">{escape(w("back"))}</a></p>'
        f"<h1>{escape(w('as_of', moment=beijing_time(answer['moment'])))}</h1>"
        f"<p>{escape(lead)} "
        f'<a href="{here}?by={other}">{escape(w("as_of.other", time=w(f"time.{other}")))}</a> · '
        f'<a href="/api{here}?by={escape(answer["by"])}">JSON</a></p>'
        f"{partial}{as_of_form(w)}<table><tr>"
        + "".join(f"<th>{escape(w(h))}</th>" for h in heads)
        + f"</tr>{rows}</table>{following}"
    )
    return _page(frame, w("as_of", moment=beijing_time(answer["moment"])), body)


def as_of_start(frame: Frame) -> str:
    """The as-of page before a moment is given: the form alone."""
    w = frame.words
    return _page(frame, w("nav.as_of"), f"<h1>{escape(w('nav.as_of'))}</h1>{as_of_form(w)}")


def quarantine(frame: Frame, rows: list[dict[str, Any]]) -> str:
    """The events of the log the registry could not apply, each with why (issue 12, part 4)."""
    w = frame.words
    lines = "".join(
        f"<tr><td>{escape(r['stream'])}</td><td>{r['sequence']}</td>"
        f"<td><code>{escape(r['subject'] or '—')}</code></td>"
        f"<td><code>{escape(r['event_id'] or '—')}</code></td>"
        f"<td>{escape(r['event_type'] or '—')}</td><td>{escape(r['error_type'])}</td>"
        f"<td>{escape(r['reason'])}</td><td><pre>{escape(r['excerpt'])}</pre></td>"
        f"<td><code>{escape(r['event_hash'][:16])}…</code></td></tr>"
        for r in rows
    )
    body = (
        f'<p><a href="/">{escape(w("back"))}</a></p><h1>{escape(w("quarantine"))}</h1>'
        f"<p>{escape(w('quarantine.lead', n=len(rows)))} "
        '<a href="/api/quarantine">JSON</a></p>'
        "<table><tr><th>stream</th><th>seq</th><th>subject</th><th>event id</th><th>event</th>"
        f"<th>error</th><th>reason</th><th>bytes (start)</th><th>hash</th></tr>{lines}</table>"
    )
    return _page(frame, w("quarantine"), body)


# --- batches ---------------------------------------------------------------------------------


def batch(
    frame: Frame,
    batch_id: str,
    opened: dict[str, Any],
    forwarded: dict[str, dict[str, Any]],
    funnel: dict[str, int],
    quotas: list[dict[str, Any]],
    applications: list[dict[str, Any]],
    recommending: list[str],
) -> str:
    """A batch: its call, the deadlines per level, its funnel (a chart and its table), its
    applications by stage, the quotas used and each province's 附件1 to download."""
    w = frame.words
    notice = opened.get("notice") or {}
    title = opened.get("title") or batch_id
    head = (
        f'<p><a href="/">{escape(w("back"))}</a></p><h1>{escape(title)}</h1>'
        f"<p><code>{escape(batch_id)}</code> · {escape(w.programme(opened.get('programme')))}"
        + (
            f" · {escape(w('batch.notice', notice=notice.get('title', '')))}"
            + (f"（{escape(notice['number'])}）" if notice.get("number") else "")
            if notice
            else ""
        )
        + "</p>"
    )
    stages = [(w.stage(stage), count) for stage, count in funnel.items()]
    funnel_table = (
        f"<table><caption>{escape(w('chart.table'))}</caption><tr><th>{escape(w('col.stage'))}"
        f"</th><th>{escape(w('col.count'))}</th></tr>"
        + "".join(f"<tr><td>{escape(s)}</td><td>{n}</td></tr>" for s, n in stages)
        + "</table>"
    )
    chart = charts.figure(w("funnel"), charts.bars(f"{w('funnel')}: {title}", stages), funnel_table)
    body = (
        head
        + _deadlines(w, opened, forwarded)
        + chart
        + _by_stage(w, applications)
        + _quotas(w, quotas)
        + _annex1(w, batch_id, recommending)
    )
    return _page(frame, w("batch", batch=title), body)


def _deadlines(w: Words, opened: dict[str, Any], forwarded: dict[str, dict[str, Any]]) -> str:
    """The ministry's deadlines, then each forwarding province's own (R-DEADLINES)."""
    sources = [(w("level.ministry"), opened.get("deadlines", []))] + [
        (w.province(code), data.get("deadlines", [])) for code, data in sorted(forwarded.items())
    ]
    rows = []
    for source, deadlines in sources:
        for d in deadlines:
            rows.append(
                f"<tr><td>{escape(source)}</td><td>{escape(w('level.' + d['level']))}</td>"
                f"<td>{escape(day_with_weekday(d['due'], w.lang))}</td>"
                f"<td>{escape(w('yes') if d.get('postmark_counts') else w('no'))}</td></tr>"
            )
    if not rows:
        return ""
    return (
        f"<h2>{escape(w('deadlines'))}</h2><table><tr><th>{escape(w('col.issuer'))}</th>"
        f"<th>{escape(w('col.level'))}</th><th>{escape(w('col.due'))}</th>"
        f"<th>{escape(w('col.postmark'))}</th></tr>{''.join(rows)}</table>"
    )


def _by_stage(w: Words, applications: list[dict[str, Any]]) -> str:
    groups: dict[str, list[dict[str, Any]]] = {}
    for a in applications:
        groups.setdefault(a.get("standing", a["status"]), []).append(a)
    order = {status: n for n, status in enumerate(STATUSES)}
    sections = "".join(
        f"<h3>{_status(w, status)}（{len(items)}）</h3><ul>"
        + "".join(
            f"<li>{_entry_link(a['subject_id'], a['name'] or a['subject_id'])} · "
            f"{escape(w.province(a['province']))} · {escape(w.category(a['category']))} · "
            f"{escape(a['domain'] or '')}</li>"
            for a in items
        )
        + "</ul>"
        for status, items in sorted(groups.items(), key=lambda g: order.get(g[0], 99))
    )
    return f"<h2>{escape(w('by.stage'))}</h2>{sections or escape(w('none.yet'))}"


def _quotas(w: Words, quotas: list[dict[str, Any]]) -> str:
    rows = "".join(
        f"<tr><td>{escape(w.province(q['province']))}</td><td>{escape(q['city'] or '')}</td>"
        f"<td>{escape(w.category(q['category']))}</td><td>{q['put_forward']}</td>"
        f"<td>{escape(q['quota'] or w('on.merit'))}</td></tr>"
        for q in quotas
    )
    heads = ("col.province", "col.city", "col.category", "col.put_forward", "col.quota")
    return (
        f"<h2>{escape(w('quotas'))}</h2><table><tr>"
        + "".join(f"<th>{escape(w(h))}</th>" for h in heads)
        + f"</tr>{rows}</table>"
    )


def _annex1(w: Words, batch_id: str, provinces: list[str]) -> str:
    if not provinces:
        return f"<h2>{escape(w('annex1'))}</h2><p>{escape(w('none.yet'))}</p>"
    items = "".join(
        f"<li>{escape(w.province(code))}: "
        f'<a href="/batches/{quote(batch_id)}/annex1.xlsx?province={code}">xlsx</a> '
        f'<a href="/batches/{quote(batch_id)}/annex1.csv?province={code}">CSV</a></li>'
        for code in provinces
    )
    return f"<h2>{escape(w('annex1'))}</h2><ul>{items}</ul>"


# --- evaluation years, stars, revocations ----------------------------------------------------


def _star_grid(w: Words, label: str, table: dict[str, dict[str, int]], name: Any = str) -> str:
    """Rows (provinces or domains) × stars 5 to 1, each cell the number of bases: a heat grid
    and its table."""
    keys = list(table)
    columns = [w("n.stars", n=n) for n in range(5, 0, -1)]
    cells = {
        (r, c): (float(table[key].get(str(5 - c), 0)), str(table[key].get(str(5 - c), "")))
        for r, key in enumerate(keys)
        for c in range(5)
    }
    top = max((v for v, _ in cells.values()), default=0.0)
    svg = charts.heat_grid(label, [name(k) for k in keys], columns, cells, top)
    rows = "".join(
        f'<tr><th scope="row">{escape(name(k))}</th>'
        + "".join(f"<td>{table[k].get(str(n), 0)}</td>" for n in range(5, 0, -1))
        + "</tr>"
        for k in keys
    )
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in columns)
    return charts.figure(
        label,
        svg,
        f"<table><caption>{escape(w('chart.table'))}</caption><tr><th></th>{head}</tr>{rows}"
        "</table>",
    )


def year(
    frame: Frame,
    year: int,
    by_province: dict[str, dict[str, int]],
    by_domain: dict[str, dict[str, int]],
    five_star: list[dict[str, Any]],
) -> str:
    """A year's evaluation: its five-star list, and stars by province and by domain as heat
    grids beside their tables."""
    w = frame.words
    listed = "".join(f"<li>{_entry_link(b['base_id'], b['title'])}</li>" for b in five_star)
    body = (
        f'<p><a href="/">{escape(w("back"))}</a></p><h1>{escape(w("year", year=year))}</h1>'
        f"<h2>{escape(w('five.star', year=year, n=len(five_star)))}</h2><ol>{listed}</ol>"
        + _star_grid(w, w("stars.by.province"), by_province, w.province)
        + _star_grid(w, w("stars.by.domain"), by_domain)
    )
    return _page(frame, w("year", year=year), body)


def stars(frame: Frame, by_year: dict[int, dict[str, dict[str, int]]]) -> str:
    """Stars by year and province at a glance: each cell a province's mean stars in a year,
    with how many bases were rated."""
    w = frame.words
    years = sorted(by_year)
    provinces = sorted({p for table in by_year.values() for p in table})
    cells: dict[tuple[int, int], tuple[float, str]] = {}
    for r, province in enumerate(provinces):
        for c, y in enumerate(years):
            counts = by_year[y].get(province, {})
            rated = sum(counts.values())
            if rated:
                mean = sum(int(n) * k for n, k in counts.items()) / rated
                cells[(r, c)] = (mean, f"{mean:.1f} ({rated})")
    svg = charts.heat_grid(
        w("stars.grid"), [w.province(p) for p in provinces], [str(y) for y in years], cells, 5.0
    )
    rows = "".join(
        f'<tr><th scope="row">{escape(w.province(p))}</th>'
        + "".join(f"<td>{escape(cells.get((r, c), (0, '—'))[1])}</td>" for c in range(len(years)))
        + "</tr>"
        for r, p in enumerate(provinces)
    )
    head = "".join(f'<th scope="col"><a href="/years/{y}">{y}</a></th>' for y in years)
    table = (
        f"<table><caption>{escape(w('stars.grid.note'))}</caption><tr><th></th>{head}</tr>"
        f"{rows}</table>"
    )
    body = (
        f'<p><a href="/">{escape(w("back"))}</a></p><h1>{escape(w("stars.grid"))}</h1>'
        f"<p>{escape(w('stars.grid.note'))}</p>"
        + charts.figure(w("stars.grid"), svg, table)
        + _year_links(w, years)
    )
    return _page(frame, w("stars.grid"), body)


def revocations(frame: Frame, rows: list[dict[str, Any]]) -> str:
    w = frame.words
    lines = "".join(
        f"<tr><td>{_entry_link(r['base_id'], r['title'])}</td>"
        f"<td>{escape(r['rule_id'])}</td><td>{escape(r['reason'])}</td><td>"
        + " ".join(
            f'<a href="/events/{c["stream_sequence"]}">#{c["stream_sequence"]}</a>'
            for c in r["causing_events"]
        )
        + "</td></tr>"
        for r in rows
    )
    heads = ("col.base", "col.rule", "col.reason", "col.causes")
    body = (
        f'<p><a href="/">{escape(w("back"))}</a></p><h1>{escape(w("revocations"))}</h1><table><tr>'
        + "".join(f"<th>{escape(w(h))}</th>" for h in heads)
        + f"</tr>{lines}</table>"
    )
    return _page(frame, w("revocations"), body)


# --- publicity -------------------------------------------------------------------------------


def publicities(frame: Frame, found: Sequence[Publicity]) -> str:
    """Every publicity, open ones first."""
    w = frame.words
    rows = "".join(
        f'<tr><td><a href="/publicity/{quote(p.publicity_id)}">'
        f"{escape(w('publicity', programme=w.programme(p.payload['programme'])))}</a>"
        f" <code>{escape(p.publicity_id)}</code></td>"
        f"<td>{escape(p.payload['first_day'])} – {escape(p.payload['last_day'])}</td>"
        f"<td>{len(p.payload['entries'])}</td>"
        f'<td class="{"" if p.is_open else "muted"}">'
        f"{escape(w('publicity.open') if p.is_open else w('publicity.closed'))}</td></tr>"
        for p in sorted(found, key=lambda p: (not p.is_open, p.payload["first_day"]))
    )
    heads = ("col.publicity", "col.window", "col.count", "col.state")
    table = (
        "<table><tr>" + "".join(f"<th>{escape(w(h))}</th>" for h in heads) + f"</tr>{rows}</table>"
        if found
        else f"<p>{escape(w('publicity.none'))}</p>"
    )
    body = f'<p><a href="/">{escape(w("back"))}</a></p><h1>{escape(w("publicities"))}</h1>{table}'
    return _page(frame, w("publicities"), body)


def publicity(frame: Frame, p: Publicity, working_days: list[Any]) -> str:
    """One publicity as the public sees it: the proposed list, the window's working days in
    Beijing time, the ministries consulted, how to object, and the objections once decided."""
    w = frame.words
    payload = p.payload
    title = w("publicity", programme=w.programme(payload["programme"]))
    first = day_with_weekday(payload["first_day"], w.lang)
    last = day_with_weekday(payload["last_day"], w.lang)
    window = w("publicity.window", first=first, last=last, days=len(working_days),
               closes=beijing_time(p.closes_at))  # fmt: skip
    state = w("publicity.open") if p.is_open else w("publicity.closed")
    listed = "".join(
        f"<tr><td>{n}</td><td>{_entry_link(e['application_id'], e['name'])}</td>"
        f"<td>{escape(e['proposed_title'])}</td></tr>"
        for n, e in enumerate(payload["entries"], 1)
    )
    answers = {a["payload"]["ministry"]: a["payload"] for a in p.answers}
    consulted = "".join(
        f"<tr><td>{escape(m)}</td><td>"
        + escape(w(f"opinion.{answers[m]['opinion']}") if m in answers else w("consulted.pending"))
        + (
            f"：{escape(answers[m]['remarks'])}"
            if m in answers and answers[m].get("remarks")
            else ""
        )
        + "</td></tr>"
        for m in payload.get("consulted", ())
    )
    days = "、".join(day_with_weekday(d, w.lang) for d in working_days)
    body = (
        f'<p><a href="/publicity">← {escape(w("publicities"))}</a></p><h1>{escape(title)}</h1>'
        f"<p><code>{escape(p.publicity_id)}</code> · "
        f'<a href="/batches/{quote(payload["batch_id"])}">{escape(payload["batch_id"])}</a>'
        f" · <b>{escape(state)}</b> · "
        f"{escape(w('publicity.published', day=payload['published_on']))}</p>"
        f'<p class="notice window">{escape(window)}</p>'
        f"<p>{escape(w('publicity.days', days=days))}</p>"
        f"<h2>{escape(w('publicity.list', n=len(payload['entries'])))}</h2>"
        f"<table><tr><th>#</th><th>{escape(w('col.name'))}</th>"
        f"<th>{escape(w('col.proposed_title'))}</th></tr>{listed}</table>"
        f"<h2>{escape(w('consulted'))}</h2><table><tr><th>{escape(w('consulted'))}</th>"
        f"<th>{escape(w('consulted.answer'))}</th></tr>{consulted}</table>"
        f"<h2>{escape(w('how.to.object'))}</h2>"
        f'<p class="how">{escape(w("how.to.object.text", last=last))}</p>'
        + _objections(w, p)
        + _result(w, p)
    )
    return _page(frame, title, body)


def _objections(w: Words, p: Publicity) -> str:
    decided = [o for o in p.objections.values() if o.decided]
    pending = len(p.objections) - len(decided)
    parts = [f"<h2>{escape(w('objections'))}</h2>"]
    if not p.objections:
        parts.append(f"<p>{escape(w('objections.none'))}</p>")
    if decided:
        names = {e["application_id"]: e["name"] for e in p.payload["entries"]}
        rows = "".join(
            "<tr><td>"
            + _entry_link(
                o.filed["payload"]["application_id"],
                names.get(o.filed["payload"]["application_id"]),
            )
            + f"</td><td>{escape(_source(w, o.filed['payload']['source']))}</td>"
            f"<td>{escape(o.filed['payload']['grounds'])}</td>"
            f'<td class="{escape(o.resolved["payload"]["outcome"]) if o.resolved else ""}">'
            f"{escape(w('outcome.' + o.resolved['payload']['outcome']) if o.resolved else '')}</td>"
            f"<td>{escape(o.resolved['payload']['reasoning'] if o.resolved else '')}</td></tr>"
            for o in decided
        )
        heads = ("col.name", "col.source", "col.grounds", "col.outcome", "col.reasoning")
        parts.append(
            '<table class="objections"><tr>'
            + "".join(f"<th>{escape(w(h))}</th>" for h in heads)
            + f"</tr>{rows}</table>"
        )
    if pending:
        parts.append(f"<p>{escape(w('objections.pending', n=pending))}</p>")
    return "".join(parts)


def _source(w: Words, source: str) -> str:
    return w("source.public") if source == "public" else source


def _result(w: Words, p: Publicity) -> str:
    if p.closed is None:
        return ""
    closed = p.closed["payload"]
    result = w("publicity.result", cleared=len(closed["cleared"]),
               withheld=len(closed.get("withheld", ())))  # fmt: skip
    return (
        f"<p><b>{escape(result)}</b> "
        f'<a href="/events/{p.closed["sequence"]}">#{p.closed["sequence"]}</a></p>'
    )


# --- errors ----------------------------------------------------------------------------------


def error(frame: Frame, status: int, detail: str) -> str:
    """An error as a page: what was not found or not understood, and where to go instead."""
    w = frame.words
    key = {404: "error.404", 422: "error.422"}.get(status, "error.other")
    body = (
        f"<h1>{escape(w('error.title', status=status))}</h1>"
        f'<p class="error">{escape(w(key, detail=detail))}</p>'
        f"<p>{escape(w('error.hint'))}</p>"
        f'<form method="get" action="/" role="search"><input type="search" name="q" '
        f'aria-label="{escape(w("search.placeholder"))}" '
        f'placeholder="{escape(w("search.placeholder"))}">'
        f'<button type="submit">{escape(w("filter"))}</button></form>'
        f'<p><a href="/">{escape(w("back"))}</a></p>'
    )
    return _page(frame, w("error.title", status=status), body)
