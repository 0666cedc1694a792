"""The official working-day calendar (工作日) and the publicity window of R-PUBLICITY.

Working days follow the State Council's yearly holiday schedule: holidays are days off even on a
weekday, adjusted working days (调休上班) are working days even on a Saturday or Sunday. The years
``chinesecalendar`` covers come from it; later years come from the schedule files an operator loads.
A year that neither knows is refused with :class:`UnknownCalendarYearError`, never guessed.

Everything here decides from its arguments alone; only :func:`load_schedule_csv` and
:func:`default_calendar` read files.
"""

from __future__ import annotations

import csv
import itertools
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

import chinese_calendar

BEIJING: Final = ZoneInfo("Asia/Shanghai")
PUBLICITY_WORKING_DAYS: Final = 5
PACKAGED_HOLIDAYS_DIR: Final = Path(__file__).parent / "data" / "holidays"
OPERATOR_HOLIDAYS_DIR: Final = Path("var/holidays")
COLUMNS: Final = ("date", "kind", "festival", "weekday", "source")
KINDS: Final = ("holiday", "adjusted_workday")
WEEKDAYS: Final = "一二三四五六日"


def _chinesecalendar_years() -> range:
    days: Iterable[date] = chinese_calendar.holidays.keys()
    years = {day.year for day in days}
    return range(min(years), max(years) + 1)


CHINESECALENDAR_YEARS: Final = _chinesecalendar_years()


class UnknownCalendarYearError(LookupError):
    """Working days were asked of a year with no official schedule: neither built in nor loaded."""

    def __init__(self, year: int) -> None:
        self.year = year
        covered = f"{CHINESECALENDAR_YEARS.start}–{CHINESECALENDAR_YEARS.stop - 1}"
        super().__init__(
            f"no official working-day calendar for {year}: chinesecalendar covers {covered} "
            f"and no schedule for {year} is loaded. Put the State Council's {year} holiday "
            f"schedule as a CSV ({','.join(COLUMNS)}) in HOLIDAYS_DIR (default "
            f"{OPERATOR_HOLIDAYS_DIR}) after checking it with `demobase calendar check FILE`."
        )


class ScheduleFileError(ValueError):
    """A holiday schedule file that cannot be loaded; ``problems`` name the line and field."""

    def __init__(self, source: str, problems: Iterable[str]) -> None:
        self.source = source
        self.problems = tuple(problems)
        super().__init__("\n".join([f"{source}: {len(self.problems)} problem(s)", *self.problems]))


@dataclass(frozen=True)
class HolidaySchedule:
    """One year of the State Council's schedule: its holidays and its adjusted working days."""

    year: int
    holidays: frozenset[date]
    adjusted_workdays: frozenset[date]
    source: str

    def __post_init__(self) -> None:
        if any(day.year != self.year for day in self.holidays | self.adjusted_workdays):
            raise ValueError(f"schedule {self.year} holds a day of another year ({self.source})")
        if self.holidays & self.adjusted_workdays:
            raise ValueError(f"schedule {self.year} has a day both off and on ({self.source})")

    def is_working_day(self, day: date) -> bool:
        if day in self.holidays:
            return False
        return day.weekday() < 5 or day in self.adjusted_workdays


@dataclass(frozen=True)
class PublicityWindow:
    """R-PUBLICITY's window. ``closes_at`` is exclusive: 00:00 Beijing time on the day after
    ``last_day``, i.e. the instant the fifth working day ends. ``opens_at`` is 00:00 Beijing time on
    the publication date, since the window starts that day even when day 1 comes later."""

    first_day: date
    last_day: date
    closes_at: datetime
    opens_at: datetime


class WorkingDayCalendar:
    """Working days from chinesecalendar for the years it covers, plus loaded schedules.

    A loaded schedule for a year chinesecalendar also covers replaces it for that year: the State
    Council's notice is the official text and the package a copy of it, so where they differ (a
    correction notice, a package not yet updated) the file prevails.
    """

    def __init__(self, schedules: Iterable[HolidaySchedule] = ()) -> None:
        self._schedules = schedules_by_year(schedules)

    @property
    def loaded_years(self) -> frozenset[int]:
        return frozenset(self._schedules)

    def is_working_day(self, day: date) -> bool:
        """Raises :class:`UnknownCalendarYearError` for a year neither loaded nor built in."""
        schedule = self._schedules.get(day.year)
        if schedule is not None:
            return schedule.is_working_day(day)
        return chinesecalendar_is_working_day(day)

    def working_days_from(self, start: date, count: int) -> tuple[date, ...]:
        """The first ``count`` working days on or after ``start``, in order."""
        if count < 0:
            raise ValueError(f"count of working days must not be negative, got {count}")
        on_or_after = (start + timedelta(days=n) for n in itertools.count())
        return tuple(itertools.islice(filter(self.is_working_day, on_or_after), count))

    def nth_working_day(self, start: date, n: int) -> date:
        """The ``n``-th working day counting ``start`` as day 1 if it is a working day itself."""
        if n < 1:
            raise ValueError(f"the first working day is day 1, got {n}")
        return self.working_days_from(start, n)[-1]

    def publicity_window(self, published_on: date) -> PublicityWindow:
        """R-PUBLICITY: day 1 is the publication date if it is a working day, else the next one;
        the window ends at the end of the fifth working day, Beijing time."""
        days = self.working_days_from(published_on, PUBLICITY_WORKING_DAYS)
        return PublicityWindow(
            first_day=days[0],
            last_day=days[-1],
            closes_at=start_of_day(days[-1] + timedelta(days=1)),
            opens_at=start_of_day(published_on),
        )


def is_within(window: PublicityWindow, at: datetime) -> bool:
    """Whether an objection filed at ``at`` (an aware datetime) falls in the publicity window."""
    if at.utcoffset() is None:
        raise ValueError(f"an objection's time must carry its time zone, got {at.isoformat()}")
    return window.opens_at <= at < window.closes_at


def start_of_day(day: date) -> datetime:
    """00:00 of ``day``, Beijing time."""
    return datetime.combine(day, time(0, 0), tzinfo=BEIJING)


def chinesecalendar_is_working_day(day: date) -> bool:
    if day.year not in CHINESECALENDAR_YEARS:
        raise UnknownCalendarYearError(day.year)
    return bool(chinese_calendar.is_workday(day))


def days_of(year: int) -> Iterator[date]:
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


def days_differing_from_chinesecalendar(schedule: HolidaySchedule) -> tuple[date, ...]:
    """Days where the schedule and chinesecalendar disagree; none for a year it does not cover."""
    if schedule.year not in CHINESECALENDAR_YEARS:
        return ()
    return tuple(
        day
        for day in days_of(schedule.year)
        if schedule.is_working_day(day) != chinesecalendar_is_working_day(day)
    )


def schedules_by_year(schedules: Iterable[HolidaySchedule]) -> dict[int, HolidaySchedule]:
    """Index schedules by year; two for one year is an error naming both."""
    by_year: dict[int, HolidaySchedule] = {}
    for schedule in schedules:
        if (other := by_year.get(schedule.year)) is not None:
            raise ScheduleFileError(
                schedule.source, [f"a schedule for {schedule.year} is also in {other.source}"]
            )
        by_year[schedule.year] = schedule
    return by_year


@dataclass
class _ScheduleReading:
    """The rows of one schedule file read so far, and what was wrong with them."""

    year: int | None = None
    year_line: int = 0
    lines_by_day: dict[date, int] = field(default_factory=dict)
    holidays: set[date] = field(default_factory=set)
    adjusted_workdays: set[date] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    def problem(self, line: int, column: str, message: str) -> None:
        self.problems.append(f"line {line}, field {column}: {message}")

    def take(self, line: int, row: dict[str, str]) -> None:
        day = self._day(line, row["date"])
        kind = row["kind"]
        if kind not in KINDS:
            self.problem(line, "kind", f"{kind!r} is not one of {', '.join(KINDS)}")
        if not row["source"]:
            self.problem(line, "source", "empty; every row names the notice it comes from")
        self.sources.add(row["source"])
        if day is None or not self._fits(line, day, row["weekday"]):
            return
        if kind in KINDS:
            (self.holidays if kind == "holiday" else self.adjusted_workdays).add(day)

    def _day(self, line: int, text: str) -> date | None:
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.problem(line, "date", f"{text!r} is not a date YYYY-MM-DD")
            return None

    def _fits(self, line: int, day: date, weekday: str) -> bool:
        if self.year is None:
            self.year, self.year_line = day.year, line
        if day.year != self.year:
            where = f"the year of line {self.year_line}"
            self.problem(line, "date", f"{day} is not in {self.year}, {where}")
            return False
        if (first := self.lines_by_day.get(day)) is not None:
            self.problem(line, "date", f"{day} is already on line {first}")
            return False
        self.lines_by_day[day] = line
        if weekday and weekday != WEEKDAYS[day.weekday()]:
            expected = WEEKDAYS[day.weekday()]
            self.problem(line, "weekday", f"{weekday!r} but {day} is a 星期{expected}")
        return True

    def schedule(self, source: str) -> HolidaySchedule:
        if self.year is None and not self.problems:
            self.problem(1, "date", "no rows")
        if self.problems or self.year is None:
            raise ScheduleFileError(source, self.problems)
        return HolidaySchedule(
            year=self.year,
            holidays=frozenset(self.holidays),
            adjusted_workdays=frozenset(self.adjusted_workdays),
            source=f"{source} ({'; '.join(sorted(self.sources))})",
        )


def parse_schedule(lines: Iterable[str], source: str) -> HolidaySchedule:
    """A schedule from CSV text with the columns ``date,kind,festival,weekday,source``."""
    reader = csv.DictReader(lines)
    missing = [column for column in COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise ScheduleFileError(source, [f"line 1, field {c}: not in the header" for c in missing])
    reading = _ScheduleReading()
    for row in reader:
        if None in row:
            reading.problem(reader.line_num, "(extra)", "more fields than the header names")
        reading.take(reader.line_num, {c: (row.get(c) or "").strip() for c in COLUMNS})
    return reading.schedule(source)


def load_schedule_csv(path: Path) -> HolidaySchedule:
    """Read one holiday schedule file; :class:`ScheduleFileError` names each bad line and field."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return parse_schedule(handle, str(path))


def load_schedule_folder(folder: Path) -> dict[int, HolidaySchedule]:
    """Every ``*.csv`` schedule in ``folder`` by year; a folder that does not exist holds none."""
    if not folder.is_dir():
        return {}
    return schedules_by_year(load_schedule_csv(path) for path in sorted(folder.glob("*.csv")))


def operator_holidays_dir() -> Path:
    """The operator's folder of schedules: ``HOLIDAYS_DIR``, default ``var/holidays``."""
    return Path(os.environ.get("HOLIDAYS_DIR") or OPERATOR_HOLIDAYS_DIR)


def default_calendar(extra_dir: Path | None = None) -> WorkingDayCalendar:
    """The packaged schedules plus the operator's: ``extra_dir``, else ``HOLIDAYS_DIR``.

    An operator's schedule replaces the packaged one of the same year, as a later correction would.
    """
    schedules = load_schedule_folder(PACKAGED_HOLIDAYS_DIR)
    schedules.update(load_schedule_folder(extra_dir or operator_holidays_dir()))
    return WorkingDayCalendar(schedules.values())
