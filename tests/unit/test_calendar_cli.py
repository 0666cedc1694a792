"""``demobase calendar``: publicity windows and holiday files from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from demobase.cli import app

pytestmark = pytest.mark.unit
runner = CliRunner()


@pytest.fixture(autouse=True)
def empty_operator_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An operator's HOLIDAYS_DIR of the test's own, so a local var/holidays changes nothing."""
    folder = tmp_path / "holidays"
    folder.mkdir()
    monkeypatch.setenv("HOLIDAYS_DIR", str(folder))
    return folder


def test_r_publicity_window_prints_the_first_and_last_day_and_the_close() -> None:
    """R-PUBLICITY: a publication on 2026-09-28 closes when 2026-10-09 ends in Beijing."""
    result = runner.invoke(app, ["calendar", "window", "2026-09-28"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "first day: 2026-09-28",
        "last day: 2026-10-09",
        "closes at: 2026-10-10T00:00:00+08:00",
    ]


def test_r_publicity_window_in_an_unknown_year_fails_naming_the_year() -> None:
    result = runner.invoke(app, ["calendar", "window", "2027-03-01"])
    assert result.exit_code == 1
    assert "2027" in result.stderr
    assert "HOLIDAYS_DIR" in result.stderr


def test_r_publicity_window_uses_a_2027_schedule_put_in_the_operators_folder(
    empty_operator_folder: Path,
) -> None:
    (empty_operator_folder / "2027.csv").write_text(
        "date,kind,festival,weekday,source\n2027-01-01,holiday,元旦,五,test fixture\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["calendar", "window", "2026-12-28"])
    assert result.exit_code == 0, result.output
    assert "last day: 2027-01-04" in result.stdout


def test_check_prints_the_year_and_the_counts_of_a_good_file() -> None:
    official = Path(__file__).parents[2] / "shared" / "data" / "holidays" / "2026.csv"
    result = runner.invoke(app, ["calendar", "check", str(official)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "year: 2026",
        "holidays: 33",
        "adjusted working days: 6",
    ]


def test_check_prints_each_problem_of_a_bad_file_and_fails(tmp_path: Path) -> None:
    bad = tmp_path / "2027.csv"
    bad.write_text(
        "date,kind,festival,weekday,source\n2027-01-01,day_off,元旦,五,x\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["calendar", "check", str(bad)])
    assert result.exit_code == 1
    assert "line 2, field kind" in result.stderr


@pytest.mark.parametrize("words", [["calendar"], ["calendar", "window"], ["calendar", "check"]])
def test_every_calendar_command_has_help(words: list[str]) -> None:
    result = runner.invoke(app, [*words, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.stdout
