"""The integration events of the submission service's stored domain events (its outbox).

Deterministic: the same stored event always gives the same integration event, id and bytes, so
a relay that publishes again after a crash is deduplicated by the server.
"""

from __future__ import annotations

from typing import Any

from services.submission.domain import Application, Batch
from shared.bus.relay import Translation, translator
from shared.contract.envelope import EventPayload
from shared.contract.events import (
    ApplicationRejected,
    ApplicationSubmitted,
    BatchForwarded,
    BatchOpened,
    CityReviewCompleted,
    ProvinciallyRecommended,
    RuleViolation,
    SecondDomainAllowed,
)
from shared.contract.provinces import MINISTRY


def _received(event: Application.Received) -> EventPayload:
    details = event.details
    if event.violations:
        return ApplicationRejected(
            application_id=event.application_id,
            stage="submission",
            name=details["name"],
            programme=details["programme"],
            category=details["category"],
            domain=details["domain"],
            reasons=tuple(RuleViolation(**v) for v in event.violations),
        )
    return ApplicationSubmitted(
        application_id=event.application_id,
        batch_id=details.get("batch_id"),
        programme=details["programme"],
        category=details["category"],
        name=details["name"],
        applicant=details["applicant"],
        city=details.get("city"),
        domain=details["domain"],
        uscc=details.get("uscc"),
        zone=details.get("zone"),
        form=details.get("form") or {},
    )


def _opened(event: Batch.Opened) -> EventPayload:
    keys = (
        "batch_id",
        "programme",
        "number",
        "title",
        "notice",
        "domains",
        "categories",
        "deadlines",
        "suspended_provinces",
        "conditions",
    )
    details = {k: event.details[k] for k in keys if k in event.details}  # older: no conditions
    return BatchOpened.model_validate(details, strict=False)


def _forwarded(event: Batch.Forwarded) -> EventPayload:
    details = {k: v for k, v in event.details.items() if k != "batch_id"}
    return BatchForwarded.model_validate(
        {**details, "batch_id": event.details["batch_id"], "province": event.province},
        strict=False,
    )


def _second_domain_allowed(event: Batch.SecondDomainAllowed) -> EventPayload:
    keys = ("batch_id", "province", "category", "name", "uscc", "domain", "reasoning", "decision")
    return SecondDomainAllowed.model_validate(
        {key: getattr(event, key) for key in keys}, strict=False
    )


def _city_reviewed(event: Application.CityReviewed) -> EventPayload:
    return CityReviewCompleted.model_validate(
        {
            "application_id": event.summary["application_id"],
            "batch_id": event.summary["batch_id"],
            "city": event.city,
            "category": event.summary["category"],
            "rank": event.rank,
            "summary_table": event.summary_table,
        },
        strict=False,
    )


def _recommended(event: Application.Recommended) -> EventPayload:
    return ProvinciallyRecommended.model_validate(
        {
            **_only(event.summary, ProvinciallyRecommended),
            "serial_no": event.serial_no,
            "dispatched_on": event.occurred_at.date().isoformat(),
            "recommendation": event.recommendation,
            "preliminary_score": event.preliminary_score,
            "priority": event.priority,
        },
        strict=False,
    )


def _rejected(event: Application.Rejected) -> EventPayload:
    return ApplicationRejected.model_validate(
        {
            **_only(event.summary, ApplicationRejected),
            "stage": event.stage,
            "reasons": event.reasons,
        },
        strict=False,
    )


def _only(summary: dict[str, Any], payload: type[EventPayload]) -> dict[str, Any]:
    return {k: v for k, v in summary.items() if k in payload.model_fields}


def _province(event: Any) -> str:
    return str(event.summary["province"])


def _application_id(event: Any) -> str:
    return str(event.summary["application_id"])


TRANSLATIONS: dict[type, Translation] = {
    Application.Received: (_received, lambda e: e.province, lambda e: e.application_id),
    Batch.Opened: (_opened, lambda e: MINISTRY, lambda e: e.batch_id),
    Batch.Forwarded: (_forwarded, lambda e: e.province, lambda e: e.details["batch_id"]),
    Batch.SecondDomainAllowed: (_second_domain_allowed, lambda e: e.province, lambda e: e.batch_id),
    Application.CityReviewed: (_city_reviewed, _province, _application_id),
    Application.Recommended: (_recommended, _province, _application_id),
    Application.Rejected: (_rejected, _province, _application_id),
}
"""Domain event → (payload, province, subject id); events not listed are internal."""

translate = translator("submission", TRANSLATIONS)
