"""The registry's web page, rendered on the server with escaped values and no script."""

from __future__ import annotations

import json
from html import escape
from typing import Any
from urllib.parse import quote

from shared.contract.provinces import PROVINCES

STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:2rem;color:#1b1b1b}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;
text-align:left;vertical-align:top}th{background:#f3f3f3}code{font-size:.85em}
.status{font-weight:600}.rejected,.revoked,.disqualified{color:#a11}.titled{color:#161}
form input,form select{margin-right:.5rem}pre{white-space:pre-wrap;margin:0;font-size:.8em}
"""
STATUSES = (
    "submitted",
    "rejected",
    "city_reviewed",
    "recommended",
    "reviewed",
    "publicised",
    "disqualified",
    "withheld",
    "awarded",
    "under_creation",
    "titled",
    "revoked",
)


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title><style>{STYLE}</style></head><body>{body}</body></html>"
    )


def _province(code: str) -> str:
    return f"{PROVINCES.get(code, code)}"


def _select(
    name: str, options: list[tuple[str, str]], chosen: str | None, unset: str | None = None
) -> str:
    rendered = "".join(
        f'<option value="{escape(value)}"{" selected" if value == chosen else ""}>{escape(label)}'
        "</option>"
        for value, label in [("", unset or f"all {name}s"), *options]
    )
    return f'<select name="{name}">{rendered}</select>'


def index(
    entries: list[dict[str, Any]],
    filters: dict[str, str | None],
    events: int,
    batches: list[dict[str, Any]],
    years: list[int],
    domains: list[str],
    year: int | None,
    quarantined: int = 0,
) -> str:
    """The list of applications and bases, filtered; stars are those of ``year``."""
    form = (
        '<form method="get">'
        + _select(
            "programme",
            [("NIID", "NIID 新型工业化"), ("EIDB", "EIDB 新兴产业")],
            filters["programme"],
        )
        + _select("province", sorted((c, n) for c, n in PROVINCES.items()), filters["province"])
        + _select("status", [(s, s) for s in STATUSES], filters["status"])
        + _select("domain", [(d, d) for d in domains], filters["domain"])
        + _select(
            "stars",
            [(str(n), "★" * n) for n in range(5, 0, -1)],
            filters["stars"],
            unset="any stars",
        )
        + _select(
            "year",
            [(str(y), f"stars of {y}") for y in reversed(years)],
            filters["year"],
            unset="stars of the latest year",
        )
        + f'<input name="q" placeholder="name or id" value="{escape(filters["q"] or "")}">'
        + '<button type="submit">Filter</button></form>'
    )
    rows = "".join(
        f'<tr><td><a href="/entries/{escape(e["subject_id"])}"><code>{escape(e["subject_id"])}'
        f"</code></a></td><td>{escape(e['name'] or '')}</td><td>{escape(_province(e['province']))}"
        f"</td><td>{escape(e['programme'] or '')}</td><td>{escape(e['domain'] or '')}</td>"
        f'<td class="status {escape(e["status"])}">{escape(e["status"])}</td>'
        f"<td>{_stars(e, year)}</td><td>{escape(e['since'][:10])}</td></tr>"
        for e in entries
    )
    table = (
        "<table><tr><th>id</th><th>name</th><th>province</th><th>programme</th><th>domain</th>"
        f"<th>status</th><th>stars {year or ''}</th><th>since</th></tr>{rows}</table>"
    )
    body = (
        "<h1>demobase registry</h1><p>National demonstration bases and their applications, "
        f"projected from the event log ({events} events). "
        '<a href="/docs">HTTP API</a> · <a href="/api/digest">digest</a> · '
        '<a href="/revocations">revocations</a> · export <a href="/api/export.csv">CSV</a> '
        '<a href="/api/export.xlsx">xlsx</a> · '
        f'<a href="/quarantine"{_alarm(quarantined)}>quarantine: {quarantined} events</a></p>'
        f"{_batch_links(batches)}{_year_links(years)}{AS_OF_FORM}{form}"
        f"<p>{len(entries)} shown</p>{table}"
    )
    return _page("demobase registry", body)


AS_OF_FORM = (
    '<form method="get" action="/as-of">As it stood on <input name="at" '
    'placeholder="YYYY-MM-DD" required> by <select name="by"><option value="effective">business '
    'time</option><option value="recorded">recording time</option></select>'
    '<button type="submit">Show</button></form>'
)
TIME_NAMES = {"effective": "business time (when each fact took effect)",
              "recorded": "recording time (when each fact was recorded)"}  # fmt: skip


def as_of(answer: dict[str, Any]) -> str:
    """The registry as it stood at a moment, from its history: each entry in the version it had,
    with the sequence that made it, when that took effect and when it was recorded."""
    rows = "".join(
        f'<tr><td><a href="/entries/{escape(e["subject_id"])}"><code>{escape(e["subject_id"])}'
        f"</code></a></td><td>{escape(e['name'] or '')}</td><td>{escape(_province(e['province']))}"
        f"</td><td>{escape(e['programme'] or '')}</td>"
        f'<td class="status {escape(e["status"])}">{escape(e["status"])}</td>'
        f"<td>{escape(e.get('title') or '')}</td>"
        f'<td><a href="/events/{e["sequence"]}">{e["sequence"]}</a></td>'
        f"<td>{escape(e['effective_at'])}</td><td>{escape(e['recorded_at'])}</td></tr>"
        for e in answer["entries"]
    )
    other = "recorded" if answer["by"] == "effective" else "effective"
    here = escape(f"/as-of/{quote(answer['moment'])}")
    partial = (
        f'<p class="rejected">This registry keeps its history from sequence '
        f"{answer['history_from']} on: a rebuild (<code>demobase registry rebuild</code>) holds "
        "all of it.</p>"
        if answer["history_from"] > 1
        else ""
    )
    following = (
        f'<p><a href="{here}?by={escape(answer["by"])}&amp;after={quote(answer["next"])}">next '
        "page</a></p>"
        if answer["next"]
        else ""
    )
    body = (
        f'<p><a href="/">← registry</a></p><h1>As of {escape(answer["moment"])}</h1>'
        f"<p>By {escape(TIME_NAMES[answer['by']])}: {len(answer['entries'])} entries shown, "
        f"from the registry's history ({answer['applied']} events applied). "
        f'<a href="{here}?by={other}">by {other} time</a> · '
        f'<a href="/api{here}?by={escape(answer["by"])}">JSON</a></p>'
        f"{partial}<table><tr><th>id</th><th>name</th><th>province</th><th>programme</th>"
        "<th>status</th><th>title</th><th>version</th><th>took effect</th><th>recorded</th></tr>"
        f"{rows}</table>{following}"
    )
    return _page(f"as of {answer['moment']}", body)


def _alarm(quarantined: int) -> str:
    return ' class="rejected"' if quarantined else ""


def quarantine(rows: list[dict[str, Any]]) -> str:
    """The events of the log the registry could not apply, each with why (issue 12, part 4)."""
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
        '<p><a href="/">← registry</a></p><h1>Quarantine</h1>'
        f"<p>{len(rows)} events of the log that the registry could not apply. Each keeps its "
        "place in the hash chain; the registry went on with the next one. "
        '<a href="/api/quarantine">JSON</a></p>'
        "<table><tr><th>stream</th><th>seq</th><th>subject</th><th>event id</th><th>event</th>"
        f"<th>error</th><th>reason</th><th>bytes (start)</th><th>hash</th></tr>{lines}</table>"
    )
    return _page("quarantine", body)


def _stars(entry: dict[str, Any], year: int | None) -> str:
    rating = entry.get("stars_by_year", {}).get(str(year)) if year else None
    return "★" * rating if rating else ""


def _title_block(entry: dict[str, Any]) -> str:
    if entry["kind"] != "base":
        return ""
    stars = ", ".join(f"{y}: {n}★" for y, n in sorted(entry.get("stars_by_year", {}).items()))
    parts = [
        f"<p>Title: <b>{escape(entry.get('title') or '')}</b></p>",
        f"<p>Tier: {escape(entry.get('tier') or '—')} · plan: "
        f"{escape(entry.get('action_plan') or '—')} · stars: {escape(stars or '—')}</p>",
    ]
    if entry.get("former_names"):
        parts.append(f"<p>Former names: {escape('; '.join(entry['former_names']))}</p>")
    if entry.get("revoked_rule"):
        causes = " ".join(
            f'<a href="/events/{c["stream_sequence"]}">#{c["stream_sequence"]}</a>'
            for c in entry["causing_events"]
        )
        parts.append(
            f'<p class="revoked">Revoked under <b>{escape(entry["revoked_rule"])}</b>: '
            f"{escape(entry.get('revoked_reason') or '')} — caused by {causes}</p>"
        )
    return "".join(parts)


def entry(entry: dict[str, Any]) -> str:
    lines = "".join(
        f'<tr><td><a href="/events/{line["sequence"]}">{line["sequence"]}</a></td>'
        f"<td>{escape(line['event_type'])}</td>"
        f"<td>{escape(line['occurred_at'])}</td><td>{escape(line['recorded_at'])}</td>"
        f"<td>{escape(line['actor'])}</td><td><code>{escape(line['event_id'])}</code></td>"
        f"<td><pre>{escape(json.dumps(line['payload'], ensure_ascii=False, indent=1))}</pre></td>"
        "</tr>"
        for line in entry["timeline"]
    )
    body = (
        f'<p><a href="/">← registry</a></p><h1>{escape(entry["name"] or entry["subject_id"])}</h1>'
        f"<p><code>{escape(entry['subject_id'])}</code> · {escape(_province(entry['province']))} · "
        f"{escape(entry['programme'] or '')} · {escape(entry['domain'] or '')} · "
        f'<span class="status {escape(entry["status"])}">{escape(entry["status"])}</span> · '
        f'correlation <a href="/trace/{escape(entry["correlation_id"])}">'
        f"<code>{escape(entry['correlation_id'])}</code></a></p>"
        f"{_title_block(entry)}{_history(entry)}<h2>Timeline</h2>"
        "<table><tr><th>seq</th><th>event</th><th>occurred</th><th>recorded</th><th>actor</th>"
        f"<th>event id</th><th>payload</th></tr>{lines}</table>"
    )
    return _page(entry["name"] or entry["subject_id"], body)


def _history(entry: dict[str, Any]) -> str:
    """Every version the entry had: the sequence that made it, when it took effect, when it was
    recorded, and what it said."""
    versions = entry.get("history") or []
    if not versions:
        return ""
    rows = "".join(
        f'<tr><td><a href="/events/{v["sequence"]}">{v["sequence"]}</a></td>'
        f"<td>{escape(v['effective_at'])}</td><td>{escape(v['recorded_at'])}</td>"
        f'<td class="status {escape(v["status"])}">{escape(v["status"])}</td>'
        f"<td>{escape(v.get('title') or v.get('name') or '')}</td>"
        f"<td>{escape(v.get('tier') or '')}</td><td>{escape(v.get('revoked_rule') or '')}</td></tr>"
        for v in versions
    )
    return (
        "<h2>History</h2><table><tr><th>version</th><th>took effect</th><th>recorded</th>"
        f"<th>status</th><th>name or title</th><th>tier</th><th>revoked under</th></tr>{rows}"
        "</table>"
    )


def _year_links(years: list[int]) -> str:
    if not years:
        return ""
    return "<p>Evaluations: " + " · ".join(f'<a href="/years/{y}">{y}</a>' for y in years) + "</p>"


def _batch_links(batches: list[dict[str, Any]]) -> str:
    if not batches:
        return ""
    links = " · ".join(
        f'<a href="/batches/{escape(b["batch_id"])}">{escape(b["batch_id"])}</a>' for b in batches
    )
    return f"<p>Batches: {links}</p>"


def batch(batch_id: str, funnel: dict[str, int], quotas: list[dict[str, Any]]) -> str:
    stages = "".join(
        f"<tr><td>{escape(stage.replace('_', ' '))}</td><td>{count}</td></tr>"
        for stage, count in funnel.items()
    )
    rows = "".join(
        f"<tr><td>{escape(_province(q['province']))}</td><td>{escape(q['city'] or '')}</td>"
        f"<td>{escape(q['category'])}</td><td>{q['put_forward']}</td>"
        f"<td>{escape(q['quota'] or 'on merit')}</td></tr>"
        for q in quotas
    )
    body = (
        f'<p><a href="/">← registry</a></p><h1>Batch {escape(batch_id)}</h1><h2>Funnel</h2>'
        f"<table><tr><th>stage</th><th>applications</th></tr>{stages}</table>"
        "<h2>Put forward against quota (R-QUOTAS)</h2><table><tr><th>province</th><th>city</th>"
        f"<th>category</th><th>put forward</th><th>quota</th></tr>{rows}</table>"
    )
    return _page(f"batch {batch_id}", body)


def _star_table(title: str, table: dict[str, dict[str, int]], label: Any = str) -> str:
    rows = "".join(
        f"<tr><td>{escape(label(key))}</td>"
        + "".join(f"<td>{counts.get(str(n), 0)}</td>" for n in range(5, 0, -1))
        + "</tr>"
        for key, counts in table.items()
    )
    head = "".join(f"<th>{n}★</th>" for n in range(5, 0, -1))
    return f"<h2>{escape(title)}</h2><table><tr><th></th>{head}</tr>{rows}</table>"


def year(
    year: int,
    by_province: dict[str, dict[str, int]],
    by_domain: dict[str, dict[str, int]],
    five_star: list[dict[str, Any]],
) -> str:
    listed = "".join(
        f'<li><a href="/entries/{escape(b["base_id"])}">{escape(b["title"])}</a></li>'
        for b in five_star
    )
    body = (
        f'<p><a href="/">← registry</a></p><h1>Evaluation {year}</h1>'
        f"<h2>Five-star bases (R-FIVE-STAR-LIST): {len(five_star)}</h2><ol>{listed}</ol>"
        + _star_table("Stars by province", by_province, _province)
        + _star_table("Stars by domain", by_domain)
    )
    return _page(f"evaluation {year}", body)


def revocations(rows: list[dict[str, Any]]) -> str:
    lines = "".join(
        f'<tr><td><a href="/entries/{escape(r["base_id"])}">{escape(r["title"])}</a></td>'
        f"<td>{escape(r['rule_id'])}</td><td>{escape(r['reason'])}</td><td>"
        + " ".join(
            f'<a href="/events/{c["stream_sequence"]}">#{c["stream_sequence"]}</a>'
            for c in r["causing_events"]
        )
        + "</td></tr>"
        for r in rows
    )
    body = (
        '<p><a href="/">← registry</a></p><h1>Revoked titles</h1><table><tr><th>base</th>'
        f"<th>rule</th><th>reason</th><th>causing events</th></tr>{lines}</table>"
    )
    return _page("revoked titles", body)


def event(line: dict[str, Any]) -> str:
    body = (
        f'<p><a href="/entries/{escape(line["subject_id"])}">← {escape(line["subject_id"])}</a></p>'
        f"<h1>#{line['sequence']} {escape(line['event_type'])}</h1>"
        f"<p>event <code>{escape(line['event_id'])}</code> · actor {escape(line['actor'])} · "
        f"occurred {escape(line['occurred_at'])} · recorded {escape(line['recorded_at'])} · "
        f"hash <code>{escape(line['event_hash'][:16])}…</code> · "
        f'<a href="/trace/{escape(line["correlation_id"])}">the whole decision</a></p>'
        f"<pre>{escape(json.dumps(line['payload'], ensure_ascii=False, indent=1))}</pre>"
    )
    return _page(f"event {line['sequence']}", body)


def trace(asked: str, lines: list[dict[str, Any]]) -> str:
    """One decision's events across the services: what each caused, in log order."""
    rows = "".join(
        f'<tr><td><a href="/events/{line["sequence"]}">{line["sequence"]}</a></td>'
        f"<td>{escape(line['event_type'])}</td>"
        f'<td><a href="/entries/{escape(line["subject_id"])}">{escape(line["subject_id"])}</a></td>'
        f"<td>{escape(line['actor'])}</td><td>{escape(line['occurred_at'])}</td>"
        f"<td><code>{escape(str(line['causation_id'] or ''))}</code></td></tr>"
        for line in lines
    )
    body = (
        '<p><a href="/">← registry</a></p><h1>One decision across the services</h1>'
        f"<p>correlation <code>{escape(lines[0]['correlation_id'])}</code> "
        f"(asked: <code>{escape(asked)}</code>), {len(lines)} events</p>"
        "<table><tr><th>seq</th><th>event</th><th>subject</th><th>actor</th><th>occurred</th>"
        f"<th>caused by</th></tr>{rows}</table>"
    )
    return _page("trace", body)
