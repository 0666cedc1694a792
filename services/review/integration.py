"""The integration events of the review service's stored domain events (its outbox).

Deterministic: the same stored event always gives the same integration event, id and bytes, so a
relay that publishes again after a crash is deduplicated by the server. Each published domain
event carries everything its integration event says; nothing is read from current state.
Panels, scores, site visits and batch bookkeeping stay internal: the verdict that matters,
ExpertReviewCompleted, carries the panel, the section means and the site visit date.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.review.domain import Base, Candidate, Publicity
from services.review.domain.scoring import CENTS, rounded
from shared.bus.relay import Translation, translator
from shared.contract.envelope import EventPayload
from shared.contract.events import (
    CandidateDisqualified,
    ConsultationAnswered,
    CreationAcceptanceFailed,
    CreationAccepted,
    ExpertReviewCompleted,
    ObjectionFiled,
    ObjectionResolved,
    PublicityClosed,
    PublicityOpened,
    TitleAwarded,
)
from shared.contract.provinces import MINISTRY


def _review_completed(event: Candidate.ReviewCompleted) -> EventPayload:
    return ExpertReviewCompleted.model_validate(
        {
            "application_id": event.application_id,
            "batch_id": event.batch_id,
            "panel": event.panel,
            "sections": [{"section": s, "score": v} for s, v in event.sections.items()],
            "total": rounded(event.raw_mean, CENTS),
            "site_visited_on": event.site_visited_on,
            "outcome": event.outcome,
            "raw_mean": event.raw_mean,
            "normalised": event.normalised,
            "rank": event.rank,
            "priority": event.priority,
        },
        strict=False,
    )


def _disqualified(event: Candidate.Disqualified) -> EventPayload:
    keys = ("application_id", "batch_id", "stage", "finding", "evidence")
    return CandidateDisqualified.model_validate(
        {key: getattr(event, key) for key in keys}, strict=False
    )


def _opened(event: Publicity.Opened) -> EventPayload:
    keys = ("publicity_id", "batch_id", "programme", "published_on", "first_day", "last_day")
    return PublicityOpened.model_validate(
        {
            **{key: getattr(event, key) for key in keys},
            "entries": event.entries,
            "notice": event.notice,
        },
        strict=False,
    )


def _fields(payload: type[EventPayload]) -> Callable[[Any], EventPayload]:
    """A payload whose every field is a field of the domain event of the same name."""

    def payload_of(event: Any) -> EventPayload:
        values = {name: getattr(event, name) for name in payload.model_fields}
        return payload.model_validate(values, strict=False)

    return payload_of


def _awarded(event: Base.Awarded) -> EventPayload:
    dossier = event.dossier
    return TitleAwarded.model_validate(
        {
            **{key: getattr(event, key) for key in AWARD_FIELDS},
            "programme": dossier["programme"],
            "category": dossier["category"],
            "name": dossier["name"],
        },
        strict=False,
    )


AWARD_FIELDS = (
    "base_id", "application_id", "batch_id", "domain", "location", "title", "announced_on",
    "announcement", "under_creation_until",
)  # fmt: skip


def _ministry(event: Any) -> str:
    return MINISTRY


def _province(event: Any) -> str:
    return str(event.province)


TRANSLATIONS: dict[type, Translation] = {
    Candidate.ReviewCompleted: (_review_completed, _province, lambda e: e.application_id),
    Candidate.Disqualified: (_disqualified, _province, lambda e: e.application_id),
    Publicity.Opened: (_opened, _ministry, lambda e: e.publicity_id),
    Publicity.ObjectionFiled: (_fields(ObjectionFiled), _ministry, lambda e: e.publicity_id),
    Publicity.ObjectionResolved: (_fields(ObjectionResolved), _ministry, lambda e: e.publicity_id),
    Publicity.ConsultationAnswered: (
        _fields(ConsultationAnswered),
        _ministry,
        lambda e: e.publicity_id,
    ),
    Publicity.Closed: (_fields(PublicityClosed), _ministry, lambda e: e.publicity_id),
    Base.Awarded: (_awarded, _province, lambda e: e.base_id),
    Base.CreationAccepted: (_fields(CreationAccepted), _province, lambda e: e.base_id),
    Base.CreationFailed: (_fields(CreationAcceptanceFailed), _province, lambda e: e.base_id),
}
"""Domain event → (payload, province, subject id); events not listed are internal."""

translate = translator("review", TRANSLATIONS)
