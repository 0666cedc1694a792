"""A store outage is waited out, not refused (issue 12, "Done when").

A store that is away for a while (an SQLite file another connection holds locked, a PostgreSQL
that drops the service's connections and lets none in) is the store's fault, never the attempt's
(``shared.store.STORE_FAULTS``): the handler turns it into a ``TransientError``, the consumer
naks the attempt and decides it again, until the store is back. The attempt sent during the
outage is then decided as if nothing had happened: accepted, recorded and published once, and no
refusal on ``REFUSALS``.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from prometheus_client import REGISTRY

from demobase.client import caught_up, intake_message, send_command
from demobase.clock import set_clock
from services.registry.bootstrap import build_registry
from services.registry.queries import find_entry
from services.submission.bootstrap import build as build_submission
from shared.bus.connection import connect
from shared.bus.consumer import REPLY_HEADER, Delivery
from shared.bus.handler import ServiceHandler
from shared.bus.runtime import ServiceRuntime, status_subject
from shared.bus.server import EmbeddedNats
from shared.bus.streams import ensure_streams
from shared.config import Settings
from shared.contract.commands import IntakeDecision
from shared.contract.provinces import MINISTRY
from shared.contract.subjects import INTAKE_STREAM, REFUSALS_STREAM, intake_subject
from tests.e2e.test_submission_path import all_log_events, log_events, registry_runtime
from tests.support import at, load_catalogue, park_application, running, wait_until

pytestmark = pytest.mark.fault

HUNAN = "430000"
DAY = "2026-03-20"
GIVES_UP = 1
"""Seconds after which SQLite gives up on a lock here (``SQLITE_LOCK_TIMEOUT``, 10 in
production). The outage must outlast it, or SQLite itself waits it out and the service's own
retry is never needed."""
OUTAGE = GIVES_UP + 2.0
"""Seconds the SQLite store is locked while the attempt waits."""
PG_OUTAGE = GIVES_UP + 2.0
"""Seconds the service's PostgreSQL role is shut out while the attempt waits: within what
eventsourcing's recorder waits by itself (10 tries 0.2 s apart, each waiting
``POSTGRES_CONNECT_TIMEOUT``, 1 s here and 30 s by default, for a connection)."""


class QuickStoreSettings(Settings):
    """The platform's settings with the store giving up after :data:`GIVES_UP` seconds."""

    def eventsourcing_env(self, service: str) -> dict[str, str]:
        env = super().eventsourcing_env(service)
        if self.uses_postgres:
            env["POSTGRES_CONNECT_TIMEOUT"] = str(GIVES_UP)
        else:
            assert int(env["SQLITE_LOCK_TIMEOUT"]) > GIVES_UP  # production's is longer
            env["SQLITE_LOCK_TIMEOUT"] = str(GIVES_UP)
        return env


def application() -> dict[str, Any]:
    return intake_message("SubmitApplication", park_application(), HUNAN, f"province:{HUNAN}",
                          at(DAY))  # fmt: skip


async def ready(url: str) -> None:
    """The catalogue loaded and the clock set on the attempt's day (so that the attempt is the
    only thing left to record), and everything recorded so far published."""
    await load_catalogue(url)
    assert (await set_clock(url, "submission", at(DAY))).accepted
    await caught_up(url, "submission", deadline_seconds=10)


def redelivered() -> int:
    """How many times the submission service has taken its attempts again after a transient
    failure (``demobase_transient_retries_total``: a nak, or its batch decided again from the
    recorded position)."""
    labels = {"service": "submission", "stream": INTAKE_STREAM}
    return int(REGISTRY.get_sample_value("demobase_transient_retries_total", labels) or 0)


async def decided_once(
    url: str, settings: Settings, message: dict[str, Any], decision: IntakeDecision
) -> None:
    """Accepted, one ApplicationSubmitted on the log for it, in the registry, nothing refused."""
    assert decision.accepted and decision.recorded == "ApplicationSubmitted", decision
    await caught_up(url, "submission", deadline_seconds=10)  # all it recorded is published
    events = [e for e in await log_events(url) if e.event_type == "ApplicationSubmitted"]
    assert [str(e.causation_id) for e in events] == [message["command_id"]]
    db = build_registry(settings).db
    await wait_until(lambda: find_entry(db, str(decision.subject_id)), timeout=10)
    nc = await connect(url, "test-refusals")
    try:
        refusals = (await nc.jetstream().stream_info(REFUSALS_STREAM)).state.messages
    finally:
        await nc.drain()
    assert refusals == 0


async def test_an_attempt_sent_while_the_sqlite_store_is_locked_is_decided_once_it_is_free(
    nats_server: EmbeddedNats, sqlite_settings: Settings
) -> None:
    """Another connection holds an exclusive lock on the submission service's SQLite file for
    longer than SQLite's own busy timeout: the attempt is not decided (nor refused) while it is
    held, is taken again after each ``database is locked``, and once the lock is released it is
    accepted, exactly once."""
    url = nats_server.url
    settings = QuickStoreSettings(**{**sqlite_settings.model_dump(), "nats_url": url})
    path = settings.var_dir / "submission.sqlite"
    nc = await connect(url, "test")
    async with running(build_submission(settings), registry_runtime(settings, url)):
        await ready(url)
        message = application()
        retried_before = redelivered()
        lock = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            lock.execute("BEGIN EXCLUSIVE")
            locked = time.monotonic()
            sending = asyncio.create_task(send_command(url, "submission", message, timeout=30))
            await asyncio.sleep(OUTAGE)
            assert not sending.done(), f"decided while the store was locked: {sending.result()}"
            retried = redelivered() - retried_before
        finally:
            lock.rollback()
            lock.close()
        freed = time.monotonic()
        decision = await asyncio.wait_for(sending, timeout=15)
        waited_after, waited = time.monotonic() - freed, time.monotonic() - locked
        await decided_once(url, settings, message, decision)
    await nc.drain()
    assert retried >= 1  # SQLite gave up on the lock and the service took the attempt again
    assert waited >= OUTAGE and waited_after < 3.0, (waited, waited_after)


async def test_an_attempt_refused_while_the_sqlite_store_is_locked_is_refused_once_it_is_free(
    nats_server: EmbeddedNats, sqlite_settings: Settings
) -> None:
    """A refusal records only the attempt's position; while the store is locked that fails too,
    and is retried like any store fault (it stopped the service): the attempt is refused once
    the lock is released, its dead letter on REFUSALS once, and the next attempt accepted."""
    url = nats_server.url
    settings = QuickStoreSettings(**{**sqlite_settings.model_dump(), "nats_url": url})
    nc = await connect(url, "test")
    js = nc.jetstream()
    async with running(build_submission(settings), registry_runtime(settings, url)):
        await ready(url)
        inbox = f"_INBOX.p{HUNAN}.{uuid4().hex}"
        replies = await nc.subscribe(inbox, max_msgs=1)
        retried_before = redelivered()
        lock = sqlite3.connect(settings.var_dir / "submission.sqlite", timeout=0,
                               isolation_level=None)  # fmt: skip
        try:
            lock.execute("BEGIN EXCLUSIVE")
            subject = intake_subject("submission", HUNAN, "SubmitApplication")
            headers = {REPLY_HEADER: inbox}
            await js.publish(subject, b"not json", stream=INTAKE_STREAM, headers=headers)
            await asyncio.sleep(OUTAGE)
            status = await nc.request(status_subject("submission"), b"", timeout=5)
            assert json.loads(status.data)["service"] == "submission"  # still running
            retried = redelivered() - retried_before
        finally:
            lock.rollback()
            lock.close()
        reply = IntakeDecision.model_validate_json((await replies.next_msg(timeout=10)).data)
        message = application()
        decision = await send_command(url, "submission", message, timeout=10)
    refusals = (await js.stream_info(REFUSALS_STREAM)).state.messages
    await nc.drain()
    assert retried >= 1
    assert not reply.accepted and reply.problems[0].field == "(message)"
    assert refusals == 1
    assert decision.accepted, decision


async def test_a_fact_recorded_before_a_restart_is_published_once_the_locked_store_is_free(
    nats_server: EmbeddedNats, sqlite_settings: Settings
) -> None:
    """The relay waits the store out too. The service starts with a fact recorded but not yet on
    the log (it stopped in between) while another connection holds its SQLite store: the relay
    publishes the fact, cannot record that it did (``database is locked``: this stopped the
    service), retries, and once the lock is released records it; the fact is on the log once
    and the service never stopped."""
    url = nats_server.url
    settings = QuickStoreSettings(**{**sqlite_settings.model_dump(), "nats_url": url})
    nc = await connect(url, "test")
    js = nc.jetstream()
    await ensure_streams(js)
    message = intake_message("SetPlatformClock", {"to": at(DAY).isoformat(), "reason": "演练"},
                             MINISTRY, "ministry:operator", at(DAY))  # fmt: skip
    subject = intake_subject("submission", MINISTRY, "SetPlatformClock")
    ack = await js.publish(subject, json.dumps(message).encode(), stream=INTAKE_STREAM,
                           headers={"Nats-Msg-Id": message["command_id"]})  # fmt: skip
    submission = build_submission(settings)
    handler = submission.handler
    assert isinstance(handler, ServiceHandler)
    delivery = Delivery(INTAKE_STREAM, int(ack.seq), subject, json.dumps(message).encode())
    assert handler.decide(delivery).accepted  # recorded, as by a service stopped before its relay
    lock = sqlite3.connect(settings.var_dir / "submission.sqlite", timeout=0, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        async with running(submission):
            await asyncio.sleep(OUTAGE)
            status = await nc.request(status_subject("submission"), b"", timeout=5)
            assert json.loads(status.data)["unpublished"] > 0  # and the service still answers
            lock.rollback()
            await caught_up(url, "submission", deadline_seconds=10)
    finally:
        lock.close()
    events = await all_log_events(url)
    await nc.drain()
    assert [(e.event_type, str(e.causation_id)) for e in events] == [
        ("PlatformClockSet", message["command_id"])
    ]


# --- PostgreSQL ------------------------------------------------------------------------------


@pytest.fixture
def service_role(postgres_conninfo: str, postgres_schema: str) -> Iterator[tuple[str, str]]:
    """A PostgreSQL role of the submission service's own, with rights on the test's schema only,
    so that an outage can be made for its connections alone; (name, password). Dropped after."""
    role, password = f"{postgres_schema}_submission", "outage"
    with psycopg.connect(postgres_conninfo, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'")
        admin.execute(f'GRANT USAGE, CREATE ON SCHEMA "{postgres_schema}" TO "{role}"')
    try:
        yield role, password
    finally:
        with psycopg.connect(postgres_conninfo, autocommit=True) as admin:
            admin.execute(f'ALTER ROLE "{role}" NOLOGIN')
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                (role,),
            )
            admin.execute(f'DROP OWNED BY "{role}"')
            admin.execute(f'DROP ROLE "{role}"')


def terminate(conninfo: str, role: str, *, login: bool) -> int:
    """Let ``role`` log in or not; without, end its connections. How many were ended."""
    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute(f'ALTER ROLE "{role}" {"LOGIN" if login else "NOLOGIN"}')
        if login:
            return 0
        row = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = %s",
            (role,),
        ).fetchone()
    return int(row[0]) if row else 0


async def test_an_attempt_sent_while_postgresql_drops_the_service_is_decided_once_it_is_back(
    nats_server: EmbeddedNats,
    postgres_settings: Settings,
    postgres_conninfo: str,
    service_role: tuple[str, str],
) -> None:
    """The submission service's connections are terminated (``pg_terminate_backend``) and its
    role may not log in for a while: the attempt sent meanwhile waits (eventsourcing's recorder
    tries again by itself for as long as this outage lasts), and once the role may log in again
    it is accepted, exactly once; the service never stopped."""
    url = nats_server.url
    role, password = service_role
    settings = postgres_settings.model_copy(update={"nats_url": url})
    own = QuickStoreSettings(
        **{**settings.model_dump(), "postgres_user": role, "postgres_password": password}
    )
    submission: ServiceRuntime = build_submission(own)
    async with running(submission, registry_runtime(settings, url)):
        await ready(url)
        message = application()
        try:
            ended = await asyncio.to_thread(terminate, postgres_conninfo, role, login=False)
            down = time.monotonic()
            sending = asyncio.create_task(send_command(url, "submission", message, timeout=60))
            await asyncio.sleep(PG_OUTAGE)
            assert not sending.done(), f"decided while the store was away: {sending.result()}"
        finally:
            await asyncio.to_thread(terminate, postgres_conninfo, role, login=True)
        back = time.monotonic()
        decision = await asyncio.wait_for(sending, timeout=30)
        waited_after, waited = time.monotonic() - back, time.monotonic() - down
        await decided_once(url, settings, message, decision)
    assert ended >= 1  # the service's connections were cut
    assert waited >= PG_OUTAGE and waited_after < 10.0, (waited, waited_after)
