"""A base: the title awarded to a cleared candidate, and, for EIDB, its acceptance (验收)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.review.domain.batch import ProgrammeCalls
from services.review.domain.candidate import Candidate
from services.review.domain.procedure import business_date, check_step
from services.review.domain.titles import canonical_title, creation_period_end
from shared.contract.events_common import last_batch_before_platform
from shared.rules import Violation, refuse

BASE_NAMESPACE = uuid5(NAMESPACE_URL, "https://demobase.miit/base")


def base_id_for(application_id: str) -> str:
    """Stable: one application, one base."""
    return f"BASE-{application_id}"


class Base(Aggregate):
    """A titled base; an EIDB base is under creation for 2 years (R-CREATION-PERIOD)."""

    @staticmethod
    def create_id(base_id: str) -> UUID:
        return uuid5(BASE_NAMESPACE, base_id)

    class Awarded(Aggregate.Created):
        """Published as TitleAwarded."""

        base_id: str
        application_id: str
        batch_id: str
        province: str
        dossier: dict[str, Any]
        domain: str
        location: str
        title: str
        announced_on: date
        announcement: dict[str, Any]
        under_creation_until: date | None
        actor: str
        occurred_at: datetime
        correlation_id: UUID
        causation_id: UUID | None

    @event(Awarded)
    def __init__(
        self, base_id: str, application_id: str, batch_id: str, province: str,
        dossier: dict[str, Any], domain: str, location: str, title: str, announced_on: date,
        announcement: dict[str, Any], under_creation_until: date | None, actor: str,
        occurred_at: datetime, correlation_id: UUID, causation_id: UUID | None,
    ) -> None:  # fmt: skip
        self.base_id, self.province, self.dossier = base_id, province, dossier
        self.programme: str = dossier["programme"]
        self.title, self.announced_on = title, announced_on
        self.under_creation_until = under_creation_until
        self.status = "under_creation" if under_creation_until else "titled"

    @property
    def subject(self) -> str:
        return f"base {self.base_id}"

    def check_creation_period_over(self, on: date) -> Violation | None:
        """R-CREATION-PERIOD: 验收 comes when the 2 years of creation are over."""
        if self.programme != "EIDB":
            return Violation(
                "R-CREATION-PERIOD", "base_id", "an EIDB base under creation", self.base_id,
                f"{self.subject} is an {self.programme} base: it has no creation period",
            )  # fmt: skip
        until = self.under_creation_until
        if until is None or on >= until:
            return None
        return Violation(
            "R-CREATION-PERIOD", "received_at", f"on or after {until}", str(on),
            f"{self.subject} is under creation from {self.announced_on} until {until} (2 years): "
            f"acceptance on {on} is {(until - on).days} days early",
        )  # fmt: skip

    class CreationAccepted(Aggregate.Event):
        base_id: str
        province: str
        title: str
        score: Decimal | None
        report: dict[str, Any]
        actor: str
        occurred_at: datetime
        correlation_id: UUID
        causation_id: UUID

    class CreationFailed(Aggregate.Event):
        base_id: str
        province: str
        reason: str
        score: Decimal | None
        report: dict[str, Any]
        actor: str
        occurred_at: datetime
        correlation_id: UUID
        causation_id: UUID

    def accept_creation(
        self, accepted: bool, score: Decimal | None, report: dict[str, Any], reason: str | None,
        **provenance: Any,
    ) -> None:  # fmt: skip
        """验收: accepted, it becomes a demonstration base; failed, it loses the title."""
        refuse(self.check_creation_period_over(business_date(provenance["occurred_at"])))
        refuse(check_step(self.status, ("under_creation",), "accept", self.subject))
        if accepted:
            title = canonical_title(self.dossier).text
            self._accepted(self.base_id, self.province, title, score, report, **provenance)
        else:
            self._failed(self.base_id, self.province, str(reason), score, report, **provenance)

    @event(CreationAccepted)
    def _accepted(
        self, base_id: str, province: str, title: str, score: Decimal | None,
        report: dict[str, Any], actor: str, occurred_at: datetime, correlation_id: UUID,
        causation_id: UUID,
    ) -> None:  # fmt: skip
        self.status, self.title = "titled", title

    @event(CreationFailed)
    def _failed(
        self, base_id: str, province: str, reason: str, score: Decimal | None,
        report: dict[str, Any], actor: str, occurred_at: datetime, correlation_id: UUID,
        causation_id: UUID,
    ) -> None:  # fmt: skip
        self.status = "acceptance_failed"


def award(
    candidate: Candidate, announced_on: date, announcement: dict[str, Any], **provenance: Any
) -> Base:
    """R-TITLE-NAME, R-CREATION-PERIOD: the title of a cleared candidate, announced on a date."""
    until = creation_period_end(candidate.dossier["programme"], announced_on)
    title = candidate.title(under_creation=until is not None)
    return Base(
        base_id=base_id_for(candidate.application_id), application_id=candidate.application_id,
        batch_id=str(candidate.batch_id), province=candidate.province, dossier=candidate.dossier,
        domain=title.domain, location=title.location, title=title.text,
        announced_on=announced_on, announcement=announcement, under_creation_until=until,
        **provenance,
    )  # fmt: skip


def check_taken_over_from_history(
    programme: str, batch_number: int | None, calls: ProgrammeCalls
) -> Violation | None:
    """R-PROCEDURE (ADR 8, 15): a title is taken over only from a batch called before the
    platform: NIID's 1–10. EIDB has none (its first batch is the 2026 call, 工信厅规函〔2026〕101号
    第一批), and a title of a batch the platform calls is awarded by expert review and publicity."""
    before = last_batch_before_platform(programme)
    if before == 0:
        return Violation(
            "R-PROCEDURE", "programme", "a programme with batches called before the platform",
            programme, f"{programme}'s first batch is called on the platform (2026): there is no "
            f"earlier {programme} title to take over; its titles come through review and publicity",
        )  # fmt: skip
    if batch_number is None or batch_number <= before:
        return None
    called = calls.batch_numbered(batch_number)
    where = f"{called}, called on the platform" if called else "a batch the platform calls"
    required = f"a batch called before the platform ({programme} 1–{before})"
    return Violation(
        "R-PROCEDURE", "batch_number", required, str(batch_number),
        f"{programme} batch {batch_number} is {where}: its titles come through expert review and "
        "publicity (R-PROCEDURE), never taken over",
    )  # fmt: skip


def import_title(
    programme: str,
    batch_number: int | None,
    province: str,
    name: str,
    showcase: str,
    announced_on: date,
    announcement: dict[str, Any],
    **provenance: Any,
) -> Base:
    """A title of an earlier batch, taken over from its announcement (named by R-TITLE-NAME)."""
    dossier = {
        "programme": programme,
        "category": "park",
        "name": name,
        "applicant": name,
        "domain": showcase,
        "zone": name,
        "city": None,
        "showcase": showcase,
    }
    title = canonical_title(dossier)
    base_id = legacy_base_id(programme, batch_number, title.text)
    return Base(
        base_id=base_id,
        application_id=f"LEGACY-{base_id}",
        batch_id=f"{programme}-{batch_number or 'earlier'}",
        province=province,
        dossier=dossier,
        domain=title.domain,
        location=title.location,
        title=title.text,
        announced_on=announced_on,
        announcement=announcement,
        under_creation_until=None,
        **provenance,
    )


def legacy_base_id(programme: str, batch_number: int | None, title: str) -> str:
    """Stable: the same announced title always gets the same id."""
    batch = f"B{batch_number:02d}" if batch_number else "B00"
    return f"BASE-{programme}-{batch}-{uuid5(BASE_NAMESPACE, title).hex[:10]}"
