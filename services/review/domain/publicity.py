"""R-PUBLICITY: the proposed list is publicised for 5 working days, objections are resolved before
the close, and a candidate with an upheld objection is not awarded (001 第十一条(四)).

The window comes from the official calendar (``shared.calendar``): day 1 is the publication date
if a working day, else the next one; it closes at ``closes_at``, 00:00 Beijing time after the
fifth working day (exclusive). An objection is on time when filed before ``closes_at``; a close
takes effect at or after it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.review.domain.procedure import check_step
from shared.calendar import PublicityWindow, UnknownCalendarYearError, WorkingDayCalendar, is_within
from shared.rules import RuleViolationError, Violation, refuse

PUBLICITY_NAMESPACE = uuid5(NAMESPACE_URL, "https://demobase.miit/publicity")


def publicity_id_for(batch_id: str) -> str:
    return f"PUB-{batch_id}"


def window_for(calendar: WorkingDayCalendar, published_on: date) -> PublicityWindow:
    """R-PUBLICITY: the window, or a refusal naming the year the calendar does not know."""
    try:
        return calendar.publicity_window(published_on)
    except UnknownCalendarYearError as error:
        raise RuleViolationError([Violation(
            "R-PUBLICITY", "received_at", "a window within years of the official calendar",
            str(published_on),
            f"5 working days from {published_on} reach {error.year}, which has no official "
            f"working-day calendar: load the State Council's {error.year} schedule first",
        )]) from None  # fmt: skip


class Publicity(Aggregate):
    """One batch's proposed list in publicity, with its objections and consultations."""

    @staticmethod
    def create_id(publicity_id: str) -> UUID:
        return uuid5(PUBLICITY_NAMESPACE, publicity_id)

    class Opened(Aggregate.Created):
        publicity_id: str
        batch_id: str
        programme: str
        published_on: date
        first_day: date
        last_day: date
        opens_at: datetime
        closes_at: datetime
        entries: list[dict[str, str]]
        notice: dict[str, Any] | None
        actor: str
        occurred_at: datetime
        correlation_id: UUID
        causation_id: UUID

    @event(Opened)
    def __init__(
        self, publicity_id: str, batch_id: str, programme: str, published_on: date,
        first_day: date, last_day: date, opens_at: datetime, closes_at: datetime,
        entries: list[dict[str, str]], notice: dict[str, Any] | None, actor: str,
        occurred_at: datetime, correlation_id: UUID, causation_id: UUID,
    ) -> None:  # fmt: skip
        self.publicity_id, self.batch_id, self.programme = publicity_id, batch_id, programme
        self.window = PublicityWindow(first_day, last_day, closes_at, opens_at)
        self.entries = entries
        self.objections: dict[str, dict[str, str]] = {}
        self.disqualified: list[str] = []
        self.status = "open"

    @property
    def listed(self) -> list[str]:
        return [entry["application_id"] for entry in self.entries]

    def check_on_list(self, application_id: str) -> Violation | None:
        if application_id in self.listed:
            return None
        return Violation(
            "R-PUBLICITY", "application_id", f"one of {', '.join(self.listed)}", application_id,
            f"{application_id} is not on the publicised list of {self.publicity_id}",
        )  # fmt: skip

    def check_within_window(self, at: datetime) -> Violation | None:
        if is_within(self.window, at):
            return None
        return Violation(
            "R-PUBLICITY", "received_at", f"before {self.window.closes_at.isoformat()}",
            at.isoformat(),
            f"the publicity {self.publicity_id} closed at {self.window.closes_at.isoformat()} "
            f"(end of {self.window.last_day}, Beijing time): objections are no longer taken",
        )  # fmt: skip

    def check_window_over(self, at: datetime) -> Violation | None:
        if at >= self.window.closes_at:
            return None
        return Violation(
            "R-PUBLICITY", "received_at", f"at or after {self.window.closes_at.isoformat()}",
            at.isoformat(),
            f"the publicity {self.publicity_id} runs until {self.window.closes_at.isoformat()} "
            f"(5 working days, {self.window.first_day} to {self.window.last_day})",
        )  # fmt: skip

    @property
    def unresolved(self) -> list[str]:
        return [o for o, objection in self.objections.items() if "outcome" not in objection]

    def check_all_resolved(self) -> Violation | None:
        if not self.unresolved:
            return None
        named = ", ".join(f"{o} ({self.objections[o]['application_id']})" for o in self.unresolved)
        return Violation(
            "R-PUBLICITY", "objections", "every objection resolved", named,
            f"{'objections' if len(self.unresolved) > 1 else 'objection'} {named} not yet "
            "resolved: the publicity cannot close",
        )  # fmt: skip

    def check_objection(self, objection_id: str) -> Violation | None:
        if objection_id in self.unresolved:
            return None
        found = "resolved already" if objection_id in self.objections else "not filed"
        return Violation(
            "R-PUBLICITY", "objection_id", f"one of {', '.join(self.unresolved) or 'none'}",
            objection_id, f"objection {objection_id} is {found} in {self.publicity_id}",
        )  # fmt: skip

    def _check_open(self, step: str) -> Violation | None:
        return check_step(self.status, ("open",), step, f"publicity {self.publicity_id}")

    class ObjectionFiled(Aggregate.Event):
        publicity_id: str
        objection_id: str
        application_id: str
        source: str
        grounds: str
        evidence: list[dict[str, Any]]
        actor: str
        occurred_at: datetime
        correlation_id: UUID
        causation_id: UUID

    def file_objection(
        self, objection_id: str, application_id: str, source: str, grounds: str,
        evidence: list[dict[str, Any]], **provenance: Any,
    ) -> None:  # fmt: skip
        """An objection in the window against a listed applicant (R-PUBLICITY)."""
        refuse(
            self._check_open("file an objection in"),
            self.check_within_window(provenance["occurred_at"]),
            self.check_on_list(application_id),
        )
        self._objection_filed(
            self.publicity_id, objection_id, application_id, source, grounds, evidence,
            **provenance,
        )  # fmt: skip

    @event(ObjectionFiled)
    def _objection_filed(
        self, publicity_id: str, objection_id: str, application_id: str, source: str,
        grounds: str, evidence: list[dict[str, Any]], actor: str, occurred_at: datetime,
        correlation_id: UUID, causation_id: UUID,
    ) -> None:  # fmt: skip
        self.objections[objection_id] = {"application_id": application_id}

    class ObjectionResolved(Aggregate.Event):
        publicity_id: str
        objection_id: str
        application_id: str
        outcome: str
        reasoning: str
        actor: str
        occurred_at: datetime
        correlation_id: UUID
        causation_id: UUID

    def resolve_objection(
        self, objection_id: str, outcome: str, reasoning: str, **provenance: Any
    ) -> None:
        """Upheld withholds the title; dismissed clears it. Once, before the close."""
        refuse(self._check_open("resolve an objection in"), self.check_objection(objection_id))
        application_id = self.objections[objection_id]["application_id"]
        self._objection_resolved(
            self.publicity_id, objection_id, application_id, outcome, reasoning, **provenance
        )

    @event(ObjectionResolved)
    def _objection_resolved(
        self, publicity_id: str, objection_id: str, application_id: str, outcome: str,
        reasoning: str, actor: str, occurred_at: datetime, correlation_id: UUID,
        causation_id: UUID,
    ) -> None:  # fmt: skip
        self.objections[objection_id]["outcome"] = outcome

    class ConsultationAnswered(Aggregate.Event):
        publicity_id: str
        ministry: str
        opinion: str
        remarks: str | None
        actor: str
        occurred_at: datetime
        correlation_id: UUID
        causation_id: UUID

    def answer_consultation(
        self, ministry: str, opinion: str, remarks: str | None, **provenance: Any
    ) -> None:
        """A consulted ministry (财政部, 生态环境部, 商务部) gave its opinion (001 第十一条(四)).

        Silence objects to nothing: the close does not wait for every answer.
        """
        refuse(self._check_open("record a consultation in"))
        self._consultation_answered(self.publicity_id, ministry, opinion, remarks, **provenance)

    @event(ConsultationAnswered)
    def _consultation_answered(
        self, publicity_id: str, ministry: str, opinion: str, remarks: str | None, actor: str,
        occurred_at: datetime, correlation_id: UUID, causation_id: UUID,
    ) -> None:  # fmt: skip
        pass

    def withdraw(self, application_id: str) -> None:
        """R-FRAUD: a listed candidate disqualified during the window is withheld at the close."""
        refuse(self._check_open("withdraw a candidate from"), self.check_on_list(application_id))
        self._withdrawn(application_id)

    @event("CandidateWithdrawn")
    def _withdrawn(self, application_id: str) -> None:
        self.disqualified.append(application_id)

    @property
    def withheld(self) -> list[str]:
        objections = self.objections.values()
        upheld = {o["application_id"] for o in objections if o.get("outcome") == "upheld"}
        out = upheld | set(self.disqualified)
        return [application for application in self.listed if application in out]

    @property
    def cleared(self) -> list[str]:
        return [application for application in self.listed if application not in self.withheld]

    class Closed(Aggregate.Event):
        publicity_id: str
        batch_id: str
        cleared: list[str]
        withheld: list[str]
        actor: str
        occurred_at: datetime
        correlation_id: UUID
        causation_id: UUID | None

    def close(self, **provenance: Any) -> None:
        """R-PUBLICITY: after the window, every objection resolved; the cleared are awarded."""
        refuse(
            self._check_open("close"),
            self.check_window_over(provenance["occurred_at"]),
            self.check_all_resolved(),
        )
        self._closed(self.publicity_id, self.batch_id, self.cleared, self.withheld, **provenance)

    @event(Closed)
    def _closed(
        self, publicity_id: str, batch_id: str, cleared: list[str], withheld: list[str],
        actor: str, occurred_at: datetime, correlation_id: UUID, causation_id: UUID | None,
    ) -> None:  # fmt: skip
        self.status = "closed"
