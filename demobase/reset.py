"""``demobase reset`` (``make reset``): back to a system that holds nothing, short of ``make
clean``, which also deletes ``.venv``.

What ``make run`` started from this ``VAR_DIR`` is stopped as Ctrl-C stops it (SIGINT to the
process holding ``var/run.lock``, which stops its services and its NATS server), then everything
under ``VAR_DIR`` is deleted but the holiday schedules a person put in ``var/holidays``. What lives
elsewhere (a PostgreSQL schema, the streams of a NATS server given by ``NATS_URL``) is named,
never touched: it may be someone else's.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

from demobase.client import ClientError
from shared.config import Settings
from shared.store import LockHeldError, pid_lock

KEPT = ("holidays",)
"""What ``reset`` leaves in ``VAR_DIR``: inputs a person put there, not state."""
STOP_WAIT = 30.0
"""Seconds to wait for ``make run`` to stop its services after SIGINT, then SIGTERM's turn."""


def reset_system(settings: Settings, stop_wait: float = STOP_WAIT) -> list[str]:
    """Stop the run of ``settings.var_dir`` if one holds its lock, clear the folder; the lines
    to tell the person what was done and what was left alone."""
    var = settings.var_dir.resolve()
    _check_is_a_var_dir(var)
    told = []
    pid = _running_pid(var)
    if pid is not None:
        _stop(pid, var, stop_wait)
        told.append(f"stopped demobase run (pid {pid}) and its services")
    if var.is_dir():
        removed = _clear(var)
        told.append(f"cleared {var} ({removed} entries; kept {', '.join(KEPT)})")
    else:
        told.append(f"{var} did not exist: nothing to clear")
    if settings.uses_postgres:
        schema = settings.postgres_schema or "public"
        told.append(f"not touched: the PostgreSQL stores in {settings.postgres_host} schema "
                    f"{schema} (drop it yourself to start those afresh)")  # fmt: skip
    if settings.nats_url:
        told.append(f"not touched: the streams of the NATS server at {settings.nats_url}")
    told.append("`make run` starts afresh; `.venv` is kept")
    return told


def _check_is_a_var_dir(var: Path) -> None:
    """Refuse a ``VAR_DIR`` that is plainly not one: a home, a root, a checkout."""
    home = Path.home().resolve()
    if var in (Path("/"), home, Path.cwd().resolve()) or any(
        (var / marker).exists() for marker in (".git", "pyproject.toml", ".venv")
    ):
        raise ClientError(f"VAR_DIR is {var}, which holds more than demobase's state; not cleared")


def _running_pid(var: Path) -> int | None:
    """The pid of the ``demobase run`` holding ``run.lock``, or None when none runs."""
    lock = var / "run.lock"
    if not lock.exists():
        return None
    try:
        with pid_lock(lock):
            return None
    except LockHeldError as held:
        try:
            return int(held.pid)
        except ValueError:
            raise ClientError(
                f"{lock} is held by a process that wrote no pid ({held.pid!r}); stop it first"
            ) from None


def _stop(pid: int, var: Path, wait: float) -> None:
    """Ctrl-C for ``make run``: SIGINT, then SIGTERM after ``wait``; done when the lock is free."""
    for sent in (signal.SIGINT, signal.SIGTERM):
        try:
            os.kill(pid, sent)
        except ProcessLookupError:
            return
        except PermissionError:
            raise ClientError(f"demobase run (pid {pid}) is not yours to stop") from None
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if _running_pid(var) is None:
                return
            time.sleep(0.2)
    raise ClientError(f"demobase run (pid {pid}) did not stop within {2 * wait:.0f} s; stop it "
                      "with Ctrl-C where it runs, then `make reset` again")  # fmt: skip


def _clear(var: Path) -> int:
    removed = 0
    for entry in var.iterdir():
        if entry.name in KEPT:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
        removed += 1
    return removed
