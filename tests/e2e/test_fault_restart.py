"""Killing and restarting any service loses no event and duplicates none (issue 2, "Done when").

The services run as real processes, as under ``make run``, and are killed with SIGKILL mid-stream.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from demobase.client import intake_message, service_status
from demobase.clock import ClockedDesk
from services.registry.bootstrap import build_registry
from services.registry.queries import applied, digest, export_lines
from services.registry.rebuild import rebuild
from shared.bus.connection import connect
from shared.bus.server import EmbeddedNats
from shared.bus.streams import ensure_streams
from shared.config import Settings
from shared.contract.events import EvaluationRoundOpened
from shared.contract.subjects import EVENTS_STREAM, INTAKE_STREAM, intake_subject
from tests.e2e.test_submission_path import log_events
from tests.support import at, log_says, park_application, wait_until
from tests.unit.test_evaluation_support import round_body

pytestmark = [pytest.mark.e2e, pytest.mark.fault]
N = 150


def store_env(settings: Settings) -> dict[str, str]:
    """The environment that places a service process's store where ``settings`` do."""
    if not settings.uses_postgres:
        return {"PERSISTENCE_MODULE": settings.persistence_module}
    return {
        "PERSISTENCE_MODULE": settings.persistence_module,
        "POSTGRES_HOST": settings.postgres_host, "POSTGRES_PORT": str(settings.postgres_port),
        "POSTGRES_USER": settings.postgres_user, "POSTGRES_PASSWORD": settings.postgres_password,
        "POSTGRES_DBNAME": settings.postgres_dbname, "POSTGRES_SCHEMA": settings.postgres_schema,
    }  # fmt: skip


class Process:
    """One service as its own process, killable."""

    def __init__(self, service: str, settings: Settings, url: str, log: Path) -> None:
        self.service, self.log = service, log
        self.env = {
            **os.environ, "NATS_URL": url, "VAR_DIR": str(settings.var_dir),
            "REGISTRY_PORT": "0", "METRICS_PORT": "0", "LOG_FORMAT": "json",
            **store_env(settings),
        }  # fmt: skip
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", f"services.{self.service}"], env=self.env,
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for process in started:
        process.stop()


async def publish_intake(
    url: str, context: str, command: str, bodies: list[dict[str, Any]], province: str, on: str
) -> list[str]:
    """Each body as one ``command`` on ``context``'s intake, as a province's or the ministry's
    tool publishes it; the command ids, in order."""
    nc = await connect(url, f"tool-{province}")
    js = nc.jetstream()
    await ensure_streams(js)
    commands = []
    for body in bodies:
        message = intake_message(command, body, province, f"user@{province}", at(on))
        await js.publish(
            intake_subject(context, province, command), json.dumps(message).encode(),
            stream=INTAKE_STREAM, headers={"Nats-Msg-Id": message["command_id"]},
        )  # fmt: skip
        commands.append(message["command_id"])
    await nc.drain()
    return commands


async def publish_applications(url: str, count: int) -> list[str]:
    """``count`` park applications from Hunan."""
    bodies = [park_application(name=f"园区{index:03d}") for index in range(count)]
    return await publish_intake(url, "submission", "SubmitApplication", bodies, "430000",
                                "2026-03-20")  # fmt: skip


async def kill_mid_stream(process: Process, url: str) -> None:
    """Start ``process``, SIGKILL it once its first events are on the log, start it again."""
    process.start()
    await wait_until(lambda: _at_least(url, 30), timeout=60)
    process.kill()
    process.start()


async def log_count(url: str) -> int:
    """The lifecycle's events on the log: the platform's clock settings (P-POSTMARK) left out,
    so that a count never stands for a fact still on its way."""
    nc = await connect(url, "counter")
    try:
        js = nc.jetstream()
        everything = int((await js.stream_info(EVENTS_STREAM)).state.messages)
        clocks = await js.stream_info(EVENTS_STREAM, subjects_filter=CLOCK_SUBJECTS)
        return everything - sum((clocks.state.subjects or {}).values())
    finally:
        await nc.drain()


CLOCK_SUBJECTS = "bases.v1.*.000000.PlatformClockSet"


async def test_a_submission_service_killed_mid_stream_loses_and_duplicates_nothing(
    nats_server: EmbeddedNats, sqlite_settings: Settings, processes: list[Process], tmp_path: Path
) -> None:
    """Intake consumer and relay killed with SIGKILL: after restart each command is logged once."""
    commands = await publish_applications(nats_server.url, N)
    submission = Process("submission", sqlite_settings, nats_server.url, tmp_path / "sub.log")
    processes.append(submission)
    await kill_mid_stream(submission, nats_server.url)
    await wait_until(lambda: _at_least(nats_server.url, N), timeout=120)
    events = await log_events(nats_server.url)
    assert len(events) == N
    assert sorted(str(e.causation_id) for e in events) == sorted(commands)
    assert len({e.event_id for e in events}) == N


async def test_a_registry_killed_mid_stream_is_complete_without_duplicates_after_restart(
    nats_server: EmbeddedNats, sqlite_settings: Settings, processes: list[Process], tmp_path: Path
) -> None:
    """The registry's consumer killed mid-replay resumes after its recorded position."""
    await publish_applications(nats_server.url, N)
    submission = Process("submission", sqlite_settings, nats_server.url, tmp_path / "sub.log")
    registry = Process("registry", sqlite_settings, nats_server.url, tmp_path / "reg.log")
    processes.extend([submission, registry])
    submission.start()
    await wait_until(lambda: _at_least(nats_server.url, N), timeout=120)
    db = build_registry(sqlite_settings).db
    registry.start()
    await wait_until(lambda: applied(db, EVENTS_STREAM)[0] >= 20, timeout=60)
    registry.kill()
    registry.start()
    await wait_until(lambda: applied(db, EVENTS_STREAM)[0] == N, timeout=120)
    lines = [json.loads(line) for line in export_lines(db)]
    timeline = [line["event"] for line in lines if "event" in line]
    assert [line["sequence"] for line in timeline] == list(range(1, N + 1))
    assert len({line["event_id"] for line in timeline}) == N
    live = digest(db)
    registry.stop()
    nc = await connect(nats_server.url, "rebuild")
    result = await rebuild(build_registry(sqlite_settings), nc.jetstream())
    await nc.drain()
    assert (result.events, result.digest) == (N, live)


async def _at_least(url: str, count: int) -> bool:
    return await log_count(url) >= count


def imported_title(index: int) -> dict[str, object]:
    """A title of batch 8 taken over by the review service (ImportTitle), one per index."""
    return {
        "programme": "NIID", "batch_number": 8, "province": "430000",
        "name": f"园区{index:03d}", "showcase": "装备制造", "announced_on": "2018-02-24",
        "announcement": {"title": "第八批国家新型工业化产业示范基地名单"},
    }  # fmt: skip


async def import_titles(url: str, count: int) -> list[str]:
    """``count`` ImportTitle commands on the review service's intake, as the ministry sends them."""
    bodies = [imported_title(index) for index in range(count)]
    return await publish_intake(url, "review", "ImportTitle", bodies, "000000", "2026-01-10")


async def processed(url: str, service: str) -> int:
    """The last EVENTS sequence that ``service`` (a running process) has processed, or 0."""
    for status in await service_status(url, timeout=1):
        if status["service"] == service:
            readers = [c["processed"] for c in status["consumers"] if c["stream"] == EVENTS_STREAM]
            return max(readers, default=0)
    return 0


async def test_a_review_service_killed_mid_stream_loses_and_duplicates_nothing(
    nats_server: EmbeddedNats, sqlite_settings: Settings, processes: list[Process], tmp_path: Path
) -> None:
    """The review service killed while taking over titles: each title is on the log once."""
    commands = await import_titles(nats_server.url, N)
    review = Process("review", sqlite_settings, nats_server.url, tmp_path / "review.log")
    processes.append(review)
    await kill_mid_stream(review, nats_server.url)
    await wait_until(lambda: _at_least(nats_server.url, N), timeout=120)
    events = await log_events(nats_server.url)
    assert {e.event_type for e in events} == {"TitleAwarded"}
    assert sorted(str(e.causation_id) for e in events) == sorted(commands)
    assert len({e.subject_id for e in events}) == len({e.event_id for e in events}) == N


async def test_an_evaluation_service_killed_mid_stream_enrols_every_base_once(
    nats_server: EmbeddedNats, sqlite_settings: Settings, processes: list[Process], tmp_path: Path
) -> None:
    """The evaluation service killed while reading the awards: after restart each base has been
    placed in its tier once (R-TIERS) and the next round (R-EVAL-YEARLY) lists every one once."""
    await import_titles(nats_server.url, N)
    review = Process("review", sqlite_settings, nats_server.url, tmp_path / "review.log")
    evaluation = Process("evaluation", sqlite_settings, nats_server.url, tmp_path / "eval.log")
    processes.extend([review, evaluation])
    review.start()
    await wait_until(lambda: _at_least(nats_server.url, N), timeout=120)
    evaluation.start()
    await wait_until(lambda: _processed_at_least(nats_server.url, "evaluation", 20), timeout=60)
    evaluation.kill()
    evaluation.start()
    await wait_until(lambda: _at_least(nats_server.url, 2 * N), timeout=120)
    opening = intake_message("OpenEvaluationRound", round_body(2026), "000000", "ministry",
                             at("2027-01-10"))  # fmt: skip
    decision = await ClockedDesk(nats_server.url).send("evaluation", opening)
    assert decision.accepted, decision
    await wait_until(lambda: _at_least(nats_server.url, 2 * N + 1), timeout=30)
    events = await log_events(nats_server.url)
    titled = {str(e.subject_id) for e in events[:N]}
    placed = [str(e.subject_id) for e in events[N:] if e.event_type == "TierChanged"]
    assert len(placed) == N and set(placed) == titled
    assert [e.event_type for e in events[2 * N :]] == ["EvaluationRoundOpened"]
    opened = events[2 * N].payload
    assert isinstance(opened, EvaluationRoundOpened)
    participants = [p.base_id for p in opened.participants]
    assert len(participants) == N and set(participants) == titled


async def _processed_at_least(url: str, service: str, sequence: int) -> bool:
    return await processed(url, service) >= sequence


async def test_services_ride_out_a_restart_of_the_nats_server(
    nats_server: EmbeddedNats, sqlite_settings: Settings, processes: list[Process], tmp_path: Path
) -> None:
    """The server stops mid-stream and comes back on its port with its store: the services
    reconnect by themselves (none exits), and the registry ends complete, each event once."""
    first = await publish_applications(nats_server.url, N // 2)
    submission = Process("submission", sqlite_settings, nats_server.url, tmp_path / "sub.log")
    registry = Process("registry", sqlite_settings, nats_server.url, tmp_path / "reg.log")
    processes.extend([submission, registry])
    submission.start()
    registry.start()
    db = build_registry(sqlite_settings).db
    await wait_until(lambda: applied(db, EVENTS_STREAM)[0] >= 20, timeout=60)
    nats_server.process.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
    nats_server.process.wait(timeout=10)  # type: ignore[union-attr]
    await asyncio.sleep(2)
    nats_server.start()
    second = await publish_applications(nats_server.url, N - N // 2)
    # Within seconds, not after the consumers' ack_wait (30 s): they are rebuilt on reconnect.
    await wait_until(lambda: applied(db, EVENTS_STREAM)[0] == N, timeout=25)
    assert all(p.process is not None and p.process.poll() is None for p in processes)
    events = await log_events(nats_server.url)
    assert sorted(str(e.causation_id) for e in events) == sorted(first + second)
    lines = [json.loads(line) for line in export_lines(db)]
    timeline = [line["event"] for line in lines if "event" in line]
    assert [line["sequence"] for line in timeline] == list(range(1, N + 1))


async def test_a_second_process_of_a_service_stands_by_and_takes_over_when_the_first_dies(
    nats_server: EmbeddedNats, sqlite_settings: Settings, processes: list[Process], tmp_path: Path
) -> None:
    """ADR 19: the first process writes the store; a second one on the same store (a standby)
    waits for the writer's lock, saying who holds it, decides nothing meanwhile, and takes over
    when the first is killed: every application on the log once."""
    commands = await publish_applications(nats_server.url, 6)
    first = Process("submission", sqlite_settings, nats_server.url, tmp_path / "first.log")
    second = Process("submission", sqlite_settings, nats_server.url, tmp_path / "second.log")
    processes.extend([first, second])
    first.start()
    await wait_until(lambda: _at_least(nats_server.url, 6), timeout=30)
    second.start()
    assert first.process is not None and second.process is not None
    standing_by = f"pid {first.process.pid}"
    await wait_until(lambda: log_says(second.log, "standing by", standing_by), timeout=30)
    assert "command decided" not in second.log.read_text()
    more = await publish_applications(nats_server.url, 4)
    await wait_until(lambda: _at_least(nats_server.url, 10), timeout=30)
    first.kill()
    last = await publish_applications(nats_server.url, 3)
    await wait_until(lambda: _at_least(nats_server.url, 13), timeout=30)
    assert second.process.poll() is None and log_says(second.log, "writing the store")
    events = await log_events(nats_server.url)
    assert sorted(str(e.causation_id) for e in events) == sorted(commands + more + last)
