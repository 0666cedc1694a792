"""A batch (a call for applications): its deadlines, quotas and suspended provinces.

R-DEADLINES, R-QUOTAS and R-SUSPENDED-PROVINCE are data of the batch — set by the ministry when it
opens the batch and by each province when it forwards the call — and are checked here, once.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.submission.domain.arrival import check_one_domain_in_batch
from shared.contract.events_common import last_batch_before_platform
from shared.rules import RuleViolationError, Violation, check_not_disqualified, refuse

BATCH_NAMESPACE = uuid5(NAMESPACE_URL, "https://demobase.miit/batch")


def check_within_deadline(level: str, due: date | None, on: date) -> Violation | None:
    """R-DEADLINES: a submission to ``level`` is due by ``due`` (the postmark date counts)."""
    if due is None or on <= due:
        return None
    return Violation(
        "R-DEADLINES",
        "received_at",
        f"on or before {due.isoformat()} (to the {level})",
        on.isoformat(),
        f"late: the deadline to the {level} was {due.isoformat()}",
    )


def check_quota_not_exceeded(
    quota: dict[str, Any] | None, city: str | None, category: str, count: int
) -> Violation | None:
    """R-QUOTAS: a city may put forward at most ``maximum`` of a category."""
    if quota is None or count < int(quota["maximum"]):
        return None
    return Violation(
        "R-QUOTAS",
        "category",
        f"at most {quota['maximum']} {category}(s) from {city or 'a city'}",
        f"{count + 1} (already {count})",
        f"over quota: {city or 'this city'} may put forward {quota['maximum']} {category}(s)",
    )


def check_not_suspended(suspended: list[str], province: str, batch_id: str) -> Violation | None:
    """R-SUSPENDED-PROVINCE: a province suspended for fraud cannot recommend in this batch."""
    if province not in suspended:
        return None
    return Violation(
        "R-SUSPENDED-PROVINCE",
        "province",
        "a province not suspended from this batch",
        province,
        f"province {province} is suspended from batch {batch_id} (R-FRAUD)",
    )


def check_called_on_the_platform(programme: str, number: int) -> Violation | None:
    """R-PROCEDURE (ADR 15): the platform calls a programme's batches after those called before
    it (NIID 1–10, whose titles are taken over by ImportTitle); EIDB's first is batch 1."""
    before = last_batch_before_platform(programme)
    if number > before:
        return None
    return Violation(
        "R-PROCEDURE", "number", f"a batch after {programme} {before}", str(number),
        f"{programme} batch {number} was called before the platform: its titles are taken over "
        "(ImportTitle), not decided again",
    )  # fmt: skip


class Batch(Aggregate):
    """One call for applications of one programme, and what each province made of it."""

    @staticmethod
    def create_id(batch_id: str) -> UUID:
        return uuid5(BATCH_NAMESPACE, batch_id)

    class Opened(Aggregate.Created):
        batch_id: str
        details: dict[str, Any]
        actor: str
        occurred_at: datetime
        correlation_id: UUID
        causation_id: UUID

    @event(Opened)
    def __init__(
        self,
        batch_id: str,
        details: dict[str, Any],
        actor: str,
        occurred_at: datetime,
        correlation_id: UUID,
        causation_id: UUID,
    ) -> None:
        self.batch_id = batch_id
        self.details = details
        self.programme: str = details["programme"]
        self.number: int = int(details["number"])
        self.domains: list[str] = list(details["domains"])
        self.categories: list[str] = list(details["categories"])
        self.deadlines: list[dict[str, Any]] = list(details["deadlines"])
        self.suspended: list[str] = list(details.get("suspended_provinces", ()))
        self.forwarded: dict[str, dict[str, Any]] = {}
        self.put_forward: dict[str, int] = {}
        self.serials: dict[str, int] = {}
        self.enterprises: dict[str, dict[str, Any]] = {}
        self.applicants: dict[str, list[dict[str, str]]] = {}
        self.second_domains: dict[str, list[str]] = {}
        self.disqualified: dict[str, dict[str, str]] = {}

    class Forwarded(Aggregate.Event):
        province: str
        details: dict[str, Any]
        actor: str
        occurred_at: datetime
        correlation_id: UUID
        causation_id: UUID

    def forward(self, province: str, details: dict[str, Any], **provenance: Any) -> None:
        """A province forwards the call with its own deadlines, quotas and city review."""
        if province in self.forwarded:
            raise RuleViolationError(
                [
                    Violation(
                        "R-PROCEDURE",
                        "batch_id",
                        "one forwarding per province",
                        "a second one",
                        f"province {province} already forwarded batch {self.batch_id}",
                    )
                ]
            )
        self._forwarded(province=province, details=details, **provenance)

    @event(Forwarded)
    def _forwarded(
        self,
        province: str,
        details: dict[str, Any],
        actor: str,
        occurred_at: datetime,
        correlation_id: UUID,
        causation_id: UUID,
    ) -> None:
        self.forwarded[province] = details

    class QuotaUsed(Aggregate.Event):
        """One application of a city put forward, counted against its quota (R-QUOTAS)."""

        province: str
        city: str | None
        category: str

    @event(QuotaUsed)
    def use_quota(self, province: str, city: str | None, category: str) -> None:
        key = _quota_key(province, city, category)
        self.put_forward[key] = self.put_forward.get(key, 0) + 1

    class SerialAssigned(Aggregate.Event):
        """The province's next 序号 in its summary table (R-SUMMARY-TABLE)."""

        province: str
        serial_no: int

    @event(SerialAssigned)
    def assign_serial(self, province: str, serial_no: int) -> None:
        self.serials[province] = serial_no

    class EnterpriseEntered(Aggregate.Event):
        """An enterprise applied in this batch: who it is and its group (R-ELIGIBLE-ENTERPRISE)."""

        uscc: str
        name: str
        parent_uscc: str | None
        application_id: str

    @event(EnterpriseEntered)
    def enter_enterprise(
        self, uscc: str, name: str, parent_uscc: str | None, application_id: str
    ) -> None:
        self.enterprises[uscc] = {
            "uscc": uscc,
            "name": name,
            "parent_uscc": parent_uscc,
            "application_id": application_id,
        }

    class ApplicantEntered(Aggregate.Event):
        """An applicant's application was received in this batch (R-ONE-DOMAIN, R-FRAUD)."""

        applicant: str
        name: str
        domain: str
        application_id: str

    @event(ApplicantEntered)
    def enter_applicant(self, applicant: str, name: str, domain: str, application_id: str) -> None:
        entry = {"application_id": application_id, "name": name, "domain": domain}
        self.applicants.setdefault(applicant, []).append(entry)

    class ApplicantDisqualified(Aggregate.Event):
        """Fraud found in one of the applicant's applications: it may apply no more in this
        call (R-FRAUD, 002/003 三(一))."""

        applicant: str
        application_id: str
        stage: str
        finding: str
        found_on: str

    @event(ApplicantDisqualified)
    def disqualify_applicant(
        self, applicant: str, application_id: str, stage: str, finding: str, found_on: str
    ) -> None:
        self.disqualified.setdefault(applicant, {
            "application_id": application_id, "stage": stage, "finding": finding,
            "found_on": found_on,
        })  # fmt: skip

    class SecondDomainAllowed(Aggregate.Event):
        """The ministry's recorded exception to R-ONE-DOMAIN: one applicant may apply in one more
        domain of this batch (002/003 四(一) 原则上; ADR 14)."""

        batch_id: str
        applicant: str
        province: str
        category: str
        name: str
        uscc: str | None
        domain: str
        reasoning: str
        decision: dict[str, Any] | None
        actor: str
        occurred_at: datetime
        correlation_id: UUID
        causation_id: UUID

    def allow_second_domain(
        self, applicant: str, province: str, category: str, name: str, uscc: str | None,
        domain: str, reasoning: str, decision: dict[str, Any] | None, **provenance: Any,
    ) -> None:  # fmt: skip
        """R-ONE-DOMAIN: the exception is the ministry's, for an EIDB batch, in one of its
        domains and categories, once per applicant and domain."""
        refuse(
            self.check_one_domain_limited(),
            self.check_domain_open(domain),
            self.check_category_taken(category),
            self.check_not_yet_allowed(applicant, name, domain),
        )
        self._second_domain_allowed(
            batch_id=self.batch_id, applicant=applicant, province=province, category=category,
            name=name, uscc=uscc, domain=domain, reasoning=reasoning, decision=decision,
            **provenance,
        )  # fmt: skip

    @event(SecondDomainAllowed)
    def _second_domain_allowed(
        self, batch_id: str, applicant: str, province: str, category: str, name: str,
        uscc: str | None, domain: str, reasoning: str, decision: dict[str, Any] | None, actor: str,
        occurred_at: datetime, correlation_id: UUID, causation_id: UUID,
    ) -> None:  # fmt: skip
        self.second_domains.setdefault(applicant, []).append(domain)

    def check_one_domain_limited(self) -> Violation | None:
        """R-ONE-DOMAIN limits EIDB applicants (002/003 四(一)); NIID sets no such limit."""
        if self.programme == "EIDB":
            return None
        return Violation(
            "R-ONE-DOMAIN", "batch_id", "an EIDB batch", f"{self.batch_id} ({self.programme})",
            f"{self.programme} sets no limit of one domain: there is nothing to except from",
        )  # fmt: skip

    def check_domain_open(self, domain: str) -> Violation | None:
        """R-ONE-DOMAIN: a domain this batch calls for."""
        if domain in self.domains:
            return None
        return Violation(
            "R-ONE-DOMAIN", "domain", f"a domain of {self.batch_id}: {'、'.join(self.domains)}",
            domain, f"{domain} is not open in {self.batch_id}",
        )  # fmt: skip

    def check_category_taken(self, category: str) -> Violation | None:
        """R-PROCEDURE: a category this batch calls for."""
        if category in self.categories:
            return None
        return Violation(
            "R-PROCEDURE", "category", " or ".join(self.categories), category,
            f"{self.batch_id} takes no {category}",
        )  # fmt: skip

    def check_not_yet_allowed(self, applicant: str, name: str, domain: str) -> Violation | None:
        """R-PROCEDURE: an exception is recorded once."""
        if domain not in self.second_domains.get(applicant, ()):
            return None
        return Violation(
            "R-PROCEDURE", "domain", "an exception not yet recorded", domain,
            f"{name} is already allowed {domain} in {self.batch_id}",
        )  # fmt: skip

    def check_applicant(self, applicant: str, domain: str, field: str, who: str) -> list[Violation]:
        """What this batch already knows of the applicant: R-FRAUD (disqualified in this call)
        and R-ONE-DOMAIN (another domain, without the ministry's exception)."""
        checks = (
            check_not_disqualified(self.batch_id, self.disqualified.get(applicant), field, who),
            check_one_domain_in_batch(
                self.batch_id, self.programme, domain, self.applicants.get(applicant, []),
                self.second_domains.get(applicant, []),
            ),
        )  # fmt: skip
        return [violation for violation in checks if violation is not None]

    # Reading the batch's rules for one province.

    @property
    def conditions(self) -> dict[str, Any] | None:
        """EIDB's 创建基本条件 as the ministry set them (``BasicConditions`` as JSON), if any."""
        found: dict[str, Any] | None = self.details.get("conditions")
        return found

    def city_review(self, province: str) -> bool:
        return bool(self.forwarded.get(province, {}).get("city_review", False))

    def due(self, level: str, province: str) -> date | None:
        """The deadline for submissions to ``level`` in ``province`` (the province's own first)."""
        own = self.forwarded.get(province, {}).get("deadlines", [])
        for deadline in [*own, *self.deadlines]:
            if deadline["level"] == level and deadline.get("province") in (None, province):
                return date.fromisoformat(deadline["due"])
        return None

    def first_due(self, province: str) -> tuple[str, date | None]:
        """The first deadline an application of ``province`` must meet, and to whom."""
        level = "province" if self.city_review(province) else "ministry"
        return level, self.due(level, province) or self.due("ministry", province)

    def quota(self, province: str, city: str | None, category: str) -> dict[str, Any] | None:
        quotas = self.forwarded.get(province, {}).get("quotas", [])
        exact = [q for q in quotas if q.get("city") == city and q["category"] == category]
        fallback = [q for q in quotas if q.get("city") is None and q["category"] == category]
        found: dict[str, Any] | None = (exact or fallback or [None])[0]
        return found

    def quota_used(self, province: str, city: str | None, category: str) -> int:
        return self.put_forward.get(_quota_key(province, city, category), 0)

    def next_serial(self, province: str) -> int:
        return self.serials.get(province, 0) + 1

    def check_quota(self, province: str, city: str | None, category: str) -> Violation | None:
        used = self.quota_used(province, city, category)
        return check_quota_not_exceeded(self.quota(province, city, category), city, category, used)


def _quota_key(province: str, city: str | None, category: str) -> str:
    return f"{province}|{city or ''}|{category}"
