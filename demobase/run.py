"""``demobase run``: the whole platform on one machine, started and stopped as one.

Starts an embedded nats-server with JetStream under ``var/nats`` (unless ``NATS_URL`` is set; on
port 4222 when it is free, else on a free port, recorded in ``var/nats.url`` for the CLI), then the
four services as processes of their own, restarting one that dies. Ctrl-C stops them all cleanly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from shared.bus.main import STORE_TAKEN
from shared.bus.server import EmbeddedNats, port_is_free
from shared.config import Settings, nats_url_file
from shared.store import LockHeldError, pid_lock

SERVICES = ("submission", "review", "evaluation", "registry")
MAX_RESTARTS = 5


@dataclass
class Supervised:
    """One service process and how often it was restarted."""

    name: str
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    started_at: float = field(default=0.0)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", f"services.{self.name}"], env=self.env, start_new_session=True
        )
        self.started_at = time.monotonic()

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
            if service.process is not None and service.process.poll() is not None:
                if service.process.returncode == STORE_TAKEN:
                    print(f"{service.name} did not start: another process writes its store "
                          "(see its log line)", file=sys.stderr, flush=True)  # fmt: skip
                    return False
                if service.restarts >= MAX_RESTARTS:
                    print(f"{service.name} keeps failing; stopping", file=sys.stderr, flush=True)
                    return False
                service.restarts += 1
                print(f"{service.name} exited ({service.process.returncode}); restarting",
                      file=sys.stderr, flush=True)  # fmt: skip
                service.start()
        time.sleep(0.2)
    return True
