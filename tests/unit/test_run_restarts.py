"""``demobase run`` never gives up because of a crash now and then (issue 12): restarts come from a
budget that a healthy run refills, with a pause that doubles up to a cap; a service that cannot
start at all still ends the run, saying which and why."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from demobase import run
from demobase.run import RestartBudget, Supervised
from shared.config import Settings

pytestmark = pytest.mark.unit


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def budget(clock: Clock, **figures: float) -> RestartBudget:
    spent = RestartBudget(clock=clock, **figures)  # type: ignore[arg-type]
    spent.started()
    return spent


def crash_after(spent: RestartBudget, clock: Clock, seconds: float) -> float | None:
    """The service runs ``seconds``, exits; the pause is waited out and it is started again."""
    clock.advance(seconds)
    pause = spent.exited()
    if pause is not None:
        clock.advance(pause)
        spent.started()
    return pause


def test_quick_failures_in_a_row_wait_longer_each_time_and_then_give_up() -> None:
    clock = Clock()
    spent = budget(clock)
    pauses = [crash_after(spent, clock, 0.1) for _ in range(6)]
    assert pauses == [0.5, 1.0, 2.0, 4.0, 8.0, None]
    assert spent.left == 0


def test_the_pause_is_capped() -> None:
    clock = Clock()
    spent = budget(clock, in_a_row=8)
    assert [crash_after(spent, clock, 1) for _ in range(9)] == [
        0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0, None,
    ]  # fmt: skip


def test_a_healthy_run_refills_the_budget_and_starts_the_pauses_over() -> None:
    clock = Clock()
    spent = budget(clock)
    assert [crash_after(spent, clock, 1) for _ in range(4)] == [0.5, 1.0, 2.0, 4.0]
    assert spent.left == 1
    clock.advance(29.9)
    assert not spent.healthy() and spent.left == 1
    clock.advance(0.1)  # 30 s up: healthy
    assert spent.healthy() and spent.left == 5
    assert spent.exited() == 0.5
    assert spent.left == 4


def test_a_crash_now_and_then_never_ends_the_run() -> None:
    """issue 12: the old limit (5 restarts in the life of `demobase run`) was spent by five
    crashes hours apart; each healthy run between them now refills the budget."""
    clock = Clock()
    spent = budget(clock)
    assert all(crash_after(spent, clock, 3600) == 0.5 for _ in range(1000))
    assert all(crash_after(spent, clock, 30) == 0.5 for _ in range(1000))


def test_runs_too_short_to_be_healthy_add_up_however_they_alternate() -> None:
    clock = Clock()
    spent = budget(clock)
    pauses = [crash_after(spent, clock, seconds) for seconds in (29, 1, 29, 1, 29, 1)]
    assert pauses[-1] is None


# --- the supervisor --------------------------------------------------------------------------


class FailingAtStart(Supervised):
    """A "service" that exits with code 7 as soon as it starts."""

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(7)"])
        self.budget.started()
        self.restart_at = None


def test_a_service_that_fails_at_start_up_ends_the_run_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run, "POLL_SECONDS", 0.005)
    quick = RestartBudget(first_pause=0.001, longest_pause=0.004)
    service = FailingAtStart("registry", {}, budget=quick)
    service.start()

    assert run._supervise([service], Settings(var_dir=tmp_path), lambda: False) is False

    said = capsys.readouterr().err
    assert said.count("registry exited (code 7); restarting in") == 5
    assert "(4 more restarts before a healthy run)" in said
    assert said.rstrip().endswith(
        "registry keeps failing: it exited (code 7) 6 times in a row, each within 30 s of "
        "starting; stopping demobase (its log above says why)"
    )
    assert service.restarts == 5


def test_a_pause_is_waited_out_without_holding_up_the_other_services(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The supervisor schedules a restart instead of sleeping through it."""
    monkeypatch.setattr(run, "POLL_SECONDS", 0.005)
    slow = FailingAtStart("review", {}, budget=RestartBudget(first_pause=60))
    slow.start()
    assert slow.process is not None
    slow.process.wait(timeout=10)
    looked = 0

    def stopping() -> bool:
        nonlocal looked
        looked += 1
        return looked > 20

    assert run._supervise([slow], Settings(var_dir=tmp_path), stopping) is True
    assert slow.restart_at is not None and slow.restarts == 0
