"""The official working-day calendar and R-PUBLICITY's five-working-day window."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from shared.calendar import (
    BEIJING,
    PACKAGED_HOLIDAYS_DIR,
    HolidaySchedule,
    ScheduleFileError,
    UnknownCalendarYearError,
    WorkingDayCalendar,
    days_of,
    default_calendar,
    is_within,
    load_schedule_csv,
)

pytestmark = pytest.mark.unit
HEADER = "date,kind,festival,weekday,source\n"
# Made up for the tests: the 2027 schedule was not yet published when this was written.
SCHEDULE_2027 = HEADER + (
    "2027-01-01,holiday,元旦,五,test fixture\n"
    "2027-01-02,holiday,元旦,六,test fixture\n"
    "2027-01-03,holiday,元旦,日,test fixture\n"
)


@pytest.fixture
def official_2026() -> HolidaySchedule:
    return load_schedule_csv(PACKAGED_HOLIDAYS_DIR / "2026.csv")


@pytest.fixture
def calendar_2026(official_2026: HolidaySchedule) -> WorkingDayCalendar:
    return WorkingDayCalendar([official_2026])


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_official_2026_file_has_33_holidays_and_6_adjusted_working_days(
    official_2026: HolidaySchedule,
) -> None:
    assert official_2026.year == 2026
    assert (len(official_2026.holidays), len(official_2026.adjusted_workdays)) == (33, 6)


def test_chinesecalendar_agrees_with_the_official_2026_file_on_every_day_of_the_year(
    official_2026: HolidaySchedule,
) -> None:
    built_in, from_file = WorkingDayCalendar(), WorkingDayCalendar([official_2026])
    days = list(days_of(2026))
    assert len(days) == 365
    for day in days:
        assert built_in.is_working_day(day) == from_file.is_working_day(day), day
        assert chinese_calendar.is_workday(day) == from_file.is_working_day(day), day


def test_r_publicity_a_window_opened_on_monday_2026_09_28_jumps_the_national_day_holiday(
    calendar_2026: WorkingDayCalendar,
) -> None:
    """R-PUBLICITY, by hand from the 2026 schedule: 09-28 Mon is day 1, 09-29 Tue day 2, 09-30 Wed
    day 3; 10-01..10-07 are the National Day holiday; 10-08 Thu is day 4 and 10-09 Fri day 5. The
    adjusted working day 10-10 (Sat) would have been day 6, so it is not reached."""
    window = calendar_2026.publicity_window(date(2026, 9, 28))
    assert (window.first_day, window.last_day) == (date(2026, 9, 28), date(2026, 10, 9))
    assert window.closes_at == datetime(2026, 10, 10, 0, 0, tzinfo=BEIJING)
    assert window.closes_at.isoformat() == "2026-10-10T00:00:00+08:00"
    assert calendar_2026.working_days_from(date(2026, 9, 28), 5) == (
        date(2026, 9, 28),
        date(2026, 9, 29),
        date(2026, 9, 30),
        date(2026, 10, 8),
        date(2026, 10, 9),
    )


def test_r_publicity_a_saturday_publication_starts_day_1_on_the_next_working_day(
    calendar_2026: WorkingDayCalendar,
) -> None:
    """R-PUBLICITY: published Sat 2026-03-07, day 1 is Mon 03-09 and day 5 Fri 03-13."""
    window = calendar_2026.publicity_window(date(2026, 3, 7))
    assert (window.first_day, window.last_day) == (date(2026, 3, 9), date(2026, 3, 13))
    assert window.opens_at == datetime(2026, 3, 7, 0, 0, tzinfo=BEIJING)


def test_r_publicity_an_adjusted_working_day_on_a_sunday_counts(
    calendar_2026: WorkingDayCalendar,
) -> None:
    """R-PUBLICITY: published Fri 2026-09-18 (day 1); Sat 09-19 is off; Sun 09-20 is an adjusted
    working day (day 2); 09-21, 09-22, 09-23 are days 3 to 5."""
    window = calendar_2026.publicity_window(date(2026, 9, 18))
    assert (window.first_day, window.last_day) == (date(2026, 9, 18), date(2026, 9, 23))


def test_r_publicity_a_saturday_publication_before_an_adjusted_sunday_starts_on_that_sunday(
    calendar_2026: WorkingDayCalendar,
) -> None:
    """R-PUBLICITY: Sat 2026-09-19 is off, Sun 09-20 is worked, so day 1 is that Sunday."""
    window = calendar_2026.publicity_window(date(2026, 9, 19))
    assert (window.first_day, window.last_day) == (date(2026, 9, 20), date(2026, 9, 24))


def test_nth_working_day_counts_the_start_as_day_1_only_when_it_is_worked(
    calendar_2026: WorkingDayCalendar,
) -> None:
    assert calendar_2026.nth_working_day(date(2026, 10, 9), 1) == date(2026, 10, 9)
    assert calendar_2026.nth_working_day(date(2026, 10, 9), 2) == date(2026, 10, 10)
    assert calendar_2026.nth_working_day(date(2026, 10, 1), 1) == date(2026, 10, 8)
    assert calendar_2026.working_days_from(date(2026, 10, 1), 0) == ()
    with pytest.raises(ValueError):
        calendar_2026.nth_working_day(date(2026, 10, 1), 0)


def test_r_publicity_a_window_reaching_into_2027_is_refused_naming_2027(
    calendar_2026: WorkingDayCalendar,
) -> None:
    """R-PUBLICITY: published Mon 2026-12-28, days 1-4 are 12-28..12-31; day 5 would be in 2027."""
    with pytest.raises(UnknownCalendarYearError, match="2027") as refused:
        calendar_2026.publicity_window(date(2026, 12, 28))
    assert refused.value.year == 2027
    assert "HOLIDAYS_DIR" in str(refused.value)


def test_a_year_before_chinesecalendar_is_refused_naming_it() -> None:
    with pytest.raises(UnknownCalendarYearError, match="2003"):
        WorkingDayCalendar().is_working_day(date(2003, 6, 2))


def test_r_publicity_once_a_2027_schedule_is_loaded_the_same_window_computes(
    official_2026: HolidaySchedule, tmp_path: Path
) -> None:
    """R-PUBLICITY: 12-28..12-31 are days 1-4; 2027-01-01..03 are off; Mon 2027-01-04 is day 5."""
    schedule_2027 = load_schedule_csv(write(tmp_path, "2027.csv", SCHEDULE_2027))
    window = WorkingDayCalendar([official_2026, schedule_2027]).publicity_window(date(2026, 12, 28))
    assert (window.first_day, window.last_day) == (date(2026, 12, 28), date(2027, 1, 4))
    assert window.closes_at == datetime(2027, 1, 5, 0, 0, tzinfo=BEIJING)


def test_the_default_calendar_loads_the_packaged_files_and_an_operators_folder(
    tmp_path: Path,
) -> None:
    write(tmp_path, "2027.csv", SCHEDULE_2027)
    calendar = default_calendar(tmp_path)
    assert calendar.loaded_years == frozenset({2026, 2027})
    assert calendar.publicity_window(date(2026, 12, 28)).last_day == date(2027, 1, 4)


def test_the_default_calendar_reads_the_operators_folder_from_holidays_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "2027.csv", SCHEDULE_2027)
    monkeypatch.setenv("HOLIDAYS_DIR", str(tmp_path))
    assert default_calendar().loaded_years == frozenset({2026, 2027})


def test_a_loaded_schedule_prevails_over_chinesecalendar_for_its_year() -> None:
    corrected = HolidaySchedule(2026, frozenset({date(2026, 9, 28)}), frozenset(), "correction")
    assert WorkingDayCalendar().is_working_day(date(2026, 9, 28))
    assert not WorkingDayCalendar([corrected]).is_working_day(date(2026, 9, 28))


def test_two_schedules_of_one_year_in_a_folder_are_refused(tmp_path: Path) -> None:
    write(tmp_path, "2027.csv", SCHEDULE_2027)
    write(tmp_path, "2027-copy.csv", SCHEDULE_2027)
    with pytest.raises(ScheduleFileError, match="2027"):
        default_calendar(tmp_path)


def test_a_bad_kind_is_named_by_line_and_field(tmp_path: Path) -> None:
    text = HEADER + "2027-01-01,holiday,元旦,五,x\n2027-01-02,day_off,元旦,六,x\n"
    with pytest.raises(ScheduleFileError) as refused:
        load_schedule_csv(write(tmp_path, "bad.csv", text))
    assert refused.value.problems == (
        "line 3, field kind: 'day_off' is not one of holiday, adjusted_workday",
    )


def test_a_date_of_another_year_is_named_by_line_and_field(tmp_path: Path) -> None:
    text = HEADER + "2027-01-01,holiday,元旦,五,x\n2028-01-01,holiday,元旦,六,x\n"
    with pytest.raises(ScheduleFileError) as refused:
        load_schedule_csv(write(tmp_path, "bad.csv", text))
    assert refused.value.problems == (
        "line 3, field date: 2028-01-01 is not in 2027, the year of line 2",
    )


def test_a_date_given_twice_is_named_by_line_and_field(tmp_path: Path) -> None:
    text = HEADER + "2027-01-01,holiday,元旦,五,x\n2027-01-01,adjusted_workday,元旦,五,x\n"
    with pytest.raises(ScheduleFileError) as refused:
        load_schedule_csv(write(tmp_path, "bad.csv", text))
    assert refused.value.problems == ("line 3, field date: 2027-01-01 is already on line 2",)


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    text = HEADER + "2027-02-30,holiday,春节,一,x\n2027-01-01,holiday,元旦,六,\n"
    with pytest.raises(ScheduleFileError) as refused:
        load_schedule_csv(write(tmp_path, "bad.csv", text))
    assert refused.value.problems == (
        "line 2, field date: '2027-02-30' is not a date YYYY-MM-DD",
        "line 3, field source: empty; every row names the notice it comes from",
        "line 3, field weekday: '六' but 2027-01-01 is a 星期五",
    )
    assert str(tmp_path / "bad.csv") in str(refused.value)


def test_a_file_without_a_column_or_without_rows_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScheduleFileError, match="line 1, field source"):
        load_schedule_csv(write(tmp_path, "a.csv", "date,kind,festival,weekday\n"))
    with pytest.raises(ScheduleFileError, match="no rows"):
        load_schedule_csv(write(tmp_path, "b.csv", HEADER))


def test_r_publicity_an_objection_at_closes_at_is_outside_and_just_before_is_within(
    calendar_2026: WorkingDayCalendar,
) -> None:
    """R-PUBLICITY: the window ends with the fifth working day, 24:00 Beijing time."""
    window = calendar_2026.publicity_window(date(2026, 9, 28))
    assert is_within(window, window.closes_at - timedelta(microseconds=1))
    assert not is_within(window, window.closes_at)
    # 16:00 UTC on 10-09 is 00:00 on 10-10 in Beijing: already closed.
    assert not is_within(window, datetime.fromisoformat("2026-10-09T16:00:00+00:00"))
    assert is_within(window, datetime.fromisoformat("2026-10-09T15:59:59+00:00"))
    assert not is_within(window, window.opens_at - timedelta(microseconds=1))
    with pytest.raises(ValueError, match="time zone"):
        is_within(window, datetime(2026, 10, 9, 12, 0))
