"""`demobase reset` (`make reset`): stop what `make run` started from this VAR_DIR, clear VAR_DIR
but the holiday schedules a person put there, keep `.venv` (issue 11, item 7)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from demobase.cli import app

pytestmark = pytest.mark.unit

HOLDS_THE_RUN_LOCK = """
import signal, sys, time
from pathlib import Path
from shared.store import pid_lock

def stop(*_):  # as `demobase run` does on Ctrl-C: stop, then exit 0
    sys.exit(0)

signal.signal(signal.SIGINT, stop)
with pid_lock(Path(sys.argv[1]) / "run.lock"):
    (Path(sys.argv[1]) / "started").write_text("yes")
    for _ in range(600):  # at most a minute
        time.sleep(0.1)
"""


def a_used_var(tmp_path: Path) -> Path:
    var = tmp_path / "var"
    (var / "nats" / "jetstream").mkdir(parents=True)
    (var / "submission.sqlite").write_text("x")
    (var / "registry.url").write_text("http://127.0.0.1:1\n")
    (var / "holidays").mkdir()
    (var / "holidays" / "2027.csv").write_text("date,kind\n")
    return var


def reset(var: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["reset", *args],
                                env={"VAR_DIR": str(var), "NATS_URL": None})  # fmt: skip
    return result.exit_code, result.output


def test_reset_clears_var_but_the_holiday_schedules(tmp_path: Path) -> None:
    """Everything under VAR_DIR goes but holidays/; the output says what was kept."""
    var = a_used_var(tmp_path)
    code, output = reset(var, "--yes")
    assert code == 0, output
    assert sorted(p.name for p in var.iterdir()) == ["holidays"]
    assert (var / "holidays" / "2027.csv").exists()
    assert "cleared" in output and ".venv" in output


def test_reset_stops_the_run_that_holds_the_lock_first(tmp_path: Path) -> None:
    """A `demobase run` of this VAR_DIR (here: a process holding var/run.lock that stops on
    SIGINT, as the run does) is stopped before anything is deleted."""
    var = a_used_var(tmp_path)
    running = subprocess.Popen([sys.executable, "-c", HOLDS_THE_RUN_LOCK, str(var)])
    try:
        for _ in range(100):  # up to 10 s for it to take the lock
            if (var / "started").exists():
                break
            time.sleep(0.1)
        code, output = reset(var, "--yes")
        assert code == 0, output
        assert running.wait(timeout=10) == 0
        assert f"stopped demobase run (pid {running.pid})" in output
        assert sorted(p.name for p in var.iterdir()) == ["holidays"]
    finally:
        if running.poll() is None:
            running.kill()
            running.wait(timeout=5)


def test_reset_asks_first_and_refuses_a_folder_that_is_not_a_var_dir(tmp_path: Path) -> None:
    """Without --yes it asks (no answer: nothing deleted); a VAR_DIR holding a checkout
    (pyproject.toml, .git) is refused in one line."""
    var = a_used_var(tmp_path)
    code, _ = reset(var)
    assert code != 0 and (var / "submission.sqlite").exists()
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    code, output = reset(tmp_path, "--yes")
    assert code == 1 and "not cleared" in output and "Traceback" not in output
    assert (tmp_path / "pyproject.toml").exists()
