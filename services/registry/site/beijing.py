"""Times as the ministry writes them: Beijing time (UTC+8), to the minute, without an offset."""

from __future__ import annotations

from datetime import UTC, date, datetime

from shared.calendar import BEIJING

WEEKDAYS_ZH = "一二三四五六日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _moment(value: str | datetime) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:  # the registry keeps UTC; a naive time is UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BEIJING)


def beijing_time(value: str | datetime | None) -> str:
    """``2028-04-20 09:00``: the moment in Beijing time; empty for none."""
    if not value:
        return ""
    return _moment(value).strftime("%Y-%m-%d %H:%M")


def beijing_date(value: str | datetime | None) -> str:
    """``2028-04-20``: the day in Beijing on which the moment fell."""
    if not value:
        return ""
    return _moment(value).strftime("%Y-%m-%d")


def day_with_weekday(day: date | str, lang: str) -> str:
    """``2026-06-15（星期一）`` or ``2026-06-15 (Mon)``."""
    day = date.fromisoformat(day) if isinstance(day, str) else day
    if lang == "zh":
        return f"{day.isoformat()}（星期{WEEKDAYS_ZH[day.weekday()]}）"
    return f"{day.isoformat()} ({WEEKDAYS_EN[day.weekday()]})"
