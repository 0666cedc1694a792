"""The registry: a projection of the whole event log into the registry's own store.

Each event of ``EVENTS`` adds one line to the timeline (with its stream sequence, event id, actor,
business and recording times, and a link in the hash chain) and updates the entry (application or
base) it is about. Every entry it changes keeps the version it made in the history (bitemporal:
the sequence that made it, its business time and its recording time), so that the registry can
say how it stood at any moment by either time without a replay (``queries.as_of``).

The store records the last sequence it applied in the same transaction, and only ever applies the
next one, so a live registry and a rebuild can never leave a gap or a duplicate.
Everything written is computed from the events alone: a rebuild gives the same bytes.

An event that cannot be applied goes to the quarantine (``quarantine.py``) instead of stopping the
registry: each event is applied inside a SAVEPOINT, so a failed one leaves no partial rows while
the batch goes on, and its bytes still take their place in the hash chain.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import psycopg

from services.registry import quarantine, titles
from services.registry.adapters.db import CONNECTION_FAULTS, Cursor, Database
from services.registry.writes import BatchWriter, Cause, Causes, later
from shared.calendar import BEIJING, start_of_day
from shared.contract.envelope import Envelope

GENESIS = "0" * 64

STATUS_AFTER: dict[str, str] = {
    "ApplicationSubmitted": "submitted",
    "ApplicationRejected": "rejected",
    "CityReviewCompleted": "city_reviewed",
    "ProvinciallyRecommended": "recommended",
    "ExpertReviewCompleted": "reviewed",
    "PublicityOpened": "publicised",
    "TitleAwarded": "titled",
    "CreationAccepted": "titled",
    "CreationAcceptanceFailed": "acceptance_failed",
    "TitleRevoked": "revoked",
    "CandidateDisqualified": "disqualified",
}
"""What an entry's status becomes after an event about it (other events leave it as it was)."""


def status_after(event_type: str, payload: dict[str, Any]) -> str | None:
    """An entry's status after an event about it; an EIDB award starts a creation period."""
    if event_type == "TitleAwarded" and payload.get("under_creation_until"):
        return "under_creation"
    return STATUS_AFTER.get(event_type)


ENTRY_FIELDS = ("name", "programme", "category", "domain", "city", "batch_id", "applicant")

VERSION_COLUMNS = (
    "subject_id", "sequence", "effective_at", "recorded_at", "kind", "province", *ENTRY_FIELDS,
    "status", "since", "correlation_id", "title", "tier", "action_plan", "under_creation_until",
    "revoked_rule", "revoked_reason", "revoked_causes",
)  # fmt: skip
"""One version of an entry in the history: the entry's columns and its base's title as they were
after the event at ``sequence``, with the business time it took effect and its recording time."""
TITLE_COLUMNS = VERSION_COLUMNS[VERSION_COLUMNS.index("title") :]
VERSION_SOURCE = ", ".join(
    f"t.{c}" if c in TITLE_COLUMNS else "e.last_sequence" if c == "sequence" else f"e.{c}"
    for c in VERSION_COLUMNS
)
"""Where each column of a version comes from: the entry, and the base's row of ``titles``."""


def instant(moment: datetime) -> str:
    """A time as the history keeps it: UTC, to the microsecond, so that text order is time order
    on both engines (the contract bounds every time to years 2000–2100)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def business_time(envelope: Envelope, payload: dict[str, Any]) -> datetime:
    """When the fact took effect: the envelope's ``occurred_at`` (the postmark on the platform's
    clock, ADR 13), except for a title awarded before it was recorded. A title taken over from an
    earlier batch (ImportTitle, ADR 8) takes effect on its announcement day, not the import's."""
    occurred = envelope.occurred_at
    if envelope.event_type == "TitleAwarded":
        announced = date.fromisoformat(str(payload["announced_on"]))
        if announced < occurred.astimezone(BEIJING).date():
            return start_of_day(announced)
    return occurred


def schema(prefix: str) -> list[str]:
    return [
        f"""CREATE TABLE IF NOT EXISTS {prefix}position (
            stream TEXT PRIMARY KEY, sequence BIGINT NOT NULL, chain TEXT NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS {prefix}entries (
            subject_id TEXT PRIMARY KEY, kind TEXT NOT NULL, province TEXT NOT NULL,
            name TEXT, programme TEXT, category TEXT, domain TEXT, city TEXT, batch_id TEXT,
            applicant TEXT, status TEXT NOT NULL, since TEXT NOT NULL,
            last_sequence BIGINT NOT NULL,
            correlation_id TEXT NOT NULL, effective_at TEXT, recorded_at TEXT)""",
        f"""CREATE TABLE IF NOT EXISTS {prefix}timeline (
            sequence BIGINT PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, event_type TEXT NOT NULL,
            schema_version INTEGER NOT NULL, subject_id TEXT NOT NULL, province TEXT NOT NULL,
            actor TEXT NOT NULL, occurred_at TEXT NOT NULL, recorded_at TEXT NOT NULL,
            correlation_id TEXT NOT NULL, causation_id TEXT, status TEXT, payload TEXT NOT NULL,
            event_hash TEXT NOT NULL, chain TEXT NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS {prefix}links (
            sequence BIGINT NOT NULL, subject_id TEXT NOT NULL, status TEXT,
            PRIMARY KEY (sequence, subject_id))""",
        *titles.schema(prefix),
        f"""CREATE TABLE IF NOT EXISTS {prefix}batches (
            batch_id TEXT NOT NULL, province TEXT NOT NULL, sequence BIGINT NOT NULL,
            data TEXT NOT NULL, PRIMARY KEY (batch_id, province))""",
        *quarantine.schema(prefix),
        f"""CREATE TABLE IF NOT EXISTS {prefix}history (
            subject_id TEXT NOT NULL, sequence BIGINT NOT NULL, effective_at TEXT NOT NULL,
            recorded_at TEXT NOT NULL, kind TEXT NOT NULL, province TEXT NOT NULL,
            name TEXT, programme TEXT, category TEXT, domain TEXT, city TEXT, batch_id TEXT,
            applicant TEXT, status TEXT NOT NULL, since TEXT NOT NULL, correlation_id TEXT NOT NULL,
            title TEXT, tier TEXT, action_plan TEXT, under_creation_until TEXT, revoked_rule TEXT,
            revoked_reason TEXT, revoked_causes TEXT,
            PRIMARY KEY (subject_id, effective_at, sequence))""",
        f"""CREATE TABLE IF NOT EXISTS {prefix}history_start (
            sequence BIGINT PRIMARY KEY)""",
    ]


TABLES = ("position", "entries", "timeline", "links", "batches", *titles.TABLES, "quarantine",
          "history", "history_start")  # fmt: skip
"""Every table of the registry, ``position`` first (a swap locks it before anything else)."""

INDEXES = (
    ("timeline_subject", "timeline", "subject_id"),
    ("links_subject", "links", "subject_id"),
    ("history_recorded", "history", "subject_id, recorded_at, sequence"),
)
"""The named indexes (name, table, columns): only reads need them, so a rebuild adds them last.

An as-of question seeks, per entry, its latest version at or before a time: by business time in
the history's primary key (subject_id, effective_at, sequence), by recording time in
``history_recorded``. Both times of an entry's versions rise with its sequence (see
:data:`LATER`), so the key orders an entry's versions as their sequences do."""


def indexes(prefix: str) -> list[str]:
    return [
        f"CREATE INDEX IF NOT EXISTS {prefix}{name} ON {prefix}{table} ({column})"
        for name, table, column in INDEXES
    ]


class OutOfOrderError(Exception):
    """A sequence arrived before the one the store expects next (a rebuild is still behind)."""


def create_tables(db: Database, *, with_indexes: bool = True) -> None:
    statements = schema(db.table_prefix) + (indexes(db.table_prefix) if with_indexes else [])
    with db.transaction() as cursor:
        upgrading = _entries_without_times(cursor, db.table_prefix)
        if upgrading:
            _add_entry_times(cursor, db.table_prefix)
        for statement in statements:
            cursor.execute(statement)
        quarantine.upgrade(cursor, db.table_prefix)
        if upgrading:
            _note_history_start(cursor, db.table_prefix)


def _entries_without_times(cursor: Cursor, prefix: str) -> bool:
    """Whether the store holds an entries table made before the history was kept."""
    cursor.execute("SAVEPOINT entry_times")
    try:
        cursor.execute(f"SELECT effective_at FROM {prefix}entries WHERE 1 = 0")
        old = False
    except (sqlite3.OperationalError, psycopg.errors.UndefinedTable,
            psycopg.errors.UndefinedColumn) as error:  # fmt: skip
        cursor.execute("ROLLBACK TO SAVEPOINT entry_times")
        old = isinstance(error, psycopg.errors.UndefinedColumn) or "no such column" in str(error)
    cursor.execute("RELEASE SAVEPOINT entry_times")
    return old


def _add_entry_times(cursor: Cursor, prefix: str) -> None:
    for column in ("effective_at", "recorded_at"):
        cursor.execute(f"ALTER TABLE {prefix}entries ADD COLUMN {column} TEXT")


def _note_history_start(cursor: Cursor, prefix: str) -> None:
    """A registry made before the history holds the versions of the events it applies from now
    on only: the first of them is noted, and as-of answers say so (a rebuild holds all)."""
    cursor.execute(f"SELECT sequence FROM {prefix}position")
    applied = max((int(row[0]) for row in cursor.fetchall()), default=0)
    if applied:
        cursor.execute(
            f"INSERT INTO {prefix}history_start (sequence) VALUES (?) ON CONFLICT DO NOTHING",
            (applied + 1,),
        )


def drop_tables(db: Database) -> None:
    with db.transaction() as cursor:
        for table in TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {db.table_prefix}{table}")


def swap_tables(cursor: Cursor, live: str, new: str) -> None:
    """Replace the tables named ``live…`` by those named ``new…``, in the caller's transaction
    (both engines' DDL is transactional: readers see the old tables or the new, never a mix)."""
    for name, _, _ in INDEXES:
        cursor.execute(f"DROP INDEX IF EXISTS {new}{name}")
    for table in TABLES:
        cursor.execute(f"DROP TABLE IF EXISTS {live}{table}")
        cursor.execute(f"ALTER TABLE {new}{table} RENAME TO {live}{table}")
    for statement in indexes(live):
        cursor.execute(statement)


def position(cursor: Cursor, prefix: str, stream: str) -> tuple[int, str]:
    cursor.execute(f"SELECT sequence, chain FROM {prefix}position WHERE stream = ?", (stream,))
    row = cursor.fetchone()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS)


def event_hash(data: bytes) -> str:
    """The hash of one event's bytes as the log holds them."""
    return hashlib.sha256(data).hexdigest()


def chain_link(previous: str, hashed: str, sequence: int) -> str:
    """The next link of the hash chain over the log, in stream order."""
    return hashlib.sha256(f"{previous}:{sequence}:{hashed}".encode()).hexdigest()


def apply(
    cursor: Cursor, prefix: str, stream: str, sequence: int, data: bytes, subject: str | None = None
) -> bool:
    """Apply one event at ``sequence`` (published on ``subject``), or quarantine it; False if it
    was applied already. Caller commits."""
    done, chain = position(cursor, prefix, stream)
    if sequence <= done:
        return False
    if sequence != done + 1:
        raise OutOfOrderError(f"{stream} sequence {sequence} arrived, {done + 1} expected")
    hashed = event_hash(data)
    chain = chain_link(chain, hashed, sequence)
    cursor.execute("SAVEPOINT registry_event")
    try:
        _project(cursor, prefix, sequence, data, (hashed, chain))
    except CONNECTION_FAULTS:
        raise  # the store's fault, not the event's: the whole batch is retried or stops
    except Exception as error:  # one event's parse and apply only: recorded and shown, not lost
        cursor.execute("ROLLBACK TO SAVEPOINT registry_event")
        quarantine.record(cursor, prefix, stream, sequence, data, error, (hashed, chain), subject)
    cursor.execute("RELEASE SAVEPOINT registry_event")
    _set_position(cursor, prefix, stream, sequence, chain)
    return True


def _set_position(cursor: Cursor, prefix: str, stream: str, sequence: int, chain: str) -> None:
    cursor.execute(
        f"""INSERT INTO {prefix}position (stream, sequence, chain) VALUES (?, ?, ?)
            ON CONFLICT (stream) DO UPDATE
            SET sequence = excluded.sequence, chain = excluded.chain""",
        (stream, sequence, chain),
    )


@dataclass(frozen=True)
class Applied:
    """What a batch did: how many events were new, the position it reached, and the causes it
    saw (for :class:`~services.registry.writes.Causes`, once the batch is committed)."""

    new: int
    position: int
    seen: dict[str, Cause]


def apply_batch(
    cursor: Cursor, prefix: str, stream: str, batch: Sequence[tuple[Any, ...]], causes: Causes
) -> Applied:
    """Apply the events of ``batch`` that come next, in order, in the caller's transaction, with
    the result of :func:`apply` applied to each in turn, but faster (ADR 17).

    Optimistically first: the position and the chain are read once and written once, each event
    is parsed and validated before any of its SQL (one that does not parse is quarantined, with
    no row of its own written), the rows no later event reads are written at the end with one
    ``executemany`` per statement, and a cause is looked up in memory (:mod:`writes`). If
    anything else fails (an event that conflicts with the store, a projection error), the batch
    is taken back to its savepoint and applied again with :func:`apply`, one event per savepoint,
    as before: the same statements per table in the same order, so the same rows either way."""
    done, chain = position(cursor, prefix, stream)
    causes.follow((stream, done))
    fresh: list[tuple[Any, ...]] = []
    for event in batch:
        sequence = int(event[0])
        if sequence <= done:
            continue  # applied already (a redelivery)
        if sequence != done + 1:
            raise OutOfOrderError(f"{stream} sequence {sequence} arrived, {done + 1} expected")
        fresh.append(event)
        done = sequence
    if not fresh:
        return Applied(0, done, {})
    cursor.execute("SAVEPOINT registry_batch")
    try:
        writer, chain = _apply_optimistically(cursor, prefix, stream, fresh, chain, causes)
    except CONNECTION_FAULTS:
        raise  # the store's fault: as in ``apply``, the whole batch is retried or stops
    except Exception:  # an event to quarantine after all: the careful way, one at a time
        cursor.execute("ROLLBACK TO SAVEPOINT registry_batch")
        cursor.execute("RELEASE SAVEPOINT registry_batch")
        causes.clear()
        for event in fresh:
            apply(cursor, prefix, stream, *event)
        return Applied(len(fresh), done, {})
    cursor.execute("RELEASE SAVEPOINT registry_batch")
    _set_position(cursor, prefix, stream, done, chain)
    return Applied(len(fresh), done, writer.seen)


def _apply_optimistically(
    cursor: Cursor,
    prefix: str,
    stream: str,
    fresh: list[tuple[Any, ...]],
    chain: str,
    causes: Causes,
) -> tuple[BatchWriter, str]:
    """Every event of ``fresh`` applied with no savepoint of its own; the chain's last link."""
    writer = BatchWriter(cursor, causes)
    unreadable: list[tuple[int, bytes, Exception, tuple[str, str], str | None]] = []
    for event in fresh:
        sequence, data = int(event[0]), bytes(event[1])
        hashed = event_hash(data)
        chain = chain_link(chain, hashed, sequence)
        try:
            parsed = parse(data)
        except CONNECTION_FAULTS:
            raise
        except Exception as error:  # what ``apply`` quarantines before any SQL of the event
            unreadable.append((sequence, data, error, (hashed, chain), _subject_of(event)))
            continue
        _project(writer, prefix, sequence, parsed, (hashed, chain))
    writer.flush()
    for sequence, data, fault, link, subject in unreadable:
        quarantine.record(cursor, prefix, stream, sequence, data, fault, link, subject)
    return writer, chain


def _subject_of(event: tuple[Any, ...]) -> str | None:
    return str(event[2]) if len(event) > 2 and event[2] is not None else None


@dataclass(frozen=True)
class Parsed:
    """One event read from its bytes: the envelope, validated against the contract, and its
    payload as JSON values."""

    envelope: Envelope
    payload: dict[str, Any]


def parse(data: bytes) -> Parsed:
    envelope = Envelope.from_json(data)
    return Parsed(envelope, envelope.payload.model_dump(mode="json"))


TIMELINE_INSERT = (
    "INSERT INTO {prefix}timeline VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _project(
    cursor: Cursor, prefix: str, sequence: int, data: bytes | Parsed, link: tuple[str, str]
) -> None:
    """Parse one event (unless it is parsed already), validate it against the contract and write
    every row it makes."""
    event = data if isinstance(data, Parsed) else parse(data)
    envelope, payload = event.envelope, event.payload
    times = Times.of(_effective(cursor, prefix, envelope, payload), envelope.recorded_at)
    status = _update_entry(cursor, prefix, sequence, envelope, payload, times)
    changed = _link_related(cursor, prefix, sequence, envelope, payload, times)
    _record_batch(cursor, prefix, sequence, envelope, payload)
    titles.project(cursor, prefix, sequence, envelope.event_type, envelope.subject_id, payload)
    own = envelope.subject_id if envelope.payload.subject_kind in ENTRY_KINDS else None
    if own is not None:
        changed.insert(0, own)
    effective = _record_versions(cursor, prefix, sequence, changed, own)
    event_id = str(envelope.event_id)
    later(
        cursor,
        TIMELINE_INSERT.format(prefix=prefix),
        (
            sequence,
            event_id,
            envelope.event_type,
            envelope.schema_version,
            envelope.subject_id,
            envelope.province,
            envelope.actor,
            envelope.occurred_at.isoformat(),
            envelope.recorded_at.isoformat(),
            str(envelope.correlation_id),
            str(envelope.causation_id) if envelope.causation_id else None,
            status,
            canonical_json(payload),
            *link,
        ),
    )
    if isinstance(cursor, BatchWriter):
        cursor.seen[event_id] = (envelope.occurred_at, effective)


def _effective(
    cursor: Cursor, prefix: str, envelope: Envelope, payload: dict[str, Any]
) -> datetime:
    """The event's business time, or its cause's: a fact the rules decide on an event of the log
    carries that event's ``occurred_at`` (it took effect when its cause did), so where its cause
    took effect at another time (an imported title, on its announcement day) so does it — the
    national tier of an imported base starts with its title, not on the import day."""
    own = business_time(envelope, payload)
    if envelope.causation_id is None:
        return own
    cause_id = str(envelope.causation_id)
    cause = cursor.cause(cause_id) if isinstance(cursor, BatchWriter) else None
    if cause is None:  # not in memory: asked of the store (never one of this batch's events)
        cursor.execute(
            f"""SELECT t.occurred_at, h.effective_at FROM {prefix}timeline t
                JOIN {prefix}history h ON h.subject_id = t.subject_id AND h.sequence = t.sequence
                WHERE t.event_id = ?""",
            (cause_id,),
        )
        row = cursor.fetchone()
        cause = None if row is None else (datetime.fromisoformat(row[0]), str(row[1]))
    if cause is None or cause[1] is None or cause[0] != envelope.occurred_at:
        return own
    inherited = datetime.fromisoformat(cause[1])
    return own if inherited == own else inherited


ENTRY_KINDS = ("application", "base")
"""The subjects that have an entry (and so a history); other events change none."""


@dataclass(frozen=True)
class Times:
    """The two times of an event: ``since`` as the event spells its business time (an entry's
    status since), and both as the history keeps them (see :func:`instant`)."""

    since: str
    effective_at: str
    recorded_at: str

    @classmethod
    def of(cls, effective: datetime, recorded: datetime) -> Times:
        return cls(effective.isoformat(), instant(effective), instant(recorded))


LATER = "CASE WHEN {e}.{column} > ? THEN {e}.{column} ELSE ? END"
"""A version takes effect (and is recorded) no earlier than the one it builds on: a version holds
everything before it, so an event whose business time lies before its subject's last version
(a clock set back, ADR 13) takes effect with that version, not before it."""


def _not_before(prefix: str, column: str) -> str:
    return LATER.format(e=f"{prefix}entries", column=column)


@functools.cache
def _upsert_entry(prefix: str) -> str:
    return f"""INSERT INTO {prefix}entries (subject_id, kind, province, name, programme, category,
                domain, city, batch_id, applicant, status, since, last_sequence, correlation_id,
                effective_at, recorded_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (subject_id) DO UPDATE SET
                name = COALESCE(excluded.name, {prefix}entries.name),
                programme = COALESCE(excluded.programme, {prefix}entries.programme),
                category = COALESCE(excluded.category, {prefix}entries.category),
                domain = COALESCE(excluded.domain, {prefix}entries.domain),
                city = COALESCE(excluded.city, {prefix}entries.city),
                batch_id = COALESCE(excluded.batch_id, {prefix}entries.batch_id),
                applicant = COALESCE(excluded.applicant, {prefix}entries.applicant),
                status = CASE WHEN CAST(? AS TEXT) IS NULL
                    THEN {prefix}entries.status ELSE excluded.status END,
                since = CASE WHEN CAST(? AS TEXT) IS NULL
                    THEN {prefix}entries.since ELSE excluded.since END,
                last_sequence = excluded.last_sequence,
                effective_at = {_not_before(prefix, "effective_at")},
                recorded_at = {_not_before(prefix, "recorded_at")}"""


@functools.cache
def _update_linked(prefix: str) -> str:
    return f"""UPDATE {prefix}entries SET status = ?, since = ?, last_sequence = ?,
                effective_at = {_not_before(prefix, "effective_at")},
                recorded_at = {_not_before(prefix, "recorded_at")}
            WHERE subject_id = ? AND status <> 'disqualified'"""


@functools.cache
def _copy_versions(prefix: str, subjects: int, returning: bool) -> str:
    marks = ", ".join("?" for _ in range(subjects))
    return f"""INSERT INTO {prefix}history ({", ".join(VERSION_COLUMNS)})
            SELECT {VERSION_SOURCE} FROM {prefix}entries e
            LEFT JOIN {prefix}titles t ON t.base_id = e.subject_id
            WHERE e.subject_id IN ({marks}) AND e.last_sequence = ?
            {"RETURNING subject_id, effective_at" if returning else ""}"""


def _update_entry(
    cursor: Cursor,
    prefix: str,
    sequence: int,
    envelope: Envelope,
    payload: dict[str, Any],
    times: Times,
) -> str | None:
    status = status_after(envelope.event_type, payload)
    kind = envelope.payload.subject_kind
    if kind not in ENTRY_KINDS:
        return status
    # Evaluation's batch_id is its round: an entry's name, programme and batch come from selection.
    source = payload if envelope.payload.context != "evaluation" else {}
    values = {field: source.get(field) for field in ENTRY_FIELDS}
    cursor.execute(
        _upsert_entry(prefix),
        (
            envelope.subject_id,
            kind,
            envelope.province,
            *values.values(),
            status or "recorded",
            times.since,
            sequence,
            str(envelope.correlation_id),
            times.effective_at,
            times.recorded_at,
            status,
            status,
            times.effective_at,
            times.effective_at,
            times.recorded_at,
            times.recorded_at,
        ),
    )
    return status


RELATED_STATUS: dict[str, str] = {"PublicityOpened": "publicised", "TitleAwarded": "awarded"}
"""What an event about one subject makes of the applications it names (a list, an award)."""


def related_subjects(envelope: Envelope, payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    """The other entries an event concerns, each with the status it gives them (or None)."""
    status = RELATED_STATUS.get(envelope.event_type)
    if envelope.event_type == "PublicityOpened":
        return [(entry["application_id"], status) for entry in payload["entries"]]
    if envelope.event_type == "PublicityClosed":
        cleared: list[tuple[str, str | None]] = [(a, None) for a in payload.get("cleared", ())]
        return cleared + [(a, "withheld") for a in payload.get("withheld", ())]
    application_id = payload.get("application_id")
    if application_id and application_id != envelope.subject_id:
        return [(application_id, status)]
    return []


def _link_related(
    cursor: Cursor,
    prefix: str,
    sequence: int,
    envelope: Envelope,
    payload: dict[str, Any],
    times: Times,
) -> list[str]:
    """Link the other entries the event concerns; return those whose status it may change."""
    changed = []
    for subject_id, status in related_subjects(envelope, payload):
        later(
            cursor,
            f"INSERT INTO {prefix}links (sequence, subject_id, status) VALUES (?, ?, ?)",
            (sequence, subject_id, status),
        )
        if status is not None:
            cursor.execute(  # disqualified for fraud (R-FRAUD) is final: a list does not undo it
                _update_linked(prefix),
                (status, times.since, sequence, times.effective_at, times.effective_at,
                 times.recorded_at, times.recorded_at, subject_id),
            )  # fmt: skip
            changed.append(subject_id)
    return changed


def _record_versions(
    cursor: Cursor, prefix: str, sequence: int, changed: list[str], own: str | None
) -> str | None:
    """One row of history per entry the event changed (one statement; most events change one):
    the entry as it now stands, with its base's title, copied within the store. In a batch, the
    business time of ``own`` (the event's own subject) comes back, for its effects to inherit."""
    subjects = list(dict.fromkeys(changed))
    if not subjects:
        return None
    returning = isinstance(cursor, BatchWriter) and own is not None
    cursor.execute(_copy_versions(prefix, len(subjects), returning), (*subjects, sequence))
    if not returning:
        return None
    return next((str(at) for subject, at in cursor.fetchall() if subject == own), None)


def _record_batch(
    cursor: Cursor, prefix: str, sequence: int, envelope: Envelope, payload: dict[str, Any]
) -> None:
    """Batches as the ministry opened them, and as each province forwarded them."""
    if envelope.event_type not in ("BatchOpened", "BatchForwarded"):
        return
    province = payload.get("province", envelope.province)
    later(
        cursor,
        f"INSERT INTO {prefix}batches (batch_id, province, sequence, data) VALUES (?, ?, ?, ?)",
        (payload["batch_id"], province, sequence, canonical_json(payload)),
    )


def canonical_json(value: Any) -> str:
    """The one JSON spelling used for exports and digests: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
