"""The scale bench: ``python -m tests.bench.scale [--sizes 100000,1000000] [--deadline S]``.

For each size N, in a temporary directory with its own embedded nats-server (``sync_interval:
always``, as every server of the platform), it builds a realistic history of N events
(``tests.bench.history``: the contract's own event types in the proportions of a programme of
about 1,500 bases over ten years, each a valid Envelope) and publishes it on ``EVENTS`` pipelined,
with ``Nats-Msg-Id``, as the relay does. Then, each phase in a process of its own so that its peak
RSS is its own (``os.wait4``):

- ``raw_callback_replay``: a bare nats-py ordered consumer with a callback that only counts, the
  fastest way nats-py reads a stream (its pending limits lifted so that it does not drop);
- ``replay_read``: ``services.registry.replay.read_log`` reading the whole stream, applying
  nothing (the replay's own reading cost);
- ``rebuild``: ``services.registry.rebuild.rebuild`` with its defaults into the registry's store
  under ``var/`` (what ``demobase registry rebuild`` runs), digest included; the peak RSS when the
  last batch was applied is given apart from the peak with the digest;
- ``as_of``: the registry service (``python -m services.registry``) over the rebuilt store, and
  the as-of entry point that exists: ``/api/as-of/<moment>`` (answered from the history) timed
  over a few moments, and ``demobase registry as-of`` once; without that endpoint, the replay up
  to the moment (``rebuild(as_of=…)``);
- ``audit_verify``: ``demobase audit verify`` against that registry.

It prints one JSON line per size on stdout (progress on stderr). Every loop is bounded by a count
and by the deadline (``--deadline`` seconds for the whole run); a phase that overruns is killed
and named. No test asserts a time: ``docs/bench.md`` says how to read the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from nats.aio.msg import Msg
from nats.js.api import DeliverPolicy

from shared.bus.connection import connect
from shared.bus.server import EmbeddedNats, free_port
from shared.bus.streams import ensure_streams
from shared.config import SQLITE
from shared.contract.subjects import EVENTS_STREAM, EVENTS_SUBJECTS
from tests.bench.history import history

DEFAULT_SIZES = (100_000,)
DEFAULT_DEADLINE = 3600.0
AS_OF_MOMENTS = ("2018-01-01", "2021-07-01", "2025-12-31")
POLL_SECONDS = 0.05
PUBLISH_WINDOW = 4000
"""Publishes in flight, awaiting their acks (nats-py's default ``publish_async_max_pending``)."""
ROOT = Path(__file__).resolve().parents[2]
DEMOBASE = str(Path(sys.executable).parent / "demobase")

KEYS = (
    "events", "rebuild_s", "rebuild_events_per_s", "rebuild_peak_rss_mb", "as_of_ms",
    "audit_verify_s", "audit_verify_peak_rss_mb", "raw_callback_replay_per_s",
    "raw_publish_pipelined_per_s", "rebuild_vs_raw_callback_replay", "rebuild_matches",
    "targets", "machine",
)  # fmt: skip
"""The keys every line has (the smoke test checks them)."""

TARGETS = {  # issue 8, for 10^6 events
    "rebuild_s": 60.0,
    "rebuild_peak_rss_mb": 500.0,
    "rebuild_vs_raw_callback_replay": 0.3,
    "audit_verify_s": 30.0,
}


class BenchTimeoutError(RuntimeError):
    """A phase did not finish within what was left of the deadline."""


def say(message: str) -> None:
    print(f"[scale] {message}", file=sys.stderr, flush=True)


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else 0.0


def high_water_mb(pid: int | None = None) -> float:
    """The peak resident set so far (VmHWM) of this process or of ``pid``, in MB; 0 if gone.

    A child's own: VmHWM is its memory's since it started its program, while ``ru_maxrss`` (and
    so ``os.wait4``) on Linux also counts the parent's resident set it was forked from."""
    with contextlib.suppress(OSError), open(f"/proc/{pid or 'self'}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


# --- building the log ------------------------------------------------------------------------


async def publish_history(url: str, count: int, deadline: float) -> dict[str, Any]:
    """Generate the history, then publish it pipelined as the relay does; the publish rate."""
    started = time.perf_counter()
    events = [(e.subject, e.data, e.msg_id) for e in history(count)]
    generated = time.perf_counter() - started
    say(f"{count}: {len(events)} events generated in {generated:.1f} s; publishing pipelined")
    nc = await connect(url, "bench-scale-publish")
    failures: list[BaseException] = []
    duplicates = 0

    def acked(future: asyncio.Future[Any]) -> None:
        nonlocal duplicates
        if future.cancelled() or future.exception() is not None:
            failures.append(future.exception() or asyncio.CancelledError())
        elif future.result().duplicate:
            duplicates += 1

    try:
        js = nc.jetstream(publish_async_max_pending=PUBLISH_WINDOW)
        await ensure_streams(js)
        started = time.perf_counter()
        for subject, data, msg_id in events:
            if time.monotonic() > deadline:
                raise BenchTimeoutError("deadline passed while publishing the history")
            future = await js.publish_async(
                subject, data, headers={"Nats-Msg-Id": msg_id}, wait_stall=60
            )
            future.add_done_callback(acked)
        await asyncio.wait_for(js.publish_async_completed(), timeout=120)
        published = time.perf_counter() - started
        stored = (await js.stream_info(EVENTS_STREAM)).state.last_seq
    finally:
        await nc.drain()
    if failures or duplicates or stored != count:
        raise RuntimeError(
            f"publishing gave {stored} events of {count}: {duplicates} duplicates, {failures[:1]}"
        )
    return {
        "generate_s": round(generated, 1),
        "publish_s": round(published, 1),
        "raw_publish_pipelined_per_s": rate(count, published),
        "mean_event_bytes": round(sum(len(data) for _, data, _ in events) / count),
    }


# --- the phases, each in its own process -----------------------------------------------------


async def phase_callback(url: str, last: int, timeout: float) -> dict[str, Any]:
    """nats-py's fastest read: an ordered consumer with a callback that only counts."""
    nc = await connect(url, "bench-scale-callback")
    count = 0
    done = asyncio.Event()

    async def on_message(_message: Msg) -> None:
        nonlocal count
        count += 1
        if count >= last:
            done.set()

    try:
        js = nc.jetstream()
        started = time.perf_counter()
        sub = await js.subscribe(
            EVENTS_SUBJECTS, stream=EVENTS_STREAM, ordered_consumer=True,
            deliver_policy=DeliverPolicy.ALL, cb=on_message,
            pending_msgs_limit=last + 1024, pending_bytes_limit=0,
        )  # fmt: skip
        try:
            await asyncio.wait_for(done.wait(), timeout=timeout)
        finally:
            await sub.unsubscribe()
        elapsed = time.perf_counter() - started
    finally:
        await nc.drain()
    return {"events": count, "seconds": round(elapsed, 2), "per_s": rate(count, elapsed)}


async def phase_read(url: str, last: int) -> dict[str, Any]:
    """The replay's reader alone: every batch of the log, nothing applied."""
    from services.registry.replay import read_log

    nc = await connect(url, "bench-scale-read")
    count = 0
    try:
        started = time.perf_counter()
        async for batch in read_log(nc.jetstream(), 1, last):
            count += len(batch)
        elapsed = time.perf_counter() - started
    finally:
        await nc.drain()
    return {"events": count, "seconds": round(elapsed, 2), "per_s": rate(count, elapsed)}


async def phase_rebuild(url: str, var_dir: Path) -> dict[str, Any]:
    """What ``demobase registry rebuild`` runs, with its defaults, into the store under var/."""
    from services.registry.bootstrap import build_registry
    from services.registry.rebuild import rebuild
    from shared.config import Settings

    settings = Settings(var_dir=var_dir, nats_url=url, persistence_module=SQLITE)
    nc = await connect(url, "bench-scale-rebuild")
    marks: dict[str, float] = {}
    started = time.perf_counter()

    def progress(done: int, last: int) -> None:
        if done >= last:
            marks["applied_s"] = time.perf_counter() - started
            marks["applied_rss_mb"] = high_water_mb()

    try:
        result = await rebuild(build_registry(settings), nc.jetstream(), progress=progress)
        elapsed = time.perf_counter() - started
    finally:
        await nc.drain()
    return {
        "events": result.events, "digest": result.digest, "seconds": round(elapsed, 2),
        "until_last_batch_s": round(marks.get("applied_s", elapsed), 2),
        "peak_rss_until_last_batch_mb": marks.get("applied_rss_mb"),
    }  # fmt: skip


def measured(
    name: str,
    command: list[str],
    deadline: float,
    env: dict[str, str],
    *,
    phase: bool = True,
    check: bool = True,
) -> dict[str, Any]:
    """Run one process and give its answer with its own peak RSS: its VmHWM, read every
    :data:`POLL_SECONDS` while it runs, and (for a phase of this bench) as it ends."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise BenchTimeoutError(f"no time left for {name}")
    if phase:
        command = [sys.executable, "-m", "tests.bench.scale", "--phase", *command]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=out, stderr=err, env={**os.environ, **env}
        )
        peak = 0.0
        while process.poll() is None:
            peak = max(peak, high_water_mb(process.pid))
            if time.monotonic() > deadline:
                process.kill()
                process.wait()
                raise BenchTimeoutError(f"deadline passed during {name}")
            time.sleep(POLL_SECONDS)
        elapsed = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        text, errors = out.read().decode(), err.read().decode()
    if process.returncode != 0 and check:
        raise RuntimeError(f"{name} exited {process.returncode}: {errors[-2000:]}")
    answer: dict[str, Any] = json.loads(text.strip().splitlines()[-1]) if phase else {}
    answer["exit_code"] = process.returncode
    if process.returncode != 0:
        answer["error"] = " ".join(errors.split())[-500:]
    answer["wall_s"] = round(elapsed, 2)
    answer["peak_rss_mb"] = max(peak, answer.pop("own_peak_rss_mb", 0.0))
    answer["slow_consumer_lines"] = sum(
        1 for line in errors.splitlines() if "slow consumer" in line.lower()
    )
    if not phase:
        answer["stdout"] = text
    return answer


# --- the registry service, as-of and the audit --------------------------------------------


@contextlib.contextmanager
def registry_service(env: dict[str, str], var_dir: Path, deadline: float) -> Iterator[str]:
    """``python -m services.registry`` over the rebuilt store; its page's URL."""
    url_file = var_dir / "registry.url"
    url_file.unlink(missing_ok=True)
    log = (var_dir / "registry-service.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "services.registry"], cwd=ROOT, stdout=log, stderr=log,
        env={**os.environ, **env, "REGISTRY_PORT": "0", "METRICS_PORT": str(free_port()),
             "LOG_FORMAT": "json", "LOG_LEVEL": "WARNING"},
    )  # fmt: skip
    try:
        until = min(deadline, time.monotonic() + 60)
        while not url_file.exists():
            if process.poll() is not None or time.monotonic() > until:
                raise RuntimeError(f"the registry service did not start; see {log.name}")
            time.sleep(0.1)
        yield url_file.read_text().strip()
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def get(url: str, timeout: float = 60) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, None


def as_of_latency(base: str, env: dict[str, str], deadline: float, events: int) -> dict[str, Any]:
    """Milliseconds for the as-of entry point that exists: the history's, or the replay's."""
    status, _ = get(f"{base}/api/as-of/{AS_OF_MOMENTS[0]}")
    if status == 404:
        say("no /api/as-of: timing the replay up to a moment instead")
        answer = measured("as_of_replay", ["as_of_replay"], deadline, env)
        return {"entry_point": "rebuild(as_of=…) replay", **answer}
    taken: dict[str, float] = {}
    entries: dict[str, int] = {}
    for moment in AS_OF_MOMENTS:
        started = time.perf_counter()
        status, answer = get(f"{base}/api/as-of/{moment}")
        taken[moment] = round((time.perf_counter() - started) * 1000, 1)
        if status != 200:
            raise RuntimeError(f"/api/as-of/{moment} answered {status}")
        entries[moment] = len(answer["entries"])
    cli = measured(
        "as_of_cli", [DEMOBASE, "registry", "as-of", AS_OF_MOMENTS[1], "--json"], deadline,
        env, phase=False,
    )  # fmt: skip
    return {
        "entry_point": "/api/as-of (the history, no replay)",
        "http_ms": taken,
        "entries": entries,
        "cli_wall_s": cli["wall_s"],
        "cli_peak_rss_mb": cli["peak_rss_mb"],
    }


async def phase_as_of_replay(url: str, moment: str) -> dict[str, Any]:
    """The as-of of the replay: ``rebuild(as_of=…)`` into a fresh store (before the history)."""
    from datetime import UTC, datetime

    from services.registry.adapters.db import SqliteDatabase
    from services.registry.application import Registry
    from services.registry.rebuild import rebuild

    nc = await connect(url, "bench-scale-as-of")
    try:
        with tempfile.TemporaryDirectory() as folder:
            at = datetime.fromisoformat(moment).replace(tzinfo=UTC)
            started = time.perf_counter()
            registry = Registry(SqliteDatabase(Path(folder) / "as-of.sqlite"))
            result = await rebuild(registry, nc.jetstream(), as_of=at)
            elapsed = time.perf_counter() - started
    finally:
        await nc.drain()
    return {"events": result.events, "seconds": round(elapsed, 2)}


# --- one size ------------------------------------------------------------------------------


def measure(count: int, deadline: float, tmp: Path) -> dict[str, Any]:
    server = EmbeddedNats(tmp / "nats", name=f"scale-{count}").start()
    var_dir = tmp / "var"
    var_dir.mkdir(parents=True, exist_ok=True)
    env = {"NATS_URL": server.url, "VAR_DIR": str(var_dir), "PERSISTENCE_MODULE": SQLITE}
    url = server.url
    try:
        version = str(server.varz().get("version", "unknown"))
        built = measured("publish", ["publish", url, str(count)], deadline, env)
        say(f"{count}: published at {built['raw_publish_pipelined_per_s']}/s; raw callback read")
        callback = measured("callback", ["callback", url, str(count)], deadline, env)
        say(f"{count}: raw callback {callback['per_s']}/s; the replay's reader alone")
        read = measured("read", ["read", url, str(count)], deadline, env)
        say(f"{count}: reader {read['per_s']}/s; rebuild with the defaults")
        rebuilt = measured("rebuild", ["rebuild", url, str(var_dir)], deadline, env)
        rebuild_rate = rate(rebuilt["events"], rebuilt["seconds"])
        say(f"{count}: rebuild {rebuilt['seconds']} s ({rebuild_rate}/s); the registry, as-of")
        with registry_service(env, var_dir, deadline) as base:
            status, live = get(f"{base}/api/digest")
            as_of = as_of_latency(base, env, deadline, count)
            say(f"{count}: as-of {as_of}; audit verify")
            audit = measured(  # its verdict is its exit code: kept, not raised
                "audit", [DEMOBASE, "audit", "verify"], deadline, env, phase=False, check=False
            )
        say(f"{count}: audit verify {audit['wall_s']} s")
    finally:
        server.stop()
    return {
        "events": count,
        "rebuild_s": rebuilt["seconds"],
        "rebuild_events_per_s": rebuild_rate,
        "rebuild_peak_rss_mb": rebuilt["peak_rss_mb"],
        "rebuild_peak_rss_until_last_batch_mb": rebuilt["peak_rss_until_last_batch_mb"],
        "rebuild_until_last_batch_s": rebuilt["until_last_batch_s"],
        "as_of_ms": as_of,
        "audit_verify_s": audit["wall_s"],
        "audit_verify_peak_rss_mb": audit["peak_rss_mb"],
        "audit_holds": audit["exit_code"] == 0 and "the log holds" in audit["stdout"],
        "audit_exit_code": audit["exit_code"],
        "audit_error": audit.get("error"),
        "raw_callback_replay_per_s": callback["per_s"],
        "raw_callback_replay_peak_rss_mb": callback["peak_rss_mb"],
        "replay_read_per_s": read["per_s"],
        "replay_read_peak_rss_mb": read["peak_rss_mb"],
        "raw_publish_pipelined_per_s": built["raw_publish_pipelined_per_s"],
        "rebuild_vs_raw_callback_replay": round(rebuild_rate / callback["per_s"], 4)
        if callback["per_s"]
        else 0.0,
        "replay_read_vs_raw_callback_replay": round(read["per_s"] / callback["per_s"], 4)
        if callback["per_s"]
        else 0.0,
        "rebuild_matches": status == 200 and live["digest"] == rebuilt["digest"],
        "slow_consumer_lines": {
            "callback": callback["slow_consumer_lines"],
            "read": read["slow_consumer_lines"],
            "rebuild": rebuilt["slow_consumer_lines"],
            "audit": audit["slow_consumer_lines"],
        },
        "log": {
            **{k: built[k] for k in ("generate_s", "publish_s", "mean_event_bytes")},
            "publisher_peak_rss_mb": built["peak_rss_mb"],
        },
        "targets": TARGETS,
        "machine": {
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "nats_server": version,
            "nats_sync_interval": "always",
            "persistence": SQLITE,
            "platform": platform.platform(),
        },
    }


def run_one_phase(args: argparse.Namespace) -> None:
    """``--phase NAME ARGS…``: one phase in this process; one JSON line on stdout."""
    name, rest = args.phase, args.rest
    if name == "publish":
        answer = asyncio.run(publish_history(rest[0], int(rest[1]), time.monotonic() + 7200))
    elif name == "callback":
        answer = asyncio.run(phase_callback(rest[0], int(rest[1]), timeout=3600))
    elif name == "read":
        answer = asyncio.run(phase_read(rest[0], int(rest[1])))
    elif name == "rebuild":
        answer = asyncio.run(phase_rebuild(rest[0], Path(rest[1])))
    elif name == "as_of_replay":
        # the worst case of a replay: a moment after the whole log
        answer = asyncio.run(phase_as_of_replay(os.environ["NATS_URL"], "2100-01-01"))
    else:
        raise SystemExit(f"no phase {name!r}")
    answer["own_peak_rss_mb"] = high_water_mb()
    print(json.dumps(answer), flush=True)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.scale", description=__doc__)
    parser.add_argument(
        "--sizes", default=",".join(map(str, DEFAULT_SIZES)),
        help="comma-separated numbers of events (default 100000)",
    )  # fmt: skip
    parser.add_argument("--deadline", type=float, default=DEFAULT_DEADLINE, help="seconds in all")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(size.replace("_", "")) for size in args.sizes.split(",") if size]
    except ValueError:
        parser.error("--sizes takes numbers, e.g. 100000,1000000")
    if not args.sizes or min(args.sizes) < 1:
        parser.error("--sizes must be at least 1")
    return args


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    """Run the bench; one JSON line per size on stdout; the figures."""
    args = parse(argv)
    if args.phase:
        run_one_phase(args)
        return []
    deadline = time.monotonic() + args.deadline
    results = []
    for count in args.sizes:
        with tempfile.TemporaryDirectory(
            prefix="demobase-scale-", ignore_cleanup_errors=True
        ) as tmp:
            result = measure(count, deadline, Path(tmp))
        print(json.dumps(result, ensure_ascii=False), flush=True)
        results.append(result)
    return results


if __name__ == "__main__":
    main()
