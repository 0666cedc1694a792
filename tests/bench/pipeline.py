"""The pipeline benchmark: ``python -m tests.bench.pipeline [--events N] [--postgres]``.

In one run, in a temporary directory, with its own embedded nats-server (``sync_interval: always``)
and its own stores (SQLite files, or a fresh PostgreSQL schema with ``--postgres``), it measures:

(a) end to end: N valid ``SubmitApplication`` attempts published pipelined onto ``INTAKE`` (as a
    province's tool would), decided by the submission service, relayed to ``EVENTS`` and applied by
    the registry, both services running in this process; events/s from the first publish until the
    registry has applied N events;
(b) the registry's rebuild (``services.registry.rebuild.rebuild``) into a fresh store over the same
    ``EVENTS`` stream;
(c) beside them, the raw rates of the parts: JetStream publish awaiting each ack and pipelined, to
    scratch streams with the log's settings, and a bare nats-py ordered-consumer read of ``EVENTS``
    three ways (``async for``, ``next_msg``, a callback), and the replay's own reader alone.

The ratios divide by the best raw figure of each kind: ``e2e_vs_raw_publish`` by the faster of the
two publishes (pipelined), ``rebuild_vs_raw_read`` by the fastest read (the callback).

It prints exactly one JSON line on stdout; progress goes to stderr. Every loop has a count and a
deadline (``--deadline`` seconds for the whole run). No test asserts a time: the figures depend on
the machine, and ``docs/bench.md`` says how to read them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import platform
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy

from demobase.client import intake_message, send_command
from services.registry.adapters.db import Database, open_database
from services.registry.application import Registry
from services.registry.bootstrap import THE_LOG, build_registry
from services.registry.config import SERVICE as REGISTRY
from services.registry.queries import applied, digest, list_entries
from services.registry.rebuild import rebuild
from services.registry.replay import read_log
from services.submission.bootstrap import build as build_submission
from shared.bus.connection import Credentials, connect, waiting_out_elections
from shared.bus.consumer import TrackedHandler
from shared.bus.runtime import ServiceRuntime, Subscription, status_subject
from shared.bus.server import EmbeddedNats
from shared.bus.streams import ensure_streams, log_stream_config
from shared.config import POSTGRES, SQLITE, Settings
from shared.contract.subjects import EVENTS_STREAM, EVENTS_SUBJECTS, INTAKE_STREAM, intake_subject
from shared.logging import configure_logging
from tests.support import at, load_catalogue, park_application, running

DEFAULT_EVENTS = 2000
DEFAULT_DEADLINE = 170.0
PROVINCES = ("110000", "310000", "320000", "330000", "430000", "440000", "510000", "610000")
READ_MIN_SECONDS = 0.5
READ_MAX_PASSES = 50
POLL_SECONDS = 0.02
PACED_ATTEMPTS = 1000
"""Attempts of the paced latency phase: ten seconds at 100 a second."""
PACED_POLL_SECONDS = 0.002
E2E_SERVICES = ("submission", "registry")
"""The services an application's decision goes through to be visible in the registry."""

KEYS = (
    "events", "e2e_events_per_s", "rebuild_events_per_s", "raw_publish_acked_per_s",
    "raw_publish_pipelined_per_s", "raw_ordered_read_per_s", "e2e_vs_raw_publish",
    "rebuild_vs_raw_read", "machine",
)  # fmt: skip
"""The keys every result has (the smoke test checks them)."""


class BenchTimeoutError(RuntimeError):
    """A phase of the bench did not finish within its share of the deadline."""


def say(message: str) -> None:
    """Human progress, on stderr (stdout carries only the JSON line)."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


@dataclass
class Deadline:
    """The whole run's deadline; every loop checks it."""

    at: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def left(self) -> float:
        return self.at - time.monotonic()

    def check(self, what: str) -> None:
        if time.monotonic() > self.at:
            raise BenchTimeoutError(f"deadline passed during {what}")

    async def within(self, awaitable: Awaitable[Any], what: str) -> Any:
        try:
            return await asyncio.wait_for(awaitable, timeout=max(self.left(), 0.001))
        except TimeoutError:
            raise BenchTimeoutError(f"deadline passed during {what}") from None


@dataclass(frozen=True)
class Attempt:
    """One intake message, encoded before the clock starts."""

    subject: str
    data: bytes
    msg_id: str


def attempts(count: int, name: str = "示范园区") -> list[Attempt]:
    """``count`` valid NIID park applications from several provinces, each with its own id (and
    a name of its own, ``name`` followed by its number)."""
    issued = at("2026-03-20")
    result = []
    for i in range(count):
        province = PROVINCES[i % len(PROVINCES)]
        body = park_application(name=f"{name}{i:06d}", applicant=f"{name}管理委员会{i:06d}")
        message = intake_message(
            "SubmitApplication", body, province, f"province:{province}", issued
        )
        data = json.dumps(message, ensure_ascii=False).encode()
        subject = intake_subject("submission", province, "SubmitApplication")
        result.append(Attempt(subject, data, message["command_id"]))
    return result


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else 0.0


def ratio(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole > 0 else 0.0


# --- (c) raw rates ---------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def scratch_stream(js: JetStreamContext, name: str, replicas: int = 1) -> AsyncIterator[str]:
    """A stream with the log's settings (file storage, dedupe window) on ``bench.<name>.>``."""
    subjects = f"bench.{name.lower()}.>"
    config = log_stream_config(name, subjects, "demobase bench scratch", replicas)
    await js.add_stream(config=config)
    try:
        yield subjects.removesuffix(">")
    finally:
        with contextlib.suppress(Exception):
            await js.delete_stream(name)


async def publish_acked(js: JetStreamContext, items: list[Attempt], deadline: Deadline) -> float:
    """Seconds to publish ``items`` one at a time, awaiting each ack."""
    async with scratch_stream(js, "BENCH_ACKED") as prefix:
        started = time.perf_counter()
        for item in items:
            deadline.check("raw acked publish")
            ack = await js.publish(
                prefix + "x", item.data, stream="BENCH_ACKED", headers={"Nats-Msg-Id": item.msg_id}
            )
            assert not ack.duplicate
        return time.perf_counter() - started


async def publish_pipelined(
    js: JetStreamContext, items: list[Attempt], stream: str, subject: Callable[[Attempt], str],
    deadline: Deadline, what: str,
) -> float:  # fmt: skip
    """Seconds to publish ``items`` without waiting between them, until the last ack arrived."""
    started = time.perf_counter()
    futures = []
    for item in items:
        deadline.check(what)
        future = await js.publish_async(
            subject(item), item.data, stream=stream, headers={"Nats-Msg-Id": item.msg_id},
            wait_stall=max(deadline.left(), 0.001),
        )  # fmt: skip
        futures.append(future)
    acks = await deadline.within(asyncio.gather(*futures), what)
    elapsed = time.perf_counter() - started
    duplicates = sum(1 for ack in acks if ack.duplicate)
    if duplicates:
        raise RuntimeError(f"{what}: {duplicates} of {len(acks)} acks said duplicate")
    return elapsed


async def raw_publish_pipelined(
    js: JetStreamContext, items: list[Attempt], deadline: Deadline, replicas: int = 1
) -> float:
    async with scratch_stream(js, "BENCH_PIPELINED", replicas) as prefix:
        return await publish_pipelined(
            js, items, "BENCH_PIPELINED", lambda _: prefix + "x", deadline, "raw pipelined publish"
        )


READ_MODES = ("iterate", "next_msg", "callback")
"""How a reader takes messages off an ordered consumer: ``async for`` over ``sub.messages`` (the
headline figure), ``next_msg`` with the stream sequence read from each message's metadata (what
``rebuild`` does), or a callback (nats-py's fastest path)."""


async def ordered_read_once(js: JetStreamContext, last: int, mode: str, timeout: float) -> int:
    """Read ``EVENTS`` from sequence 1 to ``last`` with an ordered consumer; return the count."""
    count = 0
    done = asyncio.Event()

    async def on_message(_message: Msg) -> None:
        nonlocal count
        count += 1
        if count >= last:
            done.set()

    async def take() -> None:
        nonlocal count
        if mode == "iterate":
            async for _message in sub.messages:
                count += 1
                if count >= last:
                    return
        elif mode == "next_msg":
            while count < last:
                message = await sub.next_msg(timeout=timeout)
                count += 1
                if message.metadata.sequence.stream >= last:
                    return
        else:
            await done.wait()

    sub = await js.subscribe(
        EVENTS_SUBJECTS, stream=EVENTS_STREAM, ordered_consumer=True,
        deliver_policy=DeliverPolicy.ALL, cb=on_message if mode == "callback" else None,
    )  # fmt: skip
    try:
        await asyncio.wait_for(take(), timeout=timeout)
    except TimeoutError:
        raise BenchTimeoutError(f"ordered read ({mode}) stalled after {count} of {last}") from None
    finally:
        await sub.unsubscribe()
    return count


async def raw_ordered_read(
    js: JetStreamContext, mode: str, deadline: Deadline
) -> tuple[int, float, int]:
    """Messages, seconds and passes of whole-stream reads, repeated until the time is measurable."""
    last = (await js.stream_info(EVENTS_STREAM)).state.last_seq
    total, passes = 0, 0
    started = time.perf_counter()
    while passes < READ_MAX_PASSES and time.perf_counter() - started < READ_MIN_SECONDS:
        deadline.check(f"raw ordered read ({mode})")
        read = await ordered_read_once(js, last, mode, max(min(deadline.left(), 30.0), 0.001))
        if read != last:
            raise RuntimeError(f"ordered read gave {read} messages, the stream holds {last}")
        total += read
        passes += 1
    return total, time.perf_counter() - started, passes


async def replay_read_only(js: JetStreamContext, deadline: Deadline) -> tuple[int, float]:
    """Messages and seconds of one whole-stream read by ``replay.read_log``, applying nothing."""
    last = (await js.stream_info(EVENTS_STREAM)).state.last_seq
    count = 0
    started = time.perf_counter()
    async for batch in read_log(js, 1, last):
        deadline.check("replay read")
        count += len(batch)
    return count, time.perf_counter() - started


# --- (a) end to end ------------------------------------------------------------------------


CLOCK_EVENTS = 1
"""Events on the log before the attempts: the platform's clock set to their day (P-POSTMARK)."""


def registry_runtime(settings: Settings, registry: Registry) -> ServiceRuntime:
    """The registry's projection consumer as ``bootstrap.build`` makes it, without the HTTP task."""
    assert settings.nats_url is not None
    handler: TrackedHandler = registry
    return ServiceRuntime(
        service=REGISTRY, nats_url=settings.nats_url, handler=handler,
        subscriptions=(THE_LOG,), credentials=Credentials.from_settings(settings),
        stream_replicas=settings.stream_replicas,
    )  # fmt: skip


async def until_applied(
    js: JetStreamContext, db: Database, count: int, deadline: Deadline,
    alive: Callable[[], None] = lambda: None,
) -> tuple[int, float, float]:  # fmt: skip
    """Poll until the registry's store ``db`` has applied ``count`` events after the clock's;
    the events it applied, and when the log held them all and when the registry did."""
    relayed_at: float | None = None
    applied_count = 0
    while True:
        deadline.check(f"e2e wait (registry applied {applied_count} of {count})")
        alive()
        applied_count = applied(db, EVENTS_STREAM)[0]
        now = time.perf_counter()
        if relayed_at is None:
            on_log = (await js.stream_info(EVENTS_STREAM)).state.messages
            if on_log >= count + CLOCK_EVENTS:
                relayed_at = now
        if applied_count >= count + CLOCK_EVENTS:
            return applied_count, relayed_at or now, now
        await asyncio.sleep(POLL_SECONDS)


def e2e_result(
    db: Database, applied_count: int, times: tuple[float, float, float, float]
) -> dict[str, Any]:
    """What an e2e phase found in the registry's store, and its milestones from the first
    publish (``times``: the start, seconds until every intake ack, when the log held all, when
    the registry did)."""
    started, published, relayed_at, finished = times
    entries = list_entries(db)
    return {
        "elapsed": finished - started,
        "registry_applied": applied_count - CLOCK_EVENTS,
        "registry_entries": len(entries),
        "registry_submitted": sum(1 for entry in entries if entry["status"] == "submitted"),
        "live_digest": digest(db),
        "breakdown_s": {
            "intake_all_acked": round(published, 3),
            "events_all_on_log": round(relayed_at - started, 3),
            "registry_all_applied": round(finished - started, 3),
        },
    }


@contextlib.asynccontextmanager
async def services_in_process(settings: Settings) -> AsyncIterator[Database]:
    """The submission service and the registry running in the bench's process; the registry's
    store."""
    registry = build_registry(settings)
    async with running(build_submission(settings), registry_runtime(settings, registry)):
        yield registry.db


async def end_to_end(
    settings: Settings, js: JetStreamContext, items: list[Attempt], deadline: Deadline
) -> dict[str, Any]:
    """Publish every attempt pipelined and wait until the registry has applied as many events."""
    count = len(items)
    async with services_in_process(settings) as db:
        assert settings.nats_url is not None
        # reference data and the platform's clock on the attempts' day, before the clock starts
        await load_catalogue(
            settings.nats_url, day="2026-03-20", credentials=Credentials.from_settings(settings)
        )
        say(f"e2e: publishing {count} intake messages while submission and registry run")
        started = time.perf_counter()
        published = await publish_pipelined(
            js, items, INTAKE_STREAM, lambda item: item.subject, deadline, "e2e intake publish"
        )
        applied_count, relayed_at, finished = await until_applied(js, db, count, deadline)
    return e2e_result(db, applied_count, (started, published, relayed_at, finished))


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a process has used so far (Linux ``/proc``; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


@dataclass(frozen=True)
class Deployed:
    """The submission service and the registry running each as a process of its own: the
    registry process's store (read by the bench) and each process's pid."""

    db: Database
    pids: dict[str, int]
    alive: Callable[[], None]
    """Raises if one of the processes has exited."""


@contextlib.asynccontextmanager
async def services_as_deployed(
    settings: Settings, nc: Client, deadline: Deadline
) -> AsyncIterator[Deployed]:
    """The services of :data:`E2E_SERVICES` each a process of its own (``python -m
    services.<name>``), as ``make run`` and ``deploy/`` run them, once both answer and nothing
    is in flight: the catalogue loaded through the submission service, everything it recorded
    on the log, and the registry caught up with the whole log."""
    from tests.e2e.test_fault_restart import Process

    assert settings.nats_url is not None
    url = settings.nats_url
    logs = settings.var_dir / "bench-logs"
    logs.mkdir(parents=True, exist_ok=True)
    processes = [Process(name, settings, url, logs / f"{name}.log") for name in E2E_SERVICES]
    for process in processes:
        process.env.update(_process_env(settings))
        process.start()
    try:
        await load_catalogue(url, day="2026-03-20", credentials=Credentials.from_settings(settings))
        db = await _registry_store_once_ready(settings, processes, deadline)
        try:
            pids = {p.service: p.process.pid for p in processes if p.process is not None}
            deployed = Deployed(db, pids, lambda: _exited(processes))
            await _settled(nc, deployed, deadline)
            yield deployed
        finally:
            db.close()
    finally:
        for process in processes:
            process.stop()


async def _settled(nc: Client, deployed: Deployed, deadline: Deadline) -> None:
    """Until the submission service has published all it recorded and the registry has applied
    the whole log: nothing of before is counted as an attempt's of after."""
    while True:
        deadline.check("the services as deployed settling")
        deployed.alive()
        reply = await nc.request(status_subject("submission"), b"", timeout=2)
        if not json.loads(reply.data).get("unpublished"):
            last = (await nc.jetstream().stream_info(EVENTS_STREAM)).state.last_seq
            if applied(deployed.db, EVENTS_STREAM)[0] >= last:
                return
        await asyncio.sleep(POLL_SECONDS)


async def end_to_end_as_deployed(
    settings: Settings, nc: Client, items: list[Attempt], deadline: Deadline,
    nats_pids: list[int],
) -> dict[str, Any]:  # fmt: skip
    """As :func:`end_to_end`, with the services as deployed (:func:`services_as_deployed`); and
    the CPU seconds each process spent while the attempts were decided, applied and relayed."""
    count, js = len(items), nc.jetstream()
    async with services_as_deployed(settings, nc, deadline) as deployed:
        db, pids = deployed.db, deployed.pids
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        nats_before, own_before = sum(map(cpu_seconds, nats_pids)), own_cpu_seconds()
        say(f"e2e: publishing {count} intake messages to the services' own processes")
        started = time.perf_counter()
        published = await publish_pipelined(
            js, items, INTAKE_STREAM, lambda item: item.subject, deadline, "e2e intake publish"
        )
        applied_count, relayed_at, finished = await until_applied(
            js, db, count, deadline, alive=deployed.alive
        )
        cpu = {name: round(cpu_seconds(pid) - before[name], 2) for name, pid in pids.items()}
        cpu["nats_server"] = round(sum(map(cpu_seconds, nats_pids)) - nats_before, 2)
        cpu["bench"] = round(own_cpu_seconds() - own_before, 2)
        result = e2e_result(db, applied_count, (started, published, relayed_at, finished))
    return {**result, "cpu_s": cpu}


def _process_env(settings: Settings) -> dict[str, str]:
    """What a service process needs beyond its store: credentials, replicas, quiet logs."""
    env = {"STREAM_REPLICAS": str(settings.stream_replicas), "LOG_LEVEL": "WARNING"}
    if settings.nats_user:
        env.update(NATS_USER=settings.nats_user, NATS_PASSWORD=settings.nats_password or "")
    return env


async def _registry_store_once_ready(
    settings: Settings, processes: list[Any], deadline: Deadline
) -> Database:
    """The registry process's store, once it has applied the clock's event (its tables exist)."""
    while True:
        deadline.check("e2e: the registry process applying the clock's event")
        _exited(processes)
        db = open_database(settings)
        try:
            ready = applied(db, EVENTS_STREAM)[0] >= CLOCK_EVENTS
        except (sqlite3.Error, psycopg.Error):  # its tables are not made yet
            ready = False
        if ready:
            return db
        db.close()
        await asyncio.sleep(POLL_SECONDS)


def _exited(processes: list[Any]) -> None:
    for process in processes:
        if process.process is not None and process.process.poll() is not None:
            raise RuntimeError(
                f"{process.service} exited with {process.process.returncode}; see {process.log}"
            )


async def submit_to_registry_latency(
    settings: Settings, deadline: Deadline, samples: int = 20
) -> dict[str, float]:
    """One application at a time, as a province's tool sends it: milliseconds from publishing
    the attempt until the registry shows the decided fact (decision, relay, projection)."""
    assert settings.nats_url is not None
    url = settings.nats_url
    taken: list[float] = []
    async with services_in_process(settings) as db:
        for index in range(samples):
            deadline.check("latency")
            before = applied(db, EVENTS_STREAM)[0]
            body = park_application(name=f"时延园区{index:03d}")
            message = intake_message("SubmitApplication", body, "430000", "bench", at("2026-03-20"))
            started = time.perf_counter()
            await send_command(url, "submission", message)
            while applied(db, EVENTS_STREAM)[0] <= before:
                deadline.check("latency wait")
                await asyncio.sleep(0.001)
            taken.append((time.perf_counter() - started) * 1000)
    taken.sort()
    return {
        "samples": samples,
        "p50": round(taken[len(taken) // 2], 1),
        "p95": round(taken[int(len(taken) * 0.95) - 1], 1),
        "max": round(taken[-1], 1),
    }


def percentile(sorted_values: list[float], share: float) -> float:
    """The value below which ``share`` of the sorted values lie (nearest rank)."""
    rank = max(1, min(len(sorted_values), round(share * len(sorted_values) + 0.5)))
    return round(sorted_values[rank - 1], 1)


async def paced_latency(
    services: contextlib.AbstractAsyncContextManager[Database], js: JetStreamContext,
    deadline: Deadline, count: int = PACED_ATTEMPTS, per_second: float = 100.0,
) -> dict[str, Any]:  # fmt: skip
    """Submit → visible under a steady load: ``count`` attempts sent at ``per_second`` (each at
    its slot, pipelined, whatever the ones before it are doing), milliseconds from each slot until
    the registry shows the fact decided on it (issue 8's p99 target), while ``services`` run
    (they give the registry's store).

    The submission service decides its intake in stream order, one fact per valid attempt, so the
    k-th event the registry applies after the start is the k-th attempt's. Latency is taken from
    the slot, not from when the send got out, so a stalled sender cannot hide a queue."""
    items = attempts(count, name="节拍园区")
    visible: list[float] = []
    async with services as db:
        before = applied(db, EVENTS_STREAM)[0]
        started = time.perf_counter()
        slots = [started + index / per_second for index in range(count)]

        async def send() -> list[Any]:
            futures = []
            for item, slot in zip(items, slots, strict=True):
                deadline.check("paced latency send")
                await asyncio.sleep(max(0.0, slot - time.perf_counter()))
                futures.append(await js.publish_async(
                    item.subject, item.data, stream=INTAKE_STREAM,
                    headers={"Nats-Msg-Id": item.msg_id}, wait_stall=max(deadline.left(), 0.001),
                ))  # fmt: skip
            return list(await deadline.within(asyncio.gather(*futures), "paced latency acks"))

        sender = asyncio.ensure_future(send())
        while len(visible) < count:
            deadline.check(f"paced latency wait ({len(visible)} of {count} visible)")
            now = applied(db, EVENTS_STREAM)[0] - before
            seen_at = time.perf_counter()
            visible.extend(seen_at for _ in range(min(now, count) - len(visible)))
            await asyncio.sleep(PACED_POLL_SECONDS)
        await sender
        elapsed = visible[-1] - started
    taken = sorted((seen - slot) * 1000 for seen, slot in zip(visible, slots, strict=True))
    return {
        "attempts": count,
        "offered_per_s": per_second,
        "achieved_per_s": rate(count, elapsed),
        "p50": percentile(taken, 0.50),
        "p95": percentile(taken, 0.95),
        "p99": percentile(taken, 0.99),
        "max": round(taken[-1], 1),
        "poll_ms": PACED_POLL_SECONDS * 1000,
    }


# --- (b) rebuild ---------------------------------------------------------------------------


async def timed_rebuild(
    settings: Settings, js: JetStreamContext, deadline: Deadline
) -> tuple[int, float, float, str]:
    """Events, seconds in all, seconds until the last batch was applied, digest of a rebuild."""
    fresh = Registry(open_database(settings, name="rebuild"))
    applied_at: list[float] = []

    def progress(done: int, last: int) -> None:
        if done >= last:
            applied_at.append(time.perf_counter())

    started = time.perf_counter()
    result = await deadline.within(rebuild(fresh, js, progress=progress), "rebuild")
    elapsed = time.perf_counter() - started
    fresh.db.close()
    until_applied = (applied_at[0] if applied_at else time.perf_counter()) - started
    return result.events, elapsed, until_applied, result.digest


# --- (d) catch-up ------------------------------------------------------------------------


async def catch_up(
    settings: Settings, subscription: Subscription, name: str, deadline: Deadline
) -> float:
    """Seconds for a live registry consumer (a fresh store, as after a registry that was stopped)
    to apply the whole log through ``subscription``."""
    fresh = Registry(open_database(settings, name=name))
    assert settings.nats_url is not None
    runtime = ServiceRuntime(service=f"catch-up-{name}", nats_url=settings.nats_url,
                             handler=fresh, subscriptions=(subscription,))  # fmt: skip
    async with running(runtime):
        nc = await connect(settings.nats_url, "bench-catch-up")
        last = (await nc.jetstream().stream_info(EVENTS_STREAM)).state.last_seq
        await nc.drain()
        started = time.perf_counter()
        while applied(fresh.db, EVENTS_STREAM)[0] < last:
            deadline.check(f"catch-up {name}")
            await asyncio.sleep(0.02)
        elapsed = time.perf_counter() - started
    fresh.db.close()
    return elapsed


# --- the run -------------------------------------------------------------------------------


@contextlib.contextmanager
def postgres_schema(settings: Settings) -> Iterator[None]:
    """A fresh schema for the bench's stores, dropped afterwards."""
    conninfo = settings.postgres_conninfo
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f'CREATE SCHEMA "{settings.postgres_schema}"')
    try:
        yield
    finally:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{settings.postgres_schema}" CASCADE')


def bench_settings(var_dir: Path, nats_url: str, use_postgres: bool) -> Settings:
    if use_postgres:
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        return Settings(
            var_dir=var_dir, nats_url=nats_url, persistence_module=POSTGRES, postgres_schema=schema
        )
    return Settings(var_dir=var_dir, nats_url=nats_url, persistence_module=SQLITE)


async def measure(
    events: int, use_postgres: bool, deadline: Deadline, tmp: Path, paced: int = PACED_ATTEMPTS,
    in_process: bool = False,
) -> dict[str, Any]:  # fmt: skip
    server = EmbeddedNats(tmp / "nats", name="bench").start()
    try:
        version = str(server.varz().get("version", "unknown"))
        settings = bench_settings(tmp / "var", server.url, use_postgres)
        schema = postgres_schema(settings) if use_postgres else contextlib.nullcontext()
        assert server.process is not None
        e2e_mode = E2eMode(in_process, [server.process.pid])
        with schema:
            nc: Client = await connect(server.url, "bench")
            try:
                return await measure_on(nc, settings, events, deadline, version, paced, e2e_mode)
            finally:
                await nc.drain()
    finally:
        server.stop()


@dataclass(frozen=True)
class E2eMode:
    """How the e2e and the paced latency phases run the services: each its own process (as
    deployed), or all in the bench's process (``--in-process``, the figures before 2026-12-03;
    the paced phase's before 2026-12-04); the nats-server pids."""

    in_process: bool
    nats_pids: list[int]

    async def run(
        self, settings: Settings, nc: Client, items: list[Attempt], deadline: Deadline
    ) -> dict[str, Any]:
        if self.in_process:
            return await end_to_end(settings, nc.jetstream(), items, deadline)
        return await end_to_end_as_deployed(settings, nc, items, deadline, self.nats_pids)

    @contextlib.asynccontextmanager
    async def services(
        self, settings: Settings, nc: Client, deadline: Deadline
    ) -> AsyncIterator[Database]:
        """The submission service and the registry running in this mode; the registry's store."""
        if self.in_process:
            async with services_in_process(settings) as db:
                yield db
        else:
            async with services_as_deployed(settings, nc, deadline) as deployed:
                yield deployed.db

    @property
    def name(self) -> str:
        return "in_process" if self.in_process else "processes"


def e2e_figures(e2e: dict[str, Any], mode: E2eMode, events: int) -> dict[str, Any]:
    """The e2e phase's mode and, as deployed, the CPU each process spent an event."""
    cpu = e2e.get("cpu_s", {})
    per_event = {name: round(seconds / events * 1000, 3) for name, seconds in cpu.items()}
    return {"e2e_mode": mode.name, "e2e_cpu_ms_per_event": per_event}


async def measure_on(
    nc: Client, settings: Settings, events: int, deadline: Deadline, version: str, paced: int,
    e2e_mode: E2eMode,
) -> dict[str, Any]:  # fmt: skip
    js = nc.jetstream()
    await ensure_streams(js)
    items = attempts(events)

    say(f"raw: publishing {events} messages awaiting each ack")
    acked_s = await publish_acked(js, items, deadline)
    say(f"raw: publishing {events} messages pipelined")
    pipelined_s = await raw_publish_pipelined(js, items, deadline)

    e2e = await e2e_mode.run(settings, nc, items, deadline)
    on_log = (await js.stream_info(EVENTS_STREAM)).state.messages

    reads: dict[str, tuple[int, float, int]] = {}
    for mode in READ_MODES:
        say(f"raw: reading EVENTS ({on_log} messages) with an ordered consumer ({mode})")
        reads[mode] = await raw_ordered_read(js, mode, deadline)
    read_count, read_s, _ = reads["iterate"]
    say("replay: the registry's reader alone (pull batches, nothing applied)")
    replay_read = await replay_read_only(js, deadline)

    say("rebuild: replaying EVENTS into a fresh registry store")
    rebuilt, rebuild_s, rebuild_apply_s, rebuilt_digest = await timed_rebuild(
        settings, js, deadline
    )

    say("catch-up: a live registry started behind the whole log, batched and one at a time")
    one_by_one = Subscription(EVENTS_STREAM, EVENTS_SUBJECTS)
    caught_up_s = await catch_up(settings, THE_LOG, "catchup", deadline)
    one_by_one_s = await catch_up(settings, one_by_one, "catchup1", deadline)

    say("latency: one application at a time, until the registry shows it")
    latency = await submit_to_registry_latency(settings, deadline)
    say(f"latency: {paced} applications at 100 a second, until the registry shows each")
    steady = await paced_latency(e2e_mode.services(settings, nc, deadline), js, deadline, paced)

    e2e_rate = rate(events, e2e["elapsed"])
    acked_rate = rate(events, acked_s)
    pipelined_rate = rate(events, pipelined_s)
    read_rate = rate(read_count, read_s)
    read_rates = {mode: rate(count, seconds) for mode, (count, seconds, _) in reads.items()}
    rebuild_rate = rate(rebuilt, rebuild_s)
    return {
        "events": events,
        "e2e_events_per_s": e2e_rate,
        **e2e_figures(e2e, e2e_mode, events),
        "submit_to_registry_ms": latency,
        "submit_to_visible_at_100_per_s_ms": {"services": e2e_mode.name, **steady},
        "rebuild_events_per_s": rebuild_rate,
        "registry_catch_up_per_s": {
            f"batch_{THE_LOG.batch_size}": rate(on_log, caught_up_s),
            "one_at_a_time": rate(on_log, one_by_one_s),
        },
        "raw_publish_acked_per_s": acked_rate,
        "raw_publish_pipelined_per_s": pipelined_rate,
        "raw_ordered_read_per_s": read_rate,
        "raw_ordered_read_by_api_per_s": read_rates,
        "replay_read_per_s": rate(*replay_read),
        # each ratio divides by the best raw figure of its kind, never the slowest API
        "e2e_vs_raw_publish": ratio(e2e_rate, max(acked_rate, pipelined_rate)),
        "rebuild_vs_raw_read": ratio(rebuild_rate, max(read_rates.values())),
        "counts": {
            "intake_published": events,
            "events_on_log": on_log - CLOCK_EVENTS,
            "registry_applied": e2e["registry_applied"],
            "registry_entries": e2e["registry_entries"],
            "registry_submitted": e2e["registry_submitted"],
            "rebuild_events": rebuilt - CLOCK_EVENTS,
            "rebuild_matches_live": rebuilt_digest == e2e["live_digest"],
            "ordered_read_passes": {mode: passes for mode, (_, _, passes) in reads.items()},
        },
        "seconds": {
            **e2e["breakdown_s"],
            "rebuild": round(rebuild_s, 3),
            "rebuild_until_last_batch": round(rebuild_apply_s, 3),
            "raw_publish_acked": round(acked_s, 3),
            "raw_publish_pipelined": round(pipelined_s, 3),
        },
        "machine": {
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "nats_server": version,
            "nats_sync_interval": "always",
            "persistence": settings.persistence_module,
            "platform": platform.platform(),
        },
    }


async def measure_cluster(
    events: int, deadline: Deadline, tmp: Path, in_process: bool = False
) -> dict[str, Any]:
    """Decided commands per second on the deployment of ``deploy/``: the three cluster nodes
    (streams with three replicas) on loopback and PostgreSQL, beside the raw pipelined publish to a
    three-replica stream of the same cluster, in the same run (issue 9)."""
    # the deploy files, on free loopback ports, as the cluster tests start them
    from tests.integration.test_deploy_configs import CLUSTER, free_ports, loopback_ports, node_from
    from tests.support import dev_credentials

    ports = free_ports(set().union(*(loopback_ports(conf.read_text()) for conf in CLUSTER)))
    nodes = [node_from(conf, tmp, ports, tmp / "store" / conf.stem).start() for conf in CLUSTER]
    try:
        while not all(node.monitor("/healthz") for node in nodes):
            deadline.check("cluster start")
            await asyncio.sleep(0.1)
        url = ",".join(node.url for node in nodes)
        ministry = dev_credentials("ministry")
        settings = bench_settings(tmp / "var", url, use_postgres=True).model_copy(update={
            "nats_user": ministry.user, "nats_password": ministry.password, "stream_replicas": 3,
        })  # fmt: skip
        with postgres_schema(settings):
            nc = await deadline.within(
                waiting_out_elections("bench", lambda: connect(url, "bench", ministry)), "connect"
            )
            try:
                js = nc.jetstream()
                await deadline.within(
                    waiting_out_elections("bench streams", lambda: ensure_streams(js, 3)),
                    "cluster streams",
                )
                items = attempts(events)
                say(f"cluster: publishing {events} messages pipelined to a 3-replica stream")
                pipelined_s = await raw_publish_pipelined(js, items, deadline, replicas=3)
                pids = [node.process.pid for node in nodes if node.process is not None]
                e2e_mode = E2eMode(in_process, pids)
                e2e = await e2e_mode.run(settings, nc, items, deadline)
            finally:
                await nc.drain()
    finally:
        for node in nodes:
            node.stop()
    e2e_rate, pipelined_rate = rate(events, e2e["elapsed"]), rate(events, pipelined_s)
    return {
        "events": events,
        "e2e_events_per_s": e2e_rate,
        **e2e_figures(e2e, e2e_mode, events),
        "raw_publish_pipelined_per_s": pipelined_rate,
        "e2e_vs_raw_publish": ratio(e2e_rate, pipelined_rate),
        "counts": {"registry_applied": e2e["registry_applied"]},
        "seconds": e2e["breakdown_s"],
        "machine": {
            "cpu_count": os.cpu_count(), "python": platform.python_version(),
            "nats": "3-node cluster (deploy/nats/cluster), stream replicas 3, sync_interval always",
            "persistence": settings.persistence_module,
        },
    }  # fmt: skip


@contextlib.contextmanager
def bench_logging(level: str) -> Iterator[None]:
    """The services' logs as JSON on stderr (never stdout), restored afterwards (for pytest)."""
    saved = structlog.get_config()
    root = logging.getLogger()
    handlers, root_level = list(root.handlers), root.level
    configure_logging("bench", log_format="json", level=level)
    try:
        yield
    finally:
        structlog.configure(**saved)
        structlog.contextvars.clear_contextvars()
        root.handlers[:] = handlers
        root.setLevel(root_level)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.pipeline", description=__doc__)
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS, help="N (default 2000)")
    parser.add_argument(
        "--postgres", action="store_true", help="use PostgreSQL from POSTGRES_* (a fresh schema)"
    )
    parser.add_argument(
        "--cluster", action="store_true",
        help="decided commands/s on the 3-node cluster of deploy/ with PostgreSQL",
    )  # fmt: skip
    parser.add_argument(
        "--paced", type=int, default=PACED_ATTEMPTS,
        help=f"attempts sent at 100/s for the p99 of submit → visible (default {PACED_ATTEMPTS})",
    )  # fmt: skip
    parser.add_argument(
        "--in-process", action="store_true",
        help="run the e2e phase's services in the bench's process (as before 2026-12-03)",
    )  # fmt: skip
    parser.add_argument("--deadline", type=float, default=DEFAULT_DEADLINE, help="seconds in all")
    parser.add_argument("--log-level", default="WARNING", help="the services' log level")
    args = parser.parse_args(argv)
    if args.events < 1 or args.paced < 1:
        parser.error("--events and --paced must be at least 1")
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the bench, print its one JSON line on stdout and return the figures."""
    args = parse(argv)
    deadline = Deadline.after(args.deadline)
    with (
        bench_logging(args.log_level),
        tempfile.TemporaryDirectory(prefix="demobase-bench-", ignore_cleanup_errors=True) as tmp,
    ):
        if args.cluster:
            result = asyncio.run(
                measure_cluster(args.events, deadline, Path(tmp), in_process=args.in_process)
            )
        else:
            run = measure(
                args.events, args.postgres, deadline, Path(tmp), paced=args.paced,
                in_process=args.in_process,
            )  # fmt: skip
            result = asyncio.run(run)
    say(f"done in {args.deadline - deadline.left():.1f} s")
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result


if __name__ == "__main__":
    main()
