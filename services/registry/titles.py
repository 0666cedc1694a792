"""The life of titles as the registry shows it: stars by year, former names, tiers, five-star
lists, and revocations with their rule and the events that caused them ("Life of a title")."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from services.registry.adapters.db import Cursor, Database
from services.registry.writes import later


def schema(prefix: str) -> list[str]:
    return [
        f"""CREATE TABLE IF NOT EXISTS {prefix}titles (
            base_id TEXT PRIMARY KEY, title TEXT NOT NULL, tier TEXT, action_plan TEXT,
            under_creation_until TEXT, revoked_rule TEXT, revoked_reason TEXT,
            revoked_causes TEXT, revoked_sequence BIGINT)""",
        f"""CREATE TABLE IF NOT EXISTS {prefix}stars (
            base_id TEXT NOT NULL, year INTEGER NOT NULL, stars INTEGER NOT NULL, score TEXT,
            sequence BIGINT NOT NULL, PRIMARY KEY (base_id, year))""",
        f"""CREATE TABLE IF NOT EXISTS {prefix}former_names (
            base_id TEXT NOT NULL, name TEXT NOT NULL, until_sequence BIGINT NOT NULL,
            PRIMARY KEY (base_id, name))""",
        f"""CREATE TABLE IF NOT EXISTS {prefix}five_star (
            year INTEGER NOT NULL, base_id TEXT NOT NULL, title TEXT NOT NULL,
            sequence BIGINT NOT NULL, PRIMARY KEY (year, base_id))""",
    ]


TABLES = ("titles", "stars", "former_names", "five_star")


def project(
    cursor: Cursor,
    prefix: str,
    sequence: int,
    event_type: str,
    subject_id: str,
    payload: dict[str, Any],
) -> None:
    """Apply one event to the title tables (events of other kinds change nothing here)."""
    handler = PROJECTIONS.get(event_type)
    if handler is not None:
        handler(cursor, prefix, sequence, subject_id, payload)


def _awarded(cursor: Cursor, p: str, sequence: int, base_id: str, e: dict[str, Any]) -> None:
    cursor.execute(
        f"INSERT INTO {p}titles (base_id, title, under_creation_until) VALUES (?, ?, ?)",
        (base_id, e["title"], e.get("under_creation_until")),
    )


def _accepted(cursor: Cursor, p: str, sequence: int, base_id: str, e: dict[str, Any]) -> None:
    cursor.execute(
        f"UPDATE {p}titles SET title = ?, under_creation_until = NULL WHERE base_id = ?",
        (e["title"], base_id),
    )


def _rated(cursor: Cursor, p: str, sequence: int, base_id: str, e: dict[str, Any]) -> None:
    later(  # stars are read by no later event's projection: written at the batch's end
        cursor,
        f"INSERT INTO {p}stars (base_id, year, stars, score, sequence) VALUES (?, ?, ?, ?, ?)",
        (base_id, e["evaluation_year"], e["stars"], e.get("score"), sequence),
    )


def _five_star(cursor: Cursor, p: str, sequence: int, _: str, e: dict[str, Any]) -> None:
    for entry in e["bases"]:
        later(
            cursor,
            f"INSERT INTO {p}five_star (year, base_id, title, sequence) VALUES (?, ?, ?, ?)",
            (e["evaluation_year"], entry["base_id"], entry["title"], sequence),
        )


def _renamed(cursor: Cursor, p: str, sequence: int, base_id: str, e: dict[str, Any]) -> None:
    later(  # former names too; the title itself is in each version of the base: at once
        cursor,
        f"""INSERT INTO {p}former_names (base_id, name, until_sequence) VALUES (?, ?, ?)
            ON CONFLICT (base_id, name) DO UPDATE SET until_sequence = excluded.until_sequence""",
        (base_id, e["old_title"], sequence),
    )
    cursor.execute(f"UPDATE {p}titles SET title = ? WHERE base_id = ?", (e["new_title"], base_id))


def _revoked(cursor: Cursor, p: str, sequence: int, base_id: str, e: dict[str, Any]) -> None:
    cursor.execute(
        f"""UPDATE {p}titles SET revoked_rule = ?, revoked_reason = ?, revoked_causes = ?,
            revoked_sequence = ? WHERE base_id = ?""",
        (
            e["rule_id"],
            e["reason"],
            json.dumps(e["causing_events"], sort_keys=True),
            sequence,
            base_id,
        ),
    )


def _tier(cursor: Cursor, p: str, sequence: int, base_id: str, e: dict[str, Any]) -> None:
    cursor.execute(f"UPDATE {p}titles SET tier = ? WHERE base_id = ?", (e["to_tier"], base_id))


def _plan(cursor: Cursor, p: str, sequence: int, base_id: str, e: dict[str, Any]) -> None:
    plan = f"{e['first_year']}–{e['last_year']}: {e['plan']['title']}"
    cursor.execute(f"UPDATE {p}titles SET action_plan = ? WHERE base_id = ?", (plan, base_id))


PROJECTIONS = {
    "TitleAwarded": _awarded,
    "CreationAccepted": _accepted,
    "StarRated": _rated,
    "FiveStarListPublished": _five_star,
    "TitleRenamed": _renamed,
    "TitleRevoked": _revoked,
    "TierChanged": _tier,
    "ActionPlanFiled": _plan,
}


def title_record(db: Database, base_id: str) -> dict[str, Any] | None:
    """A base's title, tier, plan, stars by year, former names and revocation (if any)."""
    records = title_records(db, [base_id])
    return records.get(base_id)


def title_records(db: Database, base_ids: list[str] | None = None) -> dict[str, dict[str, Any]]:
    p = db.table_prefix
    with db.snapshot() as cursor:
        cursor.execute(
            f"SELECT base_id, title, tier, action_plan, under_creation_until, "
            f"revoked_rule, revoked_reason, revoked_causes FROM {p}titles"
        )
        titles = cursor.fetchall()
        cursor.execute(f"SELECT base_id, year, stars FROM {p}stars ORDER BY base_id, year")
        stars = cursor.fetchall()
        cursor.execute(f"SELECT base_id, name FROM {p}former_names ORDER BY until_sequence")
        names = cursor.fetchall()
    records: dict[str, dict[str, Any]] = {}
    for base_id, title, tier, plan, until, rule, reason, causes in titles:
        if base_ids is not None and base_id not in base_ids:
            continue
        records[base_id] = {
            "title": title,
            "tier": tier,
            "action_plan": plan,
            "under_creation_until": until,
            "stars_by_year": {},
            "former_names": [],
            "revoked_rule": rule,
            "revoked_reason": reason,
            "causing_events": json.loads(causes) if causes else [],
        }
    for base_id, year, count in stars:
        if base_id in records:
            records[base_id]["stars_by_year"][str(year)] = count
    for base_id, name in names:
        if base_id in records:
            records[base_id]["former_names"].append(name)
    return records


VERSIONED = ("title", "tier", "action_plan", "under_creation_until", "revoked_rule",
             "revoked_reason")  # fmt: skip
"""The title record's fields each version of a base keeps (with its causes, as JSON)."""


@dataclass(frozen=True)
class Marks:
    """Stars by year and former names of bases as they were at given sequences."""

    stars: dict[str, dict[str, int]]
    former_names: dict[str, list[str]]
    years: set[int] = field(default_factory=set)


def marks_until(cursor: Cursor, prefix: str, sequences: dict[str, int]) -> Marks:
    """For each base, the stars and former names its events up to its sequence had given it
    (every StarRated and TitleRenamed is an event about the base: its version follows it).
    Only those bases' rows are read, by their keys, a few hundred at a time."""
    stars: dict[str, dict[str, int]] = {}
    names: dict[str, list[str]] = {}
    years: set[int] = set()
    bases = sorted(sequences)
    for first in range(0, len(bases), CHUNK):
        chunk = bases[first : first + CHUNK]
        marks = ", ".join("?" for _ in chunk)
        cursor.execute(
            f"SELECT base_id, year, stars, sequence FROM {prefix}stars "
            f"WHERE base_id IN ({marks}) ORDER BY base_id, year",
            chunk,
        )
        for base_id, year, count, sequence in cursor.fetchall():
            if int(sequence) <= sequences[base_id]:
                stars.setdefault(base_id, {})[str(year)] = int(count)
                years.add(int(year))
        cursor.execute(
            f"SELECT base_id, name, until_sequence FROM {prefix}former_names "
            f"WHERE base_id IN ({marks}) ORDER BY until_sequence",
            chunk,
        )
        for base_id, name, sequence in cursor.fetchall():
            if int(sequence) <= sequences[base_id]:
                names.setdefault(base_id, []).append(name)
    return Marks(stars, names, years)


CHUNK = 500
"""Keys asked for in one ``IN (…)``: well within both engines' limits on parameters."""


def find_by_name(db: Database, name: str) -> str | None:
    """The base (or application) that bears, or once bore, ``name`` or the title ``name``."""
    p = db.table_prefix
    with db.snapshot() as cursor:
        cursor.execute(
            f"SELECT base_id FROM {p}titles WHERE title = ? UNION "
            f"SELECT base_id FROM {p}former_names WHERE name = ? UNION "
            f"SELECT subject_id FROM {p}entries WHERE name = ? ORDER BY 1",
            (name, name, name),
        )
        row = cursor.fetchone()
    return None if row is None else str(row[0])


def star_distribution(db: Database, year: int, by: str) -> dict[str, dict[str, int]]:
    """Per province (or domain): how many bases got each number of stars in ``year``."""
    column = {"province": "e.province", "domain": "e.domain"}[by]
    p = db.table_prefix
    with db.snapshot() as cursor:
        cursor.execute(
            f"""SELECT {column}, s.stars, COUNT(*) FROM {p}stars s
                JOIN {p}entries e ON e.subject_id = s.base_id WHERE s.year = ?
                GROUP BY {column}, s.stars""",
            (year,),
        )
        rows = cursor.fetchall()
    table: dict[str, Counter[str]] = {}
    for key, stars, count in rows:
        table.setdefault(str(key), Counter())[str(stars)] += int(count)
    return {key: dict(sorted(counts.items())) for key, counts in sorted(table.items())}


def five_star_list(db: Database, year: int) -> list[dict[str, Any]]:
    with db.snapshot() as cursor:
        cursor.execute(
            f"SELECT base_id, title FROM {db.table_prefix}five_star WHERE year = ? ORDER BY title",
            (year,),
        )
        return [{"base_id": b, "title": t} for b, t in cursor.fetchall()]


def revocations(db: Database) -> list[dict[str, Any]]:
    with db.snapshot() as cursor:
        cursor.execute(
            f"""SELECT base_id, title, revoked_rule, revoked_reason, revoked_causes
                FROM {db.table_prefix}titles WHERE revoked_rule IS NOT NULL
                ORDER BY revoked_sequence"""
        )
        return [
            {"base_id": b, "title": t, "rule_id": r, "reason": why, "causing_events": json.loads(c)}
            for b, t, r, why, c in cursor.fetchall()
        ]


def years(db: Database) -> list[int]:
    """The evaluation years with results in the registry."""
    with db.snapshot() as cursor:
        cursor.execute(f"SELECT DISTINCT year FROM {db.table_prefix}stars ORDER BY year")
        return [int(row[0]) for row in cursor.fetchall()]
