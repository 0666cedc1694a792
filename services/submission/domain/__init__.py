"""Submission: batches, applications and the rules checked from arrival to recommendation.

Plain Python, no I/O. Each rule of RULES.md that this context enforces lives here once, as a named
check returning a :class:`Violation` (rule ID, field, figures) or raising
:class:`RuleViolationError`.
"""

from __future__ import annotations

from services.submission.domain.application import Application, check_step
from services.submission.domain.arrival import (
    DOMAINS,
    applicant_key,
    application_id_for,
    check_applicant_kind,
    check_enterprise_identity,
    check_one_domain,
    violations_on_arrival,
)
from services.submission.domain.batch import (
    Batch,
    check_called_on_the_platform,
    check_not_suspended,
    check_quota_not_exceeded,
    check_within_deadline,
)
from services.submission.domain.catalogue import Catalogue
from services.submission.domain.suspension import ProvinceSuspensions
from shared.rules import RuleViolationError, Violation

__all__ = [
    "DOMAINS",
    "Application",
    "Batch",
    "Catalogue",
    "ProvinceSuspensions",
    "RuleViolationError",
    "Violation",
    "applicant_key",
    "application_id_for",
    "check_applicant_kind",
    "check_called_on_the_platform",
    "check_enterprise_identity",
    "check_not_suspended",
    "check_one_domain",
    "check_quota_not_exceeded",
    "check_step",
    "check_within_deadline",
    "violations_on_arrival",
]
