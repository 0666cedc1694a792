"""One `demobase run` per VAR_DIR: a second one in the same folder stops before it starts anything
(it would otherwise start a second nats-server on the same JetStream store; ADR 11)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from demobase.run import run_platform
from shared.config import Settings
from shared.store import LockHeldError, pid_lock

pytestmark = pytest.mark.unit


def test_a_second_run_in_the_same_folder_stops_and_says_who_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(var_dir=tmp_path / "var")
    (settings.var_dir).mkdir()
    (settings.var_dir / "registry.url").write_text("http://127.0.0.1:8080\n")
    with pid_lock(settings.var_dir / "run.lock"):
        assert run_platform(settings) == 1
    said = capsys.readouterr().err
    assert f"pid {os.getpid()}" in said and "http://127.0.0.1:8080" in said
    assert "VAR_DIR" in said
    assert not (settings.var_dir / "nats").exists()  # no server was started


def test_a_lock_is_free_again_once_its_holder_lets_go(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    with pid_lock(path), pytest.raises(LockHeldError) as held, pid_lock(path):
        pass  # pragma: no cover
    assert held.value.pid == str(os.getpid())
    with pid_lock(path):
        pass
