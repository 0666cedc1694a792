"""The public side of publicity (R-PUBLICITY): each publicity as the log tells it, the proposed
list, the window's working days in Beijing time, the ministries consulted and their answers, and
the objections once decided (an objection under examination is counted, not described)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from services.registry.adapters.db import Database
from services.registry.queries import timeline_of_types
from shared.calendar import BEIJING, UnknownCalendarYearError, WorkingDayCalendar

EVENTS = (
    "PublicityOpened",
    "ConsultationAnswered",
    "ObjectionFiled",
    "ObjectionResolved",
    "PublicityClosed",
)


@dataclass
class Objection:
    """One objection: filed, and (once decided) its outcome with the reasoning."""

    filed: dict[str, Any]
    resolved: dict[str, Any] | None = None

    @property
    def decided(self) -> bool:
        return self.resolved is not None


@dataclass
class Publicity:
    """One publicity: the opening event and what followed it, each a timeline line."""

    opened: dict[str, Any]
    answers: list[dict[str, Any]] = field(default_factory=list)
    objections: dict[str, Objection] = field(default_factory=dict)
    closed: dict[str, Any] | None = None

    @property
    def publicity_id(self) -> str:
        return str(self.opened["payload"]["publicity_id"])

    @property
    def payload(self) -> dict[str, Any]:
        return self.opened["payload"]  # type: ignore[no-any-return]

    @property
    def is_open(self) -> bool:
        return self.closed is None

    @property
    def closes_at(self) -> datetime:
        """The instant the window ends: 00:00 Beijing time after its last working day."""
        last = date.fromisoformat(self.payload["last_day"])
        return datetime.combine(last + timedelta(days=1), datetime.min.time(), BEIJING)

    def working_days(self, calendar: WorkingDayCalendar) -> list[date]:
        """The window's working days by the official calendar (R-PUBLICITY), first to last;
        just the two ends where the calendar does not know the year."""
        first = date.fromisoformat(self.payload["first_day"])
        last = date.fromisoformat(self.payload["last_day"])
        try:
            days = [
                first + timedelta(days=n)
                for n in range((last - first).days + 1)
                if calendar.is_working_day(first + timedelta(days=n))
            ]
        except UnknownCalendarYearError:
            return [first, last]
        return days


def publicities(db: Database) -> list[Publicity]:
    """Every publicity of the log, in the order they opened."""
    found: dict[str, Publicity] = {}
    for line in timeline_of_types(db, EVENTS):
        payload = line["payload"]
        publicity_id = payload["publicity_id"]
        if line["event_type"] == "PublicityOpened":
            found[publicity_id] = Publicity(line)
            continue
        publicity = found.get(publicity_id)
        if publicity is None:
            continue  # a reply to a publicity this registry has not seen opened
        if line["event_type"] == "ConsultationAnswered":
            publicity.answers.append(line)
        elif line["event_type"] == "ObjectionFiled":
            publicity.objections[payload["objection_id"]] = Objection(line)
        elif line["event_type"] == "ObjectionResolved":
            objection = publicity.objections.get(payload["objection_id"])
            if objection is not None:
                objection.resolved = line
        else:
            publicity.closed = line
    return list(found.values())


def publicity(db: Database, publicity_id: str) -> Publicity | None:
    return next((p for p in publicities(db) if p.publicity_id == publicity_id), None)
