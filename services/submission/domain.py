"""Submission: applications as they arrive from the provinces, and the rules checked on arrival.

Plain Python, no I/O. Each rule of RULES.md that this context enforces lives here once, as a named
check that raises :class:`RuleViolationError` with the rule ID, the field and the figures.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, get_args
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from stdnum.cn import uscc as gb32100

from shared.contract.events_common import EidbDomain, NiidDomain
from shared.rules import RuleViolationError, Violation

__all__ = ["RuleViolationError", "Violation"]

DOMAINS: dict[str, tuple[str, ...]] = {"NIID": get_args(NiidDomain), "EIDB": get_args(EidbDomain)}
"""R-ONE-DOMAIN: each programme's domains, as the contract enumerates them."""

APPLICATION_NAMESPACE = uuid5(NAMESPACE_URL, "https://demobase.miit/application")


def check_one_domain(programme: str, domain: str) -> Violation | None:
    """R-ONE-DOMAIN: one domain, and one of the programme's own."""
    allowed = DOMAINS[programme]
    if domain in allowed:
        return None
    return Violation(
        "R-ONE-DOMAIN", "domain", f"one of {programme}: {'、'.join(allowed)}", domain,
        f"{domain!r} is not a domain of {programme}",
    )  # fmt: skip


def check_applicant_kind(programme: str, category: str) -> Violation | None:
    """R-ELIGIBLE-ZONE: NIID takes parks only; EIDB takes parks and enterprises."""
    if programme == "NIID" and category != "park":
        return Violation(
            "R-ELIGIBLE-ZONE", "category", "park (NIID accepts parks only)", category,
            "NIID applicants are parks (001 第六条)",
        )  # fmt: skip
    return None


def check_enterprise_identity(category: str, uscc: str | None) -> Violation | None:
    """R-ELIGIBLE-ENTERPRISE: an enterprise is a legal person with a valid 统一社会信用代码."""
    if category != "enterprise":
        return None
    if not uscc:
        return Violation(
            "R-ELIGIBLE-ENTERPRISE", "uscc", "an 18-character 统一社会信用代码", "nothing",
            "an enterprise must give its unified social credit code",
        )  # fmt: skip
    if not gb32100.is_valid(uscc):
        return Violation(
            "R-ELIGIBLE-ENTERPRISE", "uscc", "a code whose GB 32100-2015 check digit is right",
            uscc, "the unified social credit code is not valid (GB 32100-2015)",
        )  # fmt: skip
    return None


def violations_on_arrival(
    programme: str, category: str, domain: str, uscc: str | None
) -> list[Violation]:
    """Every rule an application can fail on arrival, all of them reported at once."""
    checks = (
        check_applicant_kind(programme, category),
        check_one_domain(programme, domain),
        check_enterprise_identity(category, uscc),
    )
    return [violation for violation in checks if violation is not None]


def application_id_for(programme: str, province: str, command_id: UUID) -> str:
    """A readable, stable id: the same attempt always yields the same application id."""
    return f"{programme}-{province}-{command_id.hex[:12]}"


class Application(Aggregate):
    """One application of one applicant to one batch, from its arrival on.

    An application that fails its arrival rules is still received and kept, with the reasons, so
    the province can read the refusal on the log and an auditor sees every attempt decided.
    """

    @staticmethod
    def create_id(application_id: str) -> UUID:
        return uuid5(APPLICATION_NAMESPACE, application_id)

    class Received(Aggregate.Created):
        """An application arrived; ``violations`` lists the rules it failed, if any."""

        application_id: str
        province: str
        details: dict[str, Any]
        violations: list[dict[str, str]]
        actor: str
        occurred_at: datetime
        correlation_id: UUID
        causation_id: UUID

    @event(Received)
    def __init__(
        self,
        application_id: str,
        province: str,
        details: dict[str, Any],
        violations: list[dict[str, str]],
        actor: str,
        occurred_at: datetime,
        correlation_id: UUID,
        causation_id: UUID,
    ) -> None:
        self.application_id = application_id
        self.province = province
        self.details = details
        self.violations = violations
        self.status = "rejected" if violations else "submitted"

    @property
    def accepted(self) -> bool:
        return not self.violations
