"""The registry's web page, rendered on the server with escaped values and no script."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from shared.contract.provinces import PROVINCES

STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:2rem;color:#1b1b1b}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;
text-align:left;vertical-align:top}th{background:#f3f3f3}code{font-size:.85em}
.status{font-weight:600}.rejected,.revoked{color:#a11}.titled{color:#161}
form input,form select{margin-right:.5rem}pre{white-space:pre-wrap;margin:0;font-size:.8em}
"""
STATUSES = ("submitted", "rejected", "recommended", "reviewed", "publicised", "titled", "revoked")


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title><style>{STYLE}</style></head><body>{body}</body></html>"
    )


def _province(code: str) -> str:
    return f"{PROVINCES.get(code, code)}"


def _select(name: str, options: list[tuple[str, str]], chosen: str | None) -> str:
    rendered = "".join(
        f'<option value="{escape(value)}"{" selected" if value == chosen else ""}>{escape(label)}'
        "</option>"
        for value, label in [("", f"all {name}s"), *options]
    )
    return f'<select name="{name}">{rendered}</select>'


def index(
    entries: list[dict[str, Any]],
    filters: dict[str, str | None],
    events: int,
    batches: list[dict[str, Any]],
) -> str:
    form = (
        '<form method="get">'
        + _select(
            "programme",
            [("NIID", "NIID 新型工业化"), ("EIDB", "EIDB 新兴产业")],
            filters["programme"],
        )
        + _select("province", sorted((c, n) for c, n in PROVINCES.items()), filters["province"])
        + _select("status", [(s, s) for s in STATUSES], filters["status"])
        + f'<input name="q" placeholder="name or id" value="{escape(filters["q"] or "")}">'
        + '<button type="submit">Filter</button></form>'
    )
    rows = "".join(
        f'<tr><td><a href="/entries/{escape(e["subject_id"])}"><code>{escape(e["subject_id"])}'
        f"</code></a></td><td>{escape(e['name'] or '')}</td><td>{escape(_province(e['province']))}"
        f"</td><td>{escape(e['programme'] or '')}</td><td>{escape(e['domain'] or '')}</td>"
        f'<td class="status {escape(e["status"])}">{escape(e["status"])}</td>'
        f"<td>{escape(e['since'][:10])}</td></tr>"
        for e in entries
    )
    table = (
        "<table><tr><th>id</th><th>name</th><th>province</th><th>programme</th><th>domain</th>"
        f"<th>status</th><th>since</th></tr>{rows}</table>"
    )
    body = (
        "<h1>demobase registry</h1><p>National demonstration bases and their applications, "
        f"projected from the event log ({events} events). "
        '<a href="/docs">HTTP API</a> · <a href="/api/digest">digest</a></p>'
        f"{_batch_links(batches)}{form}<p>{len(entries)} shown</p>{table}"
    )
    return _page("demobase registry", body)


def entry(entry: dict[str, Any]) -> str:
    lines = "".join(
        f"<tr><td>{line['sequence']}</td><td>{escape(line['event_type'])}</td>"
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
        f"correlation <code>{escape(entry['correlation_id'])}</code></p><h2>Timeline</h2>"
        "<table><tr><th>seq</th><th>event</th><th>occurred</th><th>recorded</th><th>actor</th>"
        f"<th>event id</th><th>payload</th></tr>{lines}</table>"
    )
    return _page(entry["name"] or entry["subject_id"], body)


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
