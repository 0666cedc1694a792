"""The persistence contract, one suite run on SQLite and on PostgreSQL (the ``settings`` fixture).

A service's store records its domain events and the position it processed in one transaction
(DESIGN.md, "Consuming is exactly-once in effect"); the position never goes backwards, because
``eventsourcing``'s single-row tracking refuses a position at or below the recorded one; and a
transaction that fails records nothing. The registry's own store applies the log strictly in
sequence and a rebuild from sequence 1 gives the same digest.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from services.registry.adapters.db import Database, open_database
from services.registry.application import Registry
from services.registry.projections import OutOfOrderError
from services.registry.queries import applied, digest, export_lines
from services.submission.application import SubmissionApplication
from services.submission.bootstrap import build_application
from services.submission.domain import Application, violations_on_arrival
from services.submission.integration import translate
from shared.bus.consumer import Delivery, TransientError
from shared.config import Settings
from shared.contract.envelope import Envelope, new_envelope
from shared.contract.events import ApplicationSubmitted
from shared.contract.subjects import EVENTS_STREAM
from tests.support import park_application

pytestmark = pytest.mark.integration

INTAKE = "INTAKE"


def new_application(number: int, *, rejected: bool = False) -> Application:
    """A real Application aggregate, accepted or refused on arrival, with its pending event."""
    details = park_application(name=f"示范园区 {number}")
    category = "enterprise" if rejected else "park"
    details["category"] = category
    violations = [
        vars(v) for v in violations_on_arrival("NIID", category, details["domain"], None)
    ]  # fmt: skip
    assert bool(violations) == rejected
    return Application(
        application_id=f"NIID-430000-{number:012d}",
        province="430000",
        details=details,
        violations=violations,
        actor="430000",
        occurred_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
        correlation_id=uuid4(),
        causation_id=uuid4(),
    )


def stored_originators(app: SubmissionApplication) -> list[UUID]:
    """The originator of every notification in the store, in notification order."""
    notifications = app.process_recorder.select_notifications(1, 1000)
    return [notification.originator_id for notification in notifications]  # type: ignore[misc]


# --- the service's event store -------------------------------------------------------------


def test_events_and_the_tracked_position_are_recorded_together(
    app: SubmissionApplication,
) -> None:
    application = new_application(1)

    app.record(application, upstream=INTAKE, position=7)

    assert app.position(INTAKE) == 7
    notifications = app.process_recorder.select_notifications(1, 10)
    assert [n.originator_id for n in notifications] == [application.id]
    assert notifications[0].topic.endswith("Application.Received")
    stored = app.repository.get(application.id)
    assert stored.application_id == application.application_id


def test_whether_an_aggregate_exists_is_answered_by_the_batch_the_cache_or_the_store(
    app: SubmissionApplication,
) -> None:
    """ADR 11: an id is in the repository if this batch recorded it, the cache holds it or the
    store holds any of its events; a new id costs one read of the store, not a rebuild."""
    recorded, in_batch = new_application(1), new_application(2)
    app.record(recorded, upstream=INTAKE, position=1)
    app.forget_cached()  # the store is asked, not the cache

    assert recorded.id in app.repository
    assert uuid4() not in app.repository
    with app.one_commit():
        app.record(in_batch, upstream=INTAKE, position=2)
        assert in_batch.id in app.repository  # recorded in this batch, not yet in the store
    assert in_batch.id in app.repository  # committed: in the cache and in the store
    app.forget_cached()
    assert in_batch.id in app.repository


def test_advance_records_a_position_with_no_events(app: SubmissionApplication) -> None:
    assert app.position(INTAKE) == 0

    app.advance(INTAKE, 3)

    assert app.position(INTAKE) == 3
    assert app.process_recorder.max_notification_id() in (None, 0)
    assert stored_originators(app) == []


def test_positions_of_different_upstreams_are_kept_apart(app: SubmissionApplication) -> None:
    app.advance(INTAKE, 5)
    app.advance("outbox", 2)

    assert (app.position(INTAKE), app.position("outbox"), app.position("OTHER")) == (5, 2, 0)


def test_a_position_never_goes_backwards(app: SubmissionApplication) -> None:
    """Single-row tracking refuses a position at or below the recorded one, with IntegrityError:
    "already processed" means "at or below it" (DESIGN.md, "Order before throughput")."""
    app.record(new_application(1), upstream=INTAKE, position=7)

    for stale in (7, 6, 1):
        with pytest.raises(IntegrityError):
            app.advance(INTAKE, stale)
        assert app.position(INTAKE) == 7

    app.advance(INTAKE, 8)
    assert app.position(INTAKE) == 8


def test_reprocessing_a_recorded_position_records_none_of_its_events(
    app: SubmissionApplication,
) -> None:
    """The tracking row is written after the events in the same transaction; when it is refused,
    the events written before it in that transaction are rolled back too."""
    first = new_application(1)
    app.record(first, upstream=INTAKE, position=7)
    late = new_application(2)

    with pytest.raises(IntegrityError):
        app.record(late, upstream=INTAKE, position=7)
    with pytest.raises(IntegrityError):
        app.record(new_application(3), upstream=INTAKE, position=4)

    assert app.position(INTAKE) == 7
    assert stored_originators(app) == [first.id]
    assert late.id not in app.repository


def test_a_failed_transaction_records_neither_events_nor_position(
    app: SubmissionApplication,
) -> None:
    """Saving an aggregate whose id is already stored fails; the new position, and the other
    aggregate saved with it, are not recorded either."""
    original = new_application(1)
    app.record(original, upstream=INTAKE, position=1)
    duplicate = new_application(1)  # the same application id, so the same aggregate id
    innocent = new_application(2)
    assert duplicate.id == original.id

    with pytest.raises(IntegrityError):
        app.record(innocent, duplicate, upstream=INTAKE, position=2)

    assert app.position(INTAKE) == 1
    assert stored_originators(app) == [original.id]
    assert innocent.id not in app.repository

    # The store is still usable, and the position that failed can be recorded afterwards.
    app.record(new_application(3), upstream=INTAKE, position=2)
    assert app.position(INTAKE) == 2
    assert len(stored_originators(app)) == 2


def test_a_store_reopened_by_a_new_process_sees_what_was_recorded(settings: Settings) -> None:
    first = build_application(settings)
    try:
        recorded = new_application(1)
        first.record(recorded, upstream=INTAKE, position=9)
    finally:
        first.close()

    second = build_application(settings)
    try:
        assert second.position(INTAKE) == 9
        assert stored_originators(second) == [recorded.id]
    finally:
        second.close()


# --- the registry's store ------------------------------------------------------------------


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    db = open_database(settings)
    try:
        yield db
    finally:
        db.close()


def envelopes_of_applications(count: int) -> list[bytes]:
    """The bytes of the integration events of real aggregates, as the relay would publish them;
    every third application is refused on arrival."""
    data = []
    for number in range(1, count + 1):
        aggregate = new_application(number, rejected=number % 3 == 0)
        for domain_event in aggregate.collect_events():
            envelope = translate(domain_event)
            assert envelope is not None
            data.append(envelope.to_json())
    return data


def submitted_envelope(application_id: str) -> bytes:
    """An ApplicationSubmitted built by hand with ``new_envelope``."""
    payload = ApplicationSubmitted(
        application_id=application_id, programme="EIDB", category="enterprise",
        name="某机器人有限公司", applicant="某机器人有限公司", domain="智能机器人",
        uscc="91350100M000100Y43",
    )  # fmt: skip
    return new_envelope(
        payload,
        event_id=uuid4(),
        occurred_at=datetime(2026, 4, 1, 9, tzinfo=UTC),
        recorded_at=datetime(2026, 4, 1, 9, 5, tzinfo=UTC),
        actor="350000",
        province="350000",
        subject_id=application_id,
        correlation_id=uuid4(),
    ).to_json()


def test_the_registry_applies_events_only_in_sequence(database: Database) -> None:
    registry = Registry(database)
    data = envelopes_of_applications(3)

    assert registry.apply_batch(EVENTS_STREAM, [(1, data[0])]) == 1
    with pytest.raises(OutOfOrderError):
        registry.apply_batch(EVENTS_STREAM, [(3, data[2])])
    assert registry.position(EVENTS_STREAM) == 1

    # Live, a gap is transient: the consumer naks and the missing event comes first.
    with pytest.raises(TransientError):
        registry.handle(Delivery(EVENTS_STREAM, 3, "bases.v1.x", data[2]))
    assert registry.position(EVENTS_STREAM) == 1

    assert registry.apply_batch(EVENTS_STREAM, [(2, data[1]), (3, data[2])]) == 2
    assert registry.position(EVENTS_STREAM) == 3


def test_a_batch_with_a_gap_applies_none_of_it(database: Database) -> None:
    registry = Registry(database)
    data = envelopes_of_applications(3)

    with pytest.raises(OutOfOrderError):
        registry.apply_batch(EVENTS_STREAM, [(1, data[0]), (2, data[1]), (4, data[2])])

    assert registry.position(EVENTS_STREAM) == 0
    assert list(export_lines(database)) == []


def test_an_event_applied_already_changes_nothing(database: Database) -> None:
    registry = Registry(database)
    data = envelopes_of_applications(3)
    registry.apply_batch(EVENTS_STREAM, list(enumerate(data, start=1)))
    before = (digest(database), applied(database, EVENTS_STREAM))

    assert registry.apply_batch(EVENTS_STREAM, [(1, data[0])]) == 0
    assert registry.apply_batch(EVENTS_STREAM, [(3, data[2])]) == 0
    assert registry.handle(Delivery(EVENTS_STREAM, 2, "bases.v1.x", data[1])) is None

    assert (digest(database), applied(database, EVENTS_STREAM)) == before


def test_the_registry_digest_is_the_same_after_drop_and_reapply(database: Database) -> None:
    registry = Registry(database)
    data = [*envelopes_of_applications(7), submitted_envelope("EIDB-350000-000000000001")]
    batch = list(enumerate(data, start=1))
    registry.apply_batch(EVENTS_STREAM, batch[:4])
    for sequence, event in batch[4:]:  # part in a batch, part one at a time as live
        registry.handle(Delivery(EVENTS_STREAM, sequence, "bases.v1.x", event))
    live_digest, live_head = digest(database), applied(database, EVENTS_STREAM)
    live_export = list(export_lines(database))
    assert live_head[0] == len(data)
    assert len(live_export) == 8 + len(data)  # eight entries, then one line per event

    registry.drop()
    assert applied(database, EVENTS_STREAM)[0] == 0
    assert list(export_lines(database)) == []
    registry.apply_batch(EVENTS_STREAM, batch)

    assert digest(database) == live_digest
    assert applied(database, EVENTS_STREAM) == live_head
    assert list(export_lines(database)) == live_export


def test_the_registry_records_what_the_events_say(database: Database) -> None:
    registry = Registry(database)
    data = envelopes_of_applications(3)
    registry.apply_batch(EVENTS_STREAM, list(enumerate(data, start=1)))

    lines: list[dict[str, Any]] = [json.loads(line) for line in export_lines(database)]
    statuses = {e["entry"]["subject_id"]: e["entry"]["status"] for e in lines if "entry" in e}
    assert statuses == {
        "NIID-430000-000000000001": "submitted",
        "NIID-430000-000000000002": "submitted",
        "NIID-430000-000000000003": "rejected",
    }
    events = [e["event"] for e in lines if "event" in e]
    assert [e["event_id"] for e in events] == [
        str(Envelope.from_json(d).event_id) for d in data
    ]  # fmt: skip
