"""Ctrl-C of `make run` stops the platform cleanly (issue 11, item 7): the terminal sends SIGINT
to the whole process group (`demobase run`, its nats-server and the four services), and what it
prints is the supervisor's lines, never a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

STARTED_WITHIN = 120.0
STOPPED_WITHIN = 40.0


def test_ctrl_c_of_run_stops_every_process_without_a_traceback(tmp_path: Path) -> None:
    var = tmp_path / "var"
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("NATS_", "POSTGRES_", "PERSISTENCE"))}  # fmt: skip
    env.update(VAR_DIR=str(var), REGISTRY_PORT="0", PYTHONUNBUFFERED="1")
    run = subprocess.Popen(
        [str(Path(sys.executable).parent / "demobase"), "run"], env=env, cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + STARTED_WITHIN
        while not (var / "registry.url").exists():
            assert run.poll() is None, run.communicate()[0].decode()
            assert time.monotonic() < deadline, "the registry did not answer in time"
            time.sleep(0.2)
        os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        output, _ = run.communicate(timeout=STOPPED_WITHIN)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    text = output.decode()
    assert "Traceback" not in text, text
    assert run.returncode == 0, text
    assert text.rstrip().endswith("stopped"), text
