"""The quarantine: events of the log that the registry could not apply, kept and shown.

No event can stop the registry (issue 12, part 4). An event that cannot be parsed, breaks the
envelope contract, names an unknown type, or conflicts with what the registry holds (a second
``StarRated`` of one base and year) is recorded here with a reason a person can read, and the
projection goes on with the next one. The hash chain still links the event's bytes, and the rows
of this table are part of the digest, so a rebuild still equals the live registry.

Everything written derives from the event and the registry's state alone (no wall clock, no
engine-specific wording), so the same log gives the same rows on SQLite and on PostgreSQL.

Each row names the event's sequence, the subject it was published on and the reason; the
registry's page (``/quarantine``), ``/api/quarantine``, ``demobase status`` and ``/metrics`` show
them. The metrics keep to bounded labels (the count, the last sequence, the count by context and
error type): a subject or a reason written by a publisher is no label.
"""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

import psycopg
import structlog
from prometheus_client import Gauge
from pydantic import ValidationError

from services.registry.adapters.db import Cursor, Database
from shared.contract.envelope import DuplicateKeyError, UnknownEventTypeError, loads_strict
from shared.contract.subjects import CONTEXTS

log = structlog.get_logger()

QUARANTINED = Gauge(
    "demobase_registry_quarantined_events",
    "Events of the log the registry could not apply, kept in its quarantine",
)
LAST_QUARANTINED = Gauge(
    "demobase_registry_quarantine_last_sequence",
    "Stream sequence of the latest event the registry quarantined (0: none)",
)
QUARANTINED_BY_KIND = Gauge(
    "demobase_registry_quarantined_by_kind",
    "Quarantined events by the context of their subject and the kind of error",
    ["context", "error_type"],
)

COLUMNS = (
    "stream",
    "sequence",
    "subject",
    "event_id",
    "event_type",
    "error_type",
    "reason",
    "excerpt",
    "event_hash",
    "chain",
)
REASON_LIMIT = 1000
EXCERPT_LIMIT = 500
SUBJECT_LIMIT = 500


def schema(prefix: str) -> list[str]:
    return [
        f"""CREATE TABLE IF NOT EXISTS {prefix}quarantine (
            stream TEXT NOT NULL, sequence BIGINT NOT NULL, event_id TEXT, event_type TEXT,
            error_type TEXT NOT NULL, reason TEXT NOT NULL, excerpt TEXT NOT NULL,
            event_hash TEXT NOT NULL, chain TEXT NOT NULL, subject TEXT,
            PRIMARY KEY (stream, sequence))"""
    ]


def upgrade(cursor: Cursor, prefix: str) -> None:
    """A quarantine table made before the subject was kept gets its column (empty in old rows)."""
    cursor.execute("SAVEPOINT quarantine_columns")
    try:
        cursor.execute(f"SELECT subject FROM {prefix}quarantine WHERE 1 = 0")
    except (sqlite3.OperationalError, psycopg.errors.UndefinedColumn):
        cursor.execute("ROLLBACK TO SAVEPOINT quarantine_columns")
        cursor.execute(f"ALTER TABLE {prefix}quarantine ADD COLUMN subject TEXT")
    cursor.execute("RELEASE SAVEPOINT quarantine_columns")


def record(
    cursor: Cursor,
    prefix: str,
    stream: str,
    sequence: int,
    data: bytes,
    error: Exception,
    link: tuple[str, str],
    subject: str | None = None,
) -> None:
    """Keep the event at ``sequence`` (published on ``subject``) that failed with ``error``;
    ``link`` is its (event hash, chain link). Caller commits, with the position."""
    event_id, event_type = readable_ids(data)
    error_type, reason = describe(error, prefix)
    excerpt = data[:EXCERPT_LIMIT].decode("utf-8", errors="replace")
    kept = subject[:SUBJECT_LIMIT] if subject is not None else None
    marks = ", ".join("?" for _ in COLUMNS)
    cursor.execute(
        f"INSERT INTO {prefix}quarantine ({', '.join(COLUMNS)}) VALUES ({marks})",
        (stream, sequence, kept, event_id, event_type, error_type, reason, excerpt, *link),
    )
    log.warning("event quarantined", stream=stream, sequence=sequence, subject=kept,
                event_id=event_id, error_type=error_type, reason=reason)  # fmt: skip


def readable_ids(data: bytes) -> tuple[str | None, str | None]:
    """The event id and type the bytes name, where they are JSON with those fields as text."""
    try:
        document = loads_strict(data)  # bounded: an event nested 10,000 deep cannot stop this
    except ValueError:  # not JSON (or not UTF-8, or beyond the limits): nothing is readable
        return None, None
    if not isinstance(document, dict):
        return None, None
    return _text(document.get("event_id")), _text(document.get("event_type"))


def _text(value: Any) -> str | None:
    return value[:100] if isinstance(value, str) else None


def describe(error: Exception, prefix: str) -> tuple[str, str]:
    """The error type and a reason a person can read, the same on every engine."""
    if isinstance(error, ValidationError):
        return _contract(error)
    if isinstance(error, DuplicateKeyError):
        return "DuplicateKeyError", f"not valid JSON for the log: {error}"
    if isinstance(error, (json.JSONDecodeError, UnicodeDecodeError)):
        return type(error).__name__, f"not valid JSON: {error}"
    if isinstance(error, (sqlite3.IntegrityError, psycopg.IntegrityError)):
        return "IntegrityError", _conflict(error, prefix)[:REASON_LIMIT]
    return type(error).__name__, f"{type(error).__name__}: {error}"[:REASON_LIMIT]


def _contract(error: ValidationError) -> tuple[str, str]:
    problems = error.errors(include_url=False)
    for problem in problems:
        cause = problem.get("ctx", {}).get("error")
        if isinstance(cause, UnknownEventTypeError):
            return "UnknownEventTypeError", str(cause)[:REASON_LIMIT]
    listed = "; ".join(
        f"{'.'.join(str(part) for part in p['loc']) or 'envelope'}: {p['msg']}"
        for p in problems[:5]
    )
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    return "ValidationError", f"does not meet the envelope contract: {listed}{more}"[:REASON_LIMIT]


SQLITE_CONSTRAINT = re.compile(r"^([A-Z ]+) constraint failed: (.+)$")
PG_KEY = re.compile(r"^Key \((.+?)\)=")


def _conflict(error: sqlite3.IntegrityError | psycopg.IntegrityError, prefix: str) -> str:
    """Which rule of the registry's tables the event breaks, named without the table prefix."""
    if isinstance(error, sqlite3.IntegrityError):
        kind, table, columns = _sqlite_constraint(str(error))
    else:
        kind, table, columns = _pg_constraint(error)
    table = table.removeprefix(prefix)
    if kind == "UNIQUE":
        return (
            f"conflicts with what the registry holds: {table} has a row with the same "
            f"{columns} already"
        )
    return f"breaks the {kind} rule of {table} ({columns})"


def _sqlite_constraint(message: str) -> tuple[str, str, str]:
    matched = SQLITE_CONSTRAINT.match(message)
    if matched is None:
        return "integrity", "a table", message
    qualified = [name.strip() for name in matched.group(2).split(",")]
    table = qualified[0].split(".")[0]
    return matched.group(1), table, ", ".join(name.split(".")[-1] for name in qualified)


def _pg_constraint(error: psycopg.IntegrityError) -> tuple[str, str, str]:
    diag = error.diag
    table = diag.table_name or "a table"
    if isinstance(error, psycopg.errors.UniqueViolation):
        matched = PG_KEY.match(diag.message_detail or "")
        return "UNIQUE", table, matched.group(1) if matched else "key"
    if isinstance(error, psycopg.errors.NotNullViolation):
        return "NOT NULL", table, diag.column_name or "a column"
    return "integrity", table, diag.constraint_name or "a constraint"


def _row(row: tuple[Any, ...]) -> dict[str, Any]:
    return dict(zip(COLUMNS, row, strict=True))


def quarantined(db: Database) -> list[dict[str, Any]]:
    """Every quarantined event, in log order."""
    with db.snapshot() as cursor:
        return rows(cursor, db.table_prefix)


def rows(cursor: Cursor, prefix: str) -> list[dict[str, Any]]:
    cursor.execute(f"SELECT {', '.join(COLUMNS)} FROM {prefix}quarantine ORDER BY stream, sequence")
    return [_row(row) for row in cursor.fetchall()]


def count(db: Database) -> int:
    """How many events the quarantine holds; the gauges are set to what the store holds."""
    prefix = db.table_prefix
    with db.snapshot() as cursor:
        cursor.execute(f"SELECT COUNT(*), MAX(sequence) FROM {prefix}quarantine")
        found = cursor.fetchone()
        cursor.execute(
            f"SELECT subject, error_type, COUNT(*) FROM {prefix}quarantine "
            "GROUP BY subject, error_type"
        )
        kinds = cursor.fetchall()
    total = int(found[0]) if found else 0
    QUARANTINED.set(total)
    LAST_QUARANTINED.set(int(found[1]) if found and found[1] is not None else 0)
    by_kind: dict[tuple[str, str], int] = {}
    for subject, error_type, n in kinds:
        key = (context_of(subject), str(error_type))
        by_kind[key] = by_kind.get(key, 0) + int(n)
    QUARANTINED_BY_KIND.clear()
    for (context, error_type), n in by_kind.items():
        QUARANTINED_BY_KIND.labels(context, error_type).set(n)
    return total


def context_of(subject: str | None) -> str:
    """The context token of a log subject, where it is one of the platform's; else "other"."""
    tokens = (subject or "").split(".")
    return tokens[2] if len(tokens) > 2 and tokens[2] in CONTEXTS else "other"
