"""No event can stop the registry (issue 12 part 4): what it cannot apply goes to the quarantine,
and a rebuild is swapped in only when complete.

Over a real nats-server, on SQLite and PostgreSQL: a malformed payload, an envelope that breaks
the contract, an unknown event type and a second StarRated of one base and year are published
onto EVENTS between valid events.
"""

from __future__ import annotations

import asyncio
import html
import json
import sqlite3
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from typer.testing import CliRunner

from demobase.cli import app
from demobase.client import registry_get, registry_url
from services.registry import projections
from services.registry.adapters.db import Database, SqliteDatabase
from services.registry.bootstrap import build, build_registry
from services.registry.projections import chain_link, event_hash
from services.registry.quarantine import quarantined
from services.registry.queries import applied, digest, find_entry, list_entries
from services.registry.rebuild import rebuild
from shared.bus.consumer import Delivery, TransientError
from shared.bus.server import EmbeddedNats
from shared.bus.streams import ensure_streams
from shared.config import Settings
from shared.contract.envelope import EventPayload, new_envelope
from shared.contract.events import ApplicationSubmitted
from shared.contract.events_evaluation import StarRated
from shared.contract.subjects import EVENTS_STREAM, event_subject
from tests.support import running, wait_until

pytestmark = pytest.mark.integration

BASE = "NIID-B-430000-0001"
SUBMITTED = event_subject("submission", "430000", "ApplicationSubmitted")
RATED = event_subject("evaluation", "430000", "StarRated")


def _event(payload: EventPayload, subject_id: str) -> bytes:
    return new_envelope(
        payload, event_id=uuid4(), occurred_at=datetime(2027, 3, 2, 9, tzinfo=UTC),
        recorded_at=datetime(2027, 3, 2, 9, 1, tzinfo=UTC), actor="430000", province="430000",
        subject_id=subject_id, correlation_id=uuid4(),
    ).to_json()  # fmt: skip


def submitted(number: int) -> bytes:
    application_id = f"NIID-430000-{number:012d}"
    payload = ApplicationSubmitted(
        application_id=application_id, programme="NIID", category="park",
        name=f"园区{number}", applicant=f"园区{number}管理委员会", city="长沙市",
        domain="装备工业", zone="长沙经济技术开发区",
    )  # fmt: skip
    return _event(payload, application_id)


def rated(stars: int) -> bytes:
    payload = StarRated(base_id=BASE, batch_id="EVAL-2027", evaluation_year=2027, stars=stars)
    return _event(payload, BASE)


def unknown_type() -> bytes:
    document = json.loads(submitted(99))
    return json.dumps({**document, "event_type": "ApplicationTeleported"}).encode()


THE_BAD = {2: "JSONDecodeError", 3: "ValidationError", 5: "UnknownEventTypeError",
           7: "IntegrityError"}  # fmt: skip
"""The sequences of the log below that the registry cannot apply, and why."""


def the_log() -> list[tuple[str, bytes]]:
    return [
        (SUBMITTED, submitted(1)),
        (SUBMITTED, b'{"event_id": "3f0c'),  # cut off: not JSON
        (SUBMITTED, json.dumps({"event_id": "not-a-uuid", "event_type": 7}).encode()),
        (SUBMITTED, submitted(2)),
        (SUBMITTED, unknown_type()),
        (RATED, rated(4)),
        (RATED, rated(2)),  # a second StarRated for the same base and year
        (SUBMITTED, submitted(3)),
    ]


async def publish(js: JetStreamContext, events: list[tuple[str, bytes]]) -> list[int]:
    sequences = []
    for subject, data in events:
        ack = await js.publish(subject, data, headers={"Nats-Msg-Id": str(uuid4())})
        sequences.append(int(ack.seq))
    return sequences


@pytest.fixture
async def js(nc: Client) -> JetStreamContext:
    js = nc.jetstream()
    await ensure_streams(js)
    assert await publish(js, the_log()) == list(range(1, 9))
    return js


def state(db: Database) -> tuple[str, tuple[int, str], list[dict[str, Any]]]:
    """What a failed rebuild must leave exactly as it was."""
    return digest(db), applied(db, EVENTS_STREAM), quarantined(db)


def ratings(db: Database) -> list[tuple[Any, ...]]:
    """The star rows: a rating a base has no title for yet is projected all the same."""
    with db.snapshot() as cursor:
        cursor.execute(f"SELECT base_id, year, stars, sequence FROM {db.table_prefix}stars")
        return [tuple(row) for row in cursor.fetchall()]


def http_text(settings: Settings, path: str) -> str:
    with urllib.request.urlopen(registry_url(settings) + path, timeout=10) as response:
        return str(response.read().decode())


def cli(settings: Settings, *args: str) -> tuple[int, str]:
    env = {"NATS_URL": str(settings.nats_url), "VAR_DIR": str(settings.var_dir),
           "COLUMNS": "200"}  # fmt: skip
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


# --- the live registry goes on ---------------------------------------------------------------


async def test_the_registry_quarantines_what_it_cannot_apply_and_applies_every_valid_event_after_it(
    nats_server: EmbeddedNats, js: JetStreamContext, settings: Settings
) -> None:
    """issue 12 part 4: a malformed payload, a broken envelope, an unknown event type and a second
    StarRated are kept in the quarantine (API, page, status, metrics); the events after them are
    applied; a rebuild gives the live digest; the audit of the chain still holds."""
    settings = settings.model_copy(update={"nats_url": nats_server.url, "registry_port": 0})
    live = build_registry(settings).db
    async with running(build(settings)):
        await wait_until(lambda: (settings.var_dir / "registry.url").exists())
        await wait_until(lambda: applied(live, EVENTS_STREAM)[0] == 8)
        api = await asyncio.to_thread(registry_get, settings, "/api/quarantine")
        status = await asyncio.to_thread(cli, settings, "status")
        audited = await asyncio.to_thread(cli, settings, "audit", "verify")
        page = await asyncio.to_thread(http_text, settings, "/quarantine")
        home = await asyncio.to_thread(http_text, settings, "/")
        metrics = await asyncio.to_thread(http_text, settings, "/metrics")
        live_digest = digest(live)
        result = await rebuild(build_registry(settings), js, batch_size=3)
        after_swap = digest(live)
        await publish(js, [(SUBMITTED, submitted(4))])  # the live consumer goes on after a swap
        await wait_until(lambda: applied(live, EVENTS_STREAM)[0] == 9)
        home_after = await asyncio.to_thread(http_text, settings, "/")

    assert [e["id"] for e in list_entries(live) if e["kind"] == "application"] == [
        f"NIID-430000-{n:012d}" for n in (1, 2, 3, 4)
    ]
    base = find_entry(live, BASE)
    assert ratings(live) == [(BASE, 2027, 4, 6)]  # the first rating holds
    assert base is not None and base["last_sequence"] == 6
    assert [line["sequence"] for line in base["timeline"]] == [6]
    assert {row["sequence"]: row["error_type"] for row in api} == THE_BAD
    reasons = {row["sequence"]: row["reason"] for row in api}
    assert reasons[2].startswith("not valid JSON: ")
    assert "does not meet the envelope contract: event_id: " in reasons[3]
    assert reasons[5] == "event_type 'ApplicationTeleported' v1 is not in the contract"
    assert reasons[7] == (
        "conflicts with what the registry holds: stars has a row with the same "
        "base_id, year already"
    )
    seventh = (await js.get_msg(EVENTS_STREAM, 7)).data
    second = api[-1]
    assert (second["event_id"], second["event_type"]) == (
        json.loads(seventh)["event_id"], "StarRated",
    )  # fmt: skip
    assert second["event_hash"] == event_hash(seventh)
    assert [row["event_id"] for row in api[:2]] == [None, "not-a-uuid"]
    subjects = {row["sequence"]: row["subject"] for row in api}
    assert subjects == {2: SUBMITTED, 3: SUBMITTED, 5: SUBMITTED, 7: RATED}
    assert status[0] == 0, status[1]
    assert f"registry quarantine: 4 events (first at seq 2: {reasons[2]})" in status[1]
    for sequence, subject in subjects.items():  # each one: sequence, subject, reason
        assert f"  seq {sequence} on {subject}: {reasons[sequence]}" in status[1], status[1]
        assert (
            f"<td>{sequence}</td><td><code>{subject}</code></td>" in page
            and html.escape(reasons[sequence]) in page
        ), page
    assert audited[0] == 0 and "the log holds" in audited[1], audited[1]
    assert "ApplicationTeleported" in page and "IntegrityError" in page
    assert '<a href="/quarantine" class="alarm">隔离事件：4</a>' in home  # on every page
    assert "demobase_registry_quarantined_events 4.0" in metrics
    assert "demobase_registry_quarantine_last_sequence 7.0" in metrics
    for context, error_type in [("submission", "JSONDecodeError"),
                                ("submission", "ValidationError"),
                                ("submission", "UnknownEventTypeError"),
                                ("evaluation", "IntegrityError")]:  # fmt: skip
        assert (
            f'demobase_registry_quarantined_by_kind{{context="{context}",'
            f'error_type="{error_type}"}} 1.0'
        ) in metrics, metrics
    assert (result.events, result.digest) == (8, live_digest) and after_swap == live_digest
    assert "园区4" in home_after and "隔离事件：4" in home_after


# --- one event inside a SAVEPOINT ------------------------------------------------------------


def test_a_quarantined_event_leaves_no_partial_rows_and_keeps_its_place_in_the_chain(
    settings: Settings,
) -> None:
    """issue 12 part 4: the second StarRated updated the base's entry before its star row failed;
    the savepoint takes both back, the quarantine records it, and the chain links its bytes."""
    registry = build_registry(settings)
    the_first, first, second = submitted(1), rated(4), rated(2)
    registry.apply_batch(
        EVENTS_STREAM, [(1, the_first, SUBMITTED), (2, first, RATED), (3, second, RATED)]
    )

    base = find_entry(registry.db, BASE)
    assert base is not None and base["last_sequence"] == 2
    assert ratings(registry.db) == [(BASE, 2027, 4, 2)]
    [kept] = quarantined(registry.db)
    assert (kept["sequence"], kept["subject"], kept["error_type"]) == (3, RATED, "IntegrityError")
    assert kept["event_id"] == json.loads(second)["event_id"]
    chain = projections.GENESIS
    for sequence, data in enumerate((the_first, first, second), start=1):
        chain = chain_link(chain, event_hash(data), sequence)
    assert applied(registry.db, EVENTS_STREAM) == (3, chain) and kept["chain"] == chain
    assert kept["event_hash"] == event_hash(second)


def _fault(settings: Settings) -> Exception:
    if settings.uses_postgres:
        return psycopg.OperationalError("server closed the connection unexpectedly")
    return sqlite3.OperationalError("database is locked")


def test_a_fault_of_the_database_is_not_quarantined_but_raised_as_before(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 12 part 4: a store that fails is no event's fault; nothing goes to the quarantine,
    nothing is recorded, and the error reaches the consumer as a transient one, to be waited out
    (issue 9, item 1), with the store's own error as its cause."""
    registry = build_registry(settings)
    fault = _fault(settings)

    def failing(*args: Any) -> None:
        raise fault

    monkeypatch.setattr(projections, "_project", failing)
    with pytest.raises(TransientError) as raised:
        registry.handle_batch([Delivery(EVENTS_STREAM, 1, SUBMITTED, submitted(1))])
    assert raised.value.__cause__ is fault

    assert applied(registry.db, EVENTS_STREAM)[0] == 0 and quarantined(registry.db) == []


# --- a rebuild is swapped in only when complete ----------------------------------------------


def _new_tables(db: Database) -> list[str]:
    """The tables a rebuild fills before the swap, if any are left."""
    like = f"{db.table_prefix}new_%"
    with db.snapshot() as cursor:
        if isinstance(db, SqliteDatabase):
            cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE ?", (like,))
        else:
            cursor.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_name LIKE ?",
                (like,),
            )
        return [str(row[0]) for row in cursor.fetchall()]


Breaker = Callable[[pytest.MonkeyPatch, JetStreamContext, Settings], Any]


def database_fault(monkeypatch: pytest.MonkeyPatch, js: JetStreamContext, s: Settings) -> Any:
    """The store fails at sequence 6 of the rebuild's new tables (not a quarantinable error),
    while it writes the rows of an event that parsed (one that does not is never projected)."""
    applying, fault = projections._project, _fault(s)

    def failing(cursor: Any, prefix: str, sequence: int, data: bytes, link: Any) -> None:
        if prefix.endswith("new_") and sequence == 6:
            raise fault
        applying(cursor, prefix, sequence, data, link)

    monkeypatch.setattr(projections, "_project", failing)
    return type(fault), {}


def ctrl_c(monkeypatch: pytest.MonkeyPatch, js: JetStreamContext, s: Settings) -> Any:
    """The operator presses Ctrl-C once half the log is replayed."""

    def interrupt(done: int, total: int) -> None:
        if done >= 4:
            raise KeyboardInterrupt

    return KeyboardInterrupt, {"progress": interrupt}


def stream_gone(monkeypatch: pytest.MonkeyPatch, js: JetStreamContext, s: Settings) -> Any:
    """The stream goes away before the replay (its messages cannot be deleted, the stream can)."""
    return NotFoundError, {"delete_stream": True}


@pytest.mark.parametrize("breaker", [database_fault, ctrl_c, stream_gone])
async def test_a_rebuild_that_fails_halfway_leaves_the_registry_and_its_digest_as_they_were(
    js: JetStreamContext, settings: Settings, monkeypatch: pytest.MonkeyPatch, breaker: Breaker
) -> None:
    """issue 12 part 4: the rebuild fills new tables; until the swap the registry (with its
    quarantine) is untouched, and a failed rebuild drops its new tables."""
    registry = build_registry(settings)
    await rebuild(registry, js, batch_size=2)
    before = state(registry.db)
    assert len(before[2]) == len(THE_BAD)

    error, options = breaker(monkeypatch, js, settings)
    if options.pop("delete_stream", False):
        await js.delete_stream(EVENTS_STREAM)
    with pytest.raises(error):
        await rebuild(build_registry(settings), js, batch_size=2, **options)

    assert state(registry.db) == before
    assert _new_tables(registry.db) == []
    monkeypatch.undo()
    if error is not NotFoundError:  # with the log still there, a rebuild gives the same again
        assert (await rebuild(registry, js, batch_size=3)).digest == before[0]


async def test_a_rebuild_catches_up_with_a_live_registry_that_went_on_before_it_swaps(
    js: JetStreamContext, settings: Settings
) -> None:
    """issue 12 part 4: the swap never takes the registry back (the live consumer applies on
    while a rebuild replays); the quarantine moves over with the rest."""
    live = build_registry(settings)
    await rebuild(live, js)
    new = live.new_tables()
    stored = [await js.get_msg(EVENTS_STREAM, n) for n in range(1, 9)]
    data = [(m.seq, m.data, m.subject) for m in stored]
    new.apply_batch(EVENTS_STREAM, data[:5])
    before = state(live.db)

    assert live.replace_with(new, EVENTS_STREAM) == 8
    assert state(live.db) == before
    new.apply_batch(EVENTS_STREAM, data[5:])
    assert live.replace_with(new, EVENTS_STREAM) is None

    assert state(live.db) == before and _new_tables(live.db) == []
    assert live.apply_batch(EVENTS_STREAM, [(9, submitted(9))]) == 1
    assert live.position(EVENTS_STREAM) == 9


# --- the quarantine itself cannot be stopped -------------------------------------------------


def test_an_event_nested_ten_thousand_deep_is_quarantined_not_raised(settings: Settings) -> None:
    """issue 12: reading the ids of a quarantined event used ``json.loads``, which raised
    RecursionError on such bytes inside the handler of the first failure."""
    registry = build_registry(settings)
    deep = b'{"event_id": ' * 10_000 + b"1" + b"}" * 10_000
    registry.apply_batch(EVENTS_STREAM, [(1, deep, SUBMITTED), (2, submitted(2), SUBMITTED)])

    [kept] = quarantined(registry.db)
    assert (kept["sequence"], kept["subject"], kept["event_id"]) == (1, SUBMITTED, None)
    assert kept["error_type"] == "JsonLimitError" and "nest too deep" in kept["reason"]
    assert applied(registry.db, EVENTS_STREAM)[0] == 2


def test_a_quarantine_made_before_subjects_were_kept_gets_the_column(settings: Settings) -> None:
    """A registry store whose quarantine table has no ``subject`` column (as the first version
    wrote it) keeps its rows and quarantines the next event with its subject."""
    registry = build_registry(settings)
    registry.apply_batch(EVENTS_STREAM, [(1, b"not json", SUBMITTED)])
    prefix = registry.db.table_prefix
    with registry.db.transaction() as cursor:  # the table as the first version made it
        cursor.execute(f"ALTER TABLE {prefix}quarantine RENAME TO {prefix}quarantine_now")
        cursor.execute(
            f"""CREATE TABLE {prefix}quarantine (
            stream TEXT NOT NULL, sequence BIGINT NOT NULL, event_id TEXT, event_type TEXT,
            error_type TEXT NOT NULL, reason TEXT NOT NULL, excerpt TEXT NOT NULL,
            event_hash TEXT NOT NULL, chain TEXT NOT NULL, PRIMARY KEY (stream, sequence))"""
        )
        cursor.execute(
            f"INSERT INTO {prefix}quarantine SELECT stream, sequence, event_id, event_type, "
            f"error_type, reason, excerpt, event_hash, chain FROM {prefix}quarantine_now"
        )
        cursor.execute(f"DROP TABLE {prefix}quarantine_now")

    again = build_registry(settings)
    again.apply_batch(EVENTS_STREAM, [(2, b"[1, 2", RATED)])

    rows = quarantined(again.db)
    assert [(r["sequence"], r["subject"]) for r in rows] == [(1, None), (2, RATED)]
