"""Reading the registry: lists with filters, one entry with its timeline and history, the registry
as it stood at a moment by either time (from the history, no replay), the canonical export."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from services.registry import quarantine, titles
from services.registry.adapters.db import Cursor, Database
from services.registry.projections import VERSION_COLUMNS, canonical_json, instant, position
from shared.contract.subjects import EVENTS_STREAM

ENTRY_COLUMNS = (
    "subject_id",
    "kind",
    "province",
    "name",
    "programme",
    "category",
    "domain",
    "city",
    "batch_id",
    "applicant",
    "status",
    "since",
    "last_sequence",
    "correlation_id",
    "effective_at",
    "recorded_at",
)
TIMELINE_COLUMNS = (
    "sequence",
    "event_id",
    "event_type",
    "schema_version",
    "subject_id",
    "province",
    "actor",
    "occurred_at",
    "recorded_at",
    "correlation_id",
    "causation_id",
    "status",
    "payload",
    "event_hash",
    "chain",
)
FILTERS = ("programme", "province", "status", "domain", "kind", "batch_id")


def _entry(row: tuple[Any, ...]) -> dict[str, Any]:
    entry = dict(zip(ENTRY_COLUMNS, row, strict=True))
    entry["id"] = entry["subject_id"]
    return entry


def _line(row: tuple[Any, ...]) -> dict[str, Any]:
    line = dict(zip(TIMELINE_COLUMNS, row, strict=True))
    line["payload"] = json.loads(line["payload"])
    return line


FRAUD_REJECTED = (
    "SELECT subject_id FROM {p}timeline WHERE event_type = 'ApplicationRejected' AND payload LIKE ?"
)
FRAUD_PATTERN = '%"rule_id":"R-FRAUD"%'
"""A reason under R-FRAUD in a payload's canonical JSON (a parameter: PostgreSQL's driver reads
a literal percent sign as a placeholder)."""
"""Applications refused for fraud (R-FRAUD) at whichever stage: the funnel counts them as
disqualified (``selection._stages``), and so do the list and its filter (their ``standing``)."""


def _status_clause(p: str, status: str) -> tuple[str, tuple[str, ...]]:
    """The filter on a status as the funnel counts it: ``disqualified`` holds the applications
    refused for fraud, which the projection keeps as ``rejected``; ``rejected`` no longer does."""
    fraud = FRAUD_REJECTED.format(p=p)
    if status == "disqualified":
        return (
            f"(status = ? OR (status = 'rejected' AND subject_id IN ({fraud})))",
            (status, FRAUD_PATTERN),
        )
    if status == "rejected":
        return f"(status = ? AND subject_id NOT IN ({fraud}))", (status, FRAUD_PATTERN)
    return "status = ?", (status,)


def _search_clause(p: str, q: str) -> tuple[str, tuple[str, ...]]:
    """Entries whose id, name, applicant, title or any former name holds ``q`` (any case): a
    renamed base is found by its new name and by its old one."""
    like = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    holds = "LIKE ? ESCAPE '\\'"
    return (
        f"(LOWER(subject_id) {holds} OR LOWER(name) {holds} OR LOWER(applicant) {holds} "
        f"OR subject_id IN (SELECT base_id FROM {p}titles WHERE LOWER(title) {holds}) "
        f"OR subject_id IN (SELECT base_id FROM {p}former_names WHERE LOWER(name) {holds}))",
        (like,) * 5,
    )


def list_entries(
    db: Database,
    *,
    stars: int | None = None,
    year: int | None = None,
    q: str | None = None,
    **filters: str | None,
) -> list[dict[str, Any]]:
    """Applications and bases, filtered by any of :data:`FILTERS`, ordered by id.

    ``stars`` keeps the bases rated that many stars (R-STARS) in ``year``, by default the latest
    year with results. ``q`` searches ids, names, titles and former names. Each entry's
    ``standing`` is its status as the funnel counts it (``disqualified`` for a fraud refusal).
    """
    p = db.table_prefix
    wanted = {key: value for key, value in filters.items() if key in FILTERS and value}
    clauses: list[str] = []
    values: list[str] = []
    for key, value in wanted.items():
        clause, given = _status_clause(p, value) if key == "status" else (f"{key} = ?", (value,))
        clauses.append(clause)
        values.extend(given)
    if q and q.strip():
        clause, given = _search_clause(p, q.strip())
        clauses.append(clause)
        values.extend(given)
    where = " AND ".join(clauses) or "1 = 1"
    with db.snapshot() as cursor:
        cursor.execute(
            f"SELECT {', '.join(ENTRY_COLUMNS)} FROM {p}entries WHERE {where} ORDER BY subject_id",
            tuple(values),
        )
        entries = [_entry(row) for row in cursor.fetchall()]
        cursor.execute(FRAUD_REJECTED.format(p=p), (FRAUD_PATTERN,))
        fraud = {str(row[0]) for row in cursor.fetchall()}
    for entry in entries:
        rejected = entry["status"] == "rejected" and entry["subject_id"] in fraud
        entry["standing"] = "disqualified" if rejected else entry["status"]
    entries = with_titles(db, entries)
    if stars is not None:
        return rated(entries, stars, year or max(titles.years(db), default=0))
    return entries


def rated(entries: list[dict[str, Any]], stars: int, year: int) -> list[dict[str, Any]]:
    """The entries rated ``stars`` in ``year``."""
    return [e for e in entries if e.get("stars_by_year", {}).get(str(year)) == stars]


def domains(db: Database) -> list[str]:
    """Every domain (示范领域 / 示范内容) an entry names."""
    with db.snapshot() as cursor:
        cursor.execute(
            f"SELECT DISTINCT domain FROM {db.table_prefix}entries "
            "WHERE domain IS NOT NULL ORDER BY domain"
        )
        return [str(row[0]) for row in cursor.fetchall()]


def with_titles(db: Database, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Bases carry their title record: stars by year, former names, tier, revocation."""
    records = titles.title_records(db)
    for entry in entries:
        if entry["kind"] == "base" and entry["subject_id"] in records:
            entry.update(records[entry["subject_id"]])
    return entries


def find_entry(db: Database, id_or_prefix: str) -> dict[str, Any] | None:
    """One entry with its timeline, by its id, an unambiguous prefix, or any name it bore."""
    id_or_prefix = titles.find_by_name(db, id_or_prefix) or id_or_prefix
    with db.snapshot() as cursor:
        cursor.execute(
            f"SELECT {', '.join(ENTRY_COLUMNS)} FROM {db.table_prefix}entries "
            "WHERE subject_id = ? OR subject_id LIKE ? ORDER BY subject_id LIMIT 2",
            (id_or_prefix, id_or_prefix + "%"),
        )
        rows = cursor.fetchall()
        exact = [row for row in rows if row[0] == id_or_prefix]
        if not exact and len(rows) != 1:
            return None
        entry = _entry(exact[0] if exact else rows[0])
        p = db.table_prefix
        cursor.execute(
            f"SELECT {', '.join(TIMELINE_COLUMNS)} FROM {p}timeline WHERE subject_id = ? OR "
            f"sequence IN (SELECT sequence FROM {p}links WHERE subject_id = ?) ORDER BY sequence",
            (entry["subject_id"], entry["subject_id"]),
        )
        entry["timeline"] = [_line(row) for row in cursor.fetchall()]
        entry["history"] = _history(cursor, p, entry["subject_id"])
    fraud = any(
        line["event_type"] == "ApplicationRejected"
        and line["subject_id"] == entry["subject_id"]
        and any(r.get("rule_id") == "R-FRAUD" for r in line["payload"].get("reasons", ()))
        for line in entry["timeline"]
    )
    entry["standing"] = (
        "disqualified" if entry["status"] == "rejected" and fraud else entry["status"]
    )
    return with_titles(db, [entry])[0]


HISTORY_SHOWN = ("sequence", "effective_at", "recorded_at", "status", "since", "name", "title",
                 "tier", "revoked_rule")  # fmt: skip
"""What an entry's history shows of each version (the whole version is in the export)."""


def _history(cursor: Cursor, prefix: str, subject_id: str) -> list[dict[str, Any]]:
    cursor.execute(
        f"SELECT {', '.join(HISTORY_SHOWN)} FROM {prefix}history WHERE subject_id = ? "
        "ORDER BY sequence",
        (subject_id,),
    )
    return [dict(zip(HISTORY_SHOWN, row, strict=True)) for row in cursor.fetchall()]


Time = Literal["effective", "recorded"]
TIMES: dict[str, str] = {"effective": "effective_at", "recorded": "recorded_at"}
"""The two times an as-of question can be asked by: business time (when a fact took effect, the
default) and recording time (when the owning service recorded it)."""


def moment_of(text: str) -> datetime:
    """A moment as people write it: ``YYYY-MM-DD``, ``YYYY-MM-DDTHH:MM[:SS]``, with an offset or
    ``Z``; without one it is UTC. A ValueError names what is wrong."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"{text!r} is no moment: write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS, optionally with an "
            "offset such as +08:00 (UTC without one)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


ENTRY_CONSTANTS = ("kind", "province")
"""Filters on what an entry never changes: asked of the entry, before any version is sought."""
CHUNK = 5000
"""Entries sought in one query when a whole list is asked for."""


@functools.cache
def _as_of_sql(
    prefix: str, column: str, constant: tuple[str, ...], changing: tuple[str, ...]
) -> str:
    """Entries by id after a given one (``chunk`` of them), each with its latest version at or
    before a time and made by an event up to a sequence, or none (none by then, or not as the
    filters ask): per entry, two seeks in the index on (subject_id, time, sequence) give that
    version's key, and a third fetches it. An entry without such a version still comes, with
    NULLs, so that the next chunk starts after it.
    """
    seek = f"""FROM {prefix}history x WHERE x.subject_id = e.subject_id AND x.{column} <= ?
               AND x.sequence <= ? ORDER BY x.{column} DESC, x.sequence DESC LIMIT 1"""
    return f"""SELECT v.subject_id, {", ".join(f"h.{c}" for c in VERSION_COLUMNS)} FROM (
            SELECT e.subject_id, (SELECT x.effective_at {seek}) AS effective_at,
                (SELECT x.sequence {seek}) AS sequence FROM {prefix}entries e
            WHERE e.subject_id > ?{"".join(f" AND e.{key} = ?" for key in constant)}
            ORDER BY e.subject_id LIMIT {{chunk}}) v
        LEFT JOIN {prefix}history h ON h.subject_id = v.subject_id
            AND h.effective_at = v.effective_at AND h.sequence = v.sequence
            {"".join(f" AND h.{key} = ?" for key in changing)}
        ORDER BY v.subject_id"""


ALL_SEQUENCES = 2**62
"""A bound above every stream sequence: no ``through`` asked, every version is read (the history
and the position are written in one transaction, so that is what ``through`` says)."""


def as_of(
    db: Database,
    moment: datetime,
    *,
    by: Time = "effective",
    stars: int | None = None,
    year: int | None = None,
    limit: int | None = None,
    after: str | None = None,
    through: int | None = None,
    **filters: str | None,
) -> dict[str, Any]:
    """The registry as it stood at ``moment`` by business time (``by="effective"``) or by
    recording time (``"recorded"``): every entry in its latest version at or before it, with its
    base's title, stars and former names as they were, filtered like :func:`list_entries`.

    One indexed query over the history answers a page (:func:`_as_of_sql`): per entry, seeks in
    the history's key (subject_id, effective_at, sequence) or its index (subject_id, recorded_at,
    sequence) find its version; no replay, on the live registry or a rebuilt one. Its cost
    follows the entries asked for, not the length of the log: ``limit`` entries by id after
    ``after`` (``next`` names where the following page starts, None after the last). Each entry
    shows the sequence of its version, when it took effect and when it was recorded.
    ``history_from`` is 1 unless this registry was made before the history was kept (its earlier
    versions are then missing until a rebuild). ``stars`` keeps the bases rated that many stars
    in ``year`` (by default the latest year rated among them) then.

    ``through`` reads only the versions made by the events up to that sequence (by default all
    the registry has applied); the answer says which (``through``), and the following pages of
    one answer ask for the same, so that a registry applying meanwhile cannot show a later page
    from a later state than the first.
    """
    wanted = {key: value for key, value in filters.items() if key in FILTERS and value}
    constant = {key: value for key, value in wanted.items() if key in ENTRY_CONSTANTS}
    changing = {key: value for key, value in wanted.items() if key not in ENTRY_CONSTANTS}
    sql = _as_of_sql(db.table_prefix, TIMES[by], tuple(constant), tuple(changing))
    chunk = limit + 1 if limit is not None else CHUNK
    versions: list[dict[str, Any]] = []
    scanned = after or ""
    p = db.table_prefix
    with db.snapshot() as cursor:
        done, _ = position(cursor, p, EVENTS_STREAM)
        bound = done if through is None else min(through, done)
        read_to = ALL_SEQUENCES if through is None else bound
        at = instant(moment)
        while limit is None or len(versions) <= limit:
            cursor.execute(
                sql.format(chunk=chunk),
                (at, read_to, at, read_to, scanned, *constant.values(), *changing.values()),
            )
            rows = cursor.fetchall()
            versions += [dict(zip(VERSION_COLUMNS, row[1:], strict=True)) for row in rows if row[1]]
            if len(rows) < chunk:
                break
            scanned = rows[-1][0]
        following = None
        if limit is not None and len(versions) > limit:
            versions = versions[:limit]
            following = versions[-1]["subject_id"] if versions else None
        titled = {v["subject_id"]: v["sequence"] for v in versions if v["title"] is not None}
        marks = titles.marks_until(cursor, p, titled)
        cursor.execute(f"SELECT MIN(sequence) FROM {p}history_start")
        start = cursor.fetchone()
    entries = [_as_it_was(version, marks) for version in versions]
    if stars is not None:
        entries = rated(entries, stars, year or max(marks.years, default=0))
    return {
        "moment": instant(moment),
        "by": by,
        "applied": done,
        "through": bound,
        "history_from": int(start[0]) if start and start[0] is not None else 1,
        "entries": entries,
        "next": following,
    }


def _as_it_was(version: dict[str, Any], marks: titles.Marks) -> dict[str, Any]:
    """A version in the shape of an entry of :func:`list_entries`, with the sequence that made
    it and (for a base with a title) its title record as it was."""
    causes = version.pop("revoked_causes")
    title_fields = {key: version.pop(key) for key in titles.VERSIONED}
    entry = {**version, "id": version["subject_id"], "last_sequence": version["sequence"]}
    if title_fields["title"] is not None:
        base_id = version["subject_id"]
        entry.update(
            title_fields,
            stars_by_year=marks.stars.get(base_id, {}),
            former_names=marks.former_names.get(base_id, []),
            causing_events=json.loads(causes) if causes else [],
        )
    return entry


def timeline_of_types(db: Database, event_types: tuple[str, ...]) -> list[dict[str, Any]]:
    """Every event of the given types, in log order (publicities, for their public page)."""
    marks = ", ".join("?" for _ in event_types)
    with db.snapshot() as cursor:
        cursor.execute(
            f"SELECT {', '.join(TIMELINE_COLUMNS)} FROM {db.table_prefix}timeline "
            f"WHERE event_type IN ({marks}) ORDER BY sequence",
            event_types,
        )
        return [_line(row) for row in cursor.fetchall()]


def sequences_of(db: Database, event_ids: list[str]) -> dict[str, int]:
    """The stream sequence of each event id the registry holds (a cause's link)."""
    found: dict[str, int] = {}
    wanted = sorted(set(event_ids))
    with db.snapshot() as cursor:
        for first in range(0, len(wanted), titles.CHUNK):
            chunk = wanted[first : first + titles.CHUNK]
            cursor.execute(
                f"SELECT event_id, sequence FROM {db.table_prefix}timeline "
                f"WHERE event_id IN ({', '.join('?' for _ in chunk)})",
                chunk,
            )
            found.update((str(e), int(s)) for e, s in cursor.fetchall())
    return found


def event_line(db: Database, sequence: int) -> dict[str, Any] | None:
    """One event of the log as the registry recorded it, by its stream sequence."""
    with db.snapshot() as cursor:
        cursor.execute(
            f"SELECT {', '.join(TIMELINE_COLUMNS)} FROM {db.table_prefix}timeline "
            "WHERE sequence = ?",
            (sequence,),
        )
        row = cursor.fetchone()
    return None if row is None else _line(row)


def trace(db: Database, event_or_correlation_id: str) -> list[dict[str, Any]]:
    """Every event of one decision, across the services, in log order.

    Given an event id, the events that share its ``correlation_id``; given a correlation id (the
    ``command_id``-born id that log lines carry too), its events. Empty if the log has none.
    """
    with db.snapshot() as cursor:
        cursor.execute(
            f"SELECT correlation_id FROM {db.table_prefix}timeline WHERE event_id = ?",
            (event_or_correlation_id,),
        )
        found = cursor.fetchone()
        correlation_id = found[0] if found else event_or_correlation_id
        cursor.execute(
            f"SELECT {', '.join(TIMELINE_COLUMNS)} FROM {db.table_prefix}timeline "
            "WHERE correlation_id = ? ORDER BY sequence",
            (correlation_id,),
        )
        return [_line(row) for row in cursor.fetchall()]


def applied(db: Database, stream: str) -> tuple[int, str]:
    """The last sequence applied and the head of the hash chain."""
    with db.snapshot() as cursor:
        return position(cursor, db.table_prefix, stream)


def export_lines(db: Database) -> Iterator[str]:
    """The canonical export: every entry by id, every timeline line by sequence, links, titles,
    batches, then every quarantined event by sequence (none: no line)."""
    with db.snapshot() as cursor:
        lines = list(_export(cursor, db.table_prefix))
    yield from lines


def history_lines(db: Database) -> Iterator[str]:
    """The history in canonical lines: every version by entry and sequence (the order of the
    history's key, as each entry's versions take effect in sequence)."""
    with db.snapshot() as cursor:
        lines = list(_history_lines(cursor, db.table_prefix))
    yield from lines


def _history_lines(cursor: Cursor, prefix: str) -> Iterator[str]:
    versions = (
        f"SELECT {', '.join(VERSION_COLUMNS)} FROM {prefix}history "
        "ORDER BY subject_id, effective_at, sequence"  # its key: as its sequence orders it
    )
    for row in _rows(cursor, versions):  # streamed: it is the longest table
        yield canonical_json({"version": dict(zip(VERSION_COLUMNS, row, strict=True))})


ROWS_AT_ONCE = 1000
"""Rows fetched from the store at a time while the export streams: its memory stays flat."""


def _rows(cursor: Cursor, sql: str) -> Iterator[tuple[Any, ...]]:
    """The rows of one query, in its order, :data:`ROWS_AT_ONCE` at a time. The cursor is read to
    the end before the caller executes anything else on it."""
    cursor.execute(sql)
    while rows := cursor.fetchmany(ROWS_AT_ONCE):
        yield from rows


def _export(cursor: Cursor, prefix: str) -> Iterator[str]:
    """The export's lines, each table streamed in its order, one table after the other, in one
    snapshot (the caller's): the lines and their order are those of reading every table whole."""
    entries = f"SELECT {', '.join(ENTRY_COLUMNS)} FROM {prefix}entries ORDER BY subject_id"
    for row in _rows(cursor, entries):
        yield canonical_json({"entry": dict(zip(ENTRY_COLUMNS, row, strict=True))})
    timeline = f"SELECT {', '.join(TIMELINE_COLUMNS)} FROM {prefix}timeline ORDER BY sequence"
    for row in _rows(cursor, timeline):
        yield canonical_json({"event": _line(row)})
    links = f"SELECT sequence, subject_id, status FROM {prefix}links ORDER BY sequence, subject_id"
    for sequence, subject_id, status in _rows(cursor, links):
        yield canonical_json(
            {"link": {"sequence": sequence, "subject_id": subject_id, "status": status}}
        )
    for table in titles.TABLES:
        for row in _rows(cursor, f"SELECT * FROM {prefix}{table} ORDER BY 1, 2"):
            yield canonical_json({table: list(row)})
    batches = (
        f"SELECT batch_id, province, sequence, data FROM {prefix}batches "
        "ORDER BY batch_id, province"
    )
    for batch_id, province, sequence, data in _rows(cursor, batches):
        yield canonical_json(
            {
                "batch": {
                    "batch_id": batch_id,
                    "province": province,
                    "sequence": sequence,
                    "data": json.loads(data),
                }
            }
        )
    for kept in quarantine.rows(cursor, prefix):  # events set aside: a handful, read whole
        yield canonical_json({"quarantined": kept})


def _digested(prefix: str) -> list[tuple[str, str]]:
    """What the digest covers, table by table: a name and the query of its rows in key order."""

    def every(table: str, columns: Sequence[str], order: str) -> tuple[str, str]:
        return table, f"SELECT {', '.join(columns)} FROM {prefix}{table} ORDER BY {order}"

    return [
        every("entries", ENTRY_COLUMNS, "subject_id"),
        every("timeline", TIMELINE_COLUMNS, "sequence"),
        every("links", ("sequence", "subject_id", "status"), "sequence, subject_id"),
        *(every(table, ("*",), "1, 2") for table in titles.TABLES),
        every("batches", ("batch_id", "province", "sequence", "data"), "batch_id, province"),
        every("history", VERSION_COLUMNS, "subject_id, effective_at, sequence"),
    ]


ROWS_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
"""A row as the digest spells it: a JSON array of its values, in the canonical spelling."""


def digest(db: Database) -> str:
    """SHA-256 of every table of the registry, read in one snapshot: equal for a live registry
    and its rebuild, so a rebuild proves the history too.

    Each table is a line with its name, then each of its rows in key order as a JSON array of
    its values followed by a comma (the payloads as the registry stores them, in their canonical
    spelling), then the quarantine as in the export. The rows are spelled
    :data:`ROWS_AT_ONCE` at a time, by one call of the C encoder each, and where one group ends
    changes nothing in the text hashed."""
    hasher = hashlib.sha256()
    with db.snapshot() as cursor:
        for table, query in _digested(db.table_prefix):
            hasher.update(f"{canonical_json({'table': table})}\n".encode())
            cursor.execute(query)
            while rows := cursor.fetchmany(ROWS_AT_ONCE):
                hasher.update(ROWS_JSON.encode(rows)[1:-1].encode())
                hasher.update(b",")
        hasher.update(f"{canonical_json({'table': 'quarantine'})}\n".encode())
        for kept in quarantine.rows(cursor, db.table_prefix):  # a handful, read whole
            hasher.update(f"{canonical_json(kept)}\n".encode())
    return hasher.hexdigest()
