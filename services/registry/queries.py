"""Reading the registry: lists with filters, one entry with its timeline, the canonical export."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from services.registry import quarantine, titles
from services.registry.adapters.db import Cursor, Database
from services.registry.projections import canonical_json, position

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


def list_entries(
    db: Database, *, stars: int | None = None, year: int | None = None, **filters: str | None
) -> list[dict[str, Any]]:
    """Applications and bases, filtered by any of :data:`FILTERS`, ordered by id.

    ``stars`` keeps the bases rated that many stars (R-STARS) in ``year``, by default the latest
    year with results.
    """
    wanted = {key: value for key, value in filters.items() if key in FILTERS and value}
    where = " AND ".join(f"{key} = ?" for key in wanted) or "1 = 1"
    with db.snapshot() as cursor:
        cursor.execute(
            f"SELECT {', '.join(ENTRY_COLUMNS)} FROM {db.table_prefix}entries "
            f"WHERE {where} ORDER BY subject_id",
            tuple(wanted.values()),
        )
        entries = [_entry(row) for row in cursor.fetchall()]
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
    return with_titles(db, [entry])[0]


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
        cursor.execute(
            f"SELECT {', '.join(ENTRY_COLUMNS)} FROM {db.table_prefix}entries ORDER BY subject_id"
        )
        entries = cursor.fetchall()
        cursor.execute(
            f"SELECT {', '.join(TIMELINE_COLUMNS)} FROM {db.table_prefix}timeline ORDER BY sequence"
        )
        timeline = cursor.fetchall()
        cursor.execute(
            f"SELECT sequence, subject_id, status FROM {db.table_prefix}links "
            "ORDER BY sequence, subject_id"
        )
        links = cursor.fetchall()
        cursor.execute(
            f"SELECT batch_id, province, sequence, data FROM {db.table_prefix}batches "
            "ORDER BY batch_id, province"
        )
        batches = cursor.fetchall()
        title_tables = {table: _all_rows(cursor, f"{db.table_prefix}{table}")
                        for table in titles.TABLES}  # fmt: skip
        quarantined = quarantine.rows(cursor, db.table_prefix)
    for row in entries:
        yield canonical_json({"entry": dict(zip(ENTRY_COLUMNS, row, strict=True))})
    for row in timeline:
        yield canonical_json({"event": _line(row)})
    for sequence, subject_id, status in links:
        yield canonical_json(
            {"link": {"sequence": sequence, "subject_id": subject_id, "status": status}}
        )
    for table, rows in title_tables.items():
        for row in rows:
            yield canonical_json({table: list(row)})
    for batch_id, province, sequence, data in batches:
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
    for kept in quarantined:
        yield canonical_json({"quarantined": kept})


def _all_rows(cursor: Cursor, table: str) -> list[tuple[Any, ...]]:
    cursor.execute(f"SELECT * FROM {table} ORDER BY 1, 2")
    return cursor.fetchall()


def digest(db: Database) -> str:
    """SHA-256 of the canonical export: equal for a live registry and its rebuild."""
    hasher = hashlib.sha256()
    for line in export_lines(db):
        hasher.update(line.encode())
        hasher.update(b"\n")
    return hasher.hexdigest()
