"""``demobase run``: the whole platform on one machine, started and stopped as one.

Starts an embedded nats-server with JetStream under ``var/nats`` (unless ``NATS_URL`` is set; on
port 4222 when it is free, else on a free port, recorded in ``var/nats.url`` for the CLI), then the
four services as processes of their own, restarting one that dies. Ctrl-C stops them all cleanly.

A service that dies is restarted after a pause that doubles with each failure in a row (0.5 s up to
10 s), from a budget of restarts that a healthy run (30 s up) refills: a crash now and then, hours
apart, never ends ``demobase run`` (issue 12), while a service that cannot start at all ends it
after a few tries, naming the service and its exit code.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from shared.bus.main import WRONG_STREAM
from shared.bus.server import EmbeddedNats, port_is_free
from shared.config import Settings, nats_url_file
from shared.store import LockHeldError, pid_lock

SERVICES = ("submission", "review", "evaluation", "registry")
RESTARTS_IN_A_ROW = 5
"""Restarts allowed in a row without a healthy run in between."""
HEALTHY_AFTER = 30.0
"""Seconds up after which a run counts as healthy and the budget is whole again."""
FIRST_PAUSE, LONGEST_PAUSE = 0.5, 10.0
"""The pause before the first restart of a row, doubled for each next one up to the longest."""
POLL_SECONDS = 0.2
"""How often the supervisor looks at its services."""


@dataclass
class RestartBudget:
    """When to restart a service that exited, and when to give up: a pure policy on a clock.

    Each exit after a run shorter than ``healthy_after`` spends one of ``in_a_row`` restarts;
    an exit after a longer run finds the budget refilled. The pause before a restart doubles
    with each failure in a row, from ``first_pause`` up to ``longest_pause``.
    """

    in_a_row: int = RESTARTS_IN_A_ROW
    healthy_after: float = HEALTHY_AFTER
    first_pause: float = FIRST_PAUSE
    longest_pause: float = LONGEST_PAUSE
    clock: Callable[[], float] = time.monotonic
    failures: int = 0
    """Exits in a row after a run shorter than ``healthy_after``."""
    started_at: float | None = None

    def started(self) -> None:
        """The service was (re)started now."""
        self.started_at = self.clock()

    @property
    def left(self) -> int:
        """Restarts left before giving up, if the service exited now."""
        return max(0, self.in_a_row - (0 if self.healthy() else self.failures))

    def healthy(self) -> bool:
        """Whether the current run has lasted long enough to refill the budget."""
        return self.started_at is not None and (
            self.clock() - self.started_at >= self.healthy_after
        )

    def exited(self) -> float | None:
        """The service exited now: the pause before restarting it, or None to give up."""
        if self.healthy():
            self.failures = 0
        self.started_at = None
        if self.failures >= self.in_a_row:
            return None
        pause = min(self.longest_pause, self.first_pause * 2.0**self.failures)
        self.failures += 1
        return pause


@dataclass
class Supervised:
    """One service process, how often it was restarted, and when it is due to start again."""

    name: str
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    started_at: float = field(default=0.0)
    budget: RestartBudget = field(default_factory=RestartBudget)
    restart_at: float | None = None
    """While waiting out a pause after an exit: when to start it again (monotonic)."""

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", f"services.{self.name}"], env=self.env, start_new_session=True
        )
        self.started_at = time.monotonic()
        self.budget.started()
        self.restart_at = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def start_nats(settings: Settings) -> tuple[str, EmbeddedNats | None]:
    if settings.nats_url:
        return settings.nats_url, None
    server = EmbeddedNats(settings.var_dir / "nats", port=4222 if port_is_free(4222) else 0)
    server.start()
    nats_url_file(settings).write_text(server.url + "\n")
    return server.url, server


def run_platform(settings: Settings) -> int:
    """Run everything until Ctrl-C; only one ``demobase run`` per ``VAR_DIR`` at a time."""
    try:
        with pid_lock(settings.var_dir / "run.lock"):
            return _run_platform(settings)
    except LockHeldError as held:
        where = settings.var_dir / "registry.url"
        url = where.read_text().strip() if where.exists() else "its registry page"
        message = (
            f"demobase is already running from {settings.var_dir.resolve()} (pid {held.pid}, "
            f"{url}); stop it first, or set VAR_DIR to run a second one"
        )
        print(message, file=sys.stderr)
        return 1


def _run_platform(settings: Settings) -> int:
    (settings.var_dir / "registry.url").unlink(missing_ok=True)
    url, server = start_nats(settings)
    print(f"NATS with JetStream at {url}", flush=True)
    env = {**os.environ, "NATS_URL": url, "VAR_DIR": str(settings.var_dir.resolve())}
    services = [Supervised(name, env) for name in SERVICES]
    stopping = False

    def request_stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        for service in services:
            service.start()
        announced = _supervise(services, settings, lambda: stopping)
        return 0 if announced else 1
    finally:
        print("stopping services", flush=True)
        for service in services:
            service.stop()
        for service in services:
            service.wait(timeout=15)
        if server is not None:
            server.stop()
            nats_url_file(settings).unlink(missing_ok=True)
        print("stopped", flush=True)


def _supervise(services: list[Supervised], settings: Settings, stopping: object) -> bool:
    registry_url = Path(settings.var_dir / "registry.url")
    announced = False
    assert callable(stopping)
    while not stopping():
        if not announced and registry_url.exists():
            print(f"demobase is running: {registry_url.read_text().strip()}/  (Ctrl-C stops)",
                  flush=True)  # fmt: skip
            announced = True
        for service in services:
            if not _tend(service):
                return False
        time.sleep(POLL_SECONDS)
    return True


def _tend(service: Supervised) -> bool:
    """Restart ``service`` if it exited and its pause is over; False to stop everything."""
    if service.restart_at is not None:
        if time.monotonic() >= service.restart_at:
            service.restarts += 1
            service.start()
        return True
    if service.process is None or service.process.poll() is None:
        return True
    code = service.process.returncode
    if code == WRONG_STREAM:
        print(f"{service.name} stopped: the log on this server is not the one its store holds "
              "(its log line says what differs and how to rebuild)", file=sys.stderr,
              flush=True)  # fmt: skip
        return False
    pause = service.budget.exited()
    if pause is None:
        budget = service.budget
        print(f"{service.name} keeps failing: it exited (code {code}) {budget.in_a_row + 1} "
              f"times in a row, each within {budget.healthy_after:.0f} s of starting; stopping "
              "demobase (its log above says why)", file=sys.stderr, flush=True)  # fmt: skip
        return False
    print(f"{service.name} exited (code {code}); restarting in {pause:.1f} s "
          f"({service.budget.left} more restarts before a healthy run)",
          file=sys.stderr, flush=True)  # fmt: skip
    service.restart_at = time.monotonic() + pause
    return True
