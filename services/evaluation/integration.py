"""The integration events of the evaluation service's stored domain events (its outbox).

Deterministic: the same stored event always gives the same integration event, id and bytes, so
a relay that publishes again after a crash is deduplicated by the server.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from services.evaluation.domain import AnnualMaterials, Base, BatchLedger, EvaluationRound
from services.evaluation.domain import RectificationDocket as Docket
from shared.bus.relay import Translation, translator
from shared.contract.envelope import EventPayload
from shared.contract.events import ProvinceSuspended
from shared.contract.events_evaluation import (
    ActionPlanFiled,
    AnnualMaterialsReturned,
    AnnualReportSubmitted,
    EvaluationResultsPublished,
    EvaluationRoundOpened,
    FiveStarListPublished,
    FraudDetected,
    IncidentReported,
    InspectionFindingRecorded,
    MaterialsMissing,
    RectificationConfirmed,
    StarRated,
    TierChanged,
    TitleRenamed,
    TitleRevoked,
)
from shared.contract.provinces import MINISTRY


def _payload(klass: type[EventPayload], data: dict[str, Any]) -> EventPayload:
    return klass.model_validate(data, strict=False)


def _enrolled(e: Base.Enrolled) -> EventPayload:
    reason = "title awarded: a titled base enters the national tier"
    return _payload(TierChanged, {"base_id": e.base_id, "to_tier": e.tier, "reason": reason})


def _base(klass: type[EventPayload], *names: str, **renamed: str) -> Callable[[Any], EventPayload]:
    """A payload of ``klass`` from the event's ``names`` and ``renamed`` (payload: event field)."""

    def payload_of(e: Any) -> EventPayload:
        data = {name: getattr(e, name) for name in ("base_id", *names)}
        return _payload(klass, {**data, **{key: getattr(e, f) for key, f in renamed.items()}})

    return payload_of


def _incident(e: Base.IncidentReported) -> EventPayload:
    return _payload(IncidentReported, {"base_id": e.base_id, **e.incident})


def _finding(e: Docket.FindingRecorded) -> EventPayload:
    return _payload(InspectionFindingRecorded, {"base_id": e.base_id, **e.finding})


def _report(about: dict[str, Any], report: dict[str, Any]) -> dict[str, Any]:
    """The development report as a document: the one filed, or the sections' digest."""
    if report.get("document"):
        return dict(report["document"])
    text = json.dumps(report["sections"], ensure_ascii=False, sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()
    return {"title": f"{about['year']}年度发展报告", "sha256": digest}


def _forwarded(e: AnnualMaterials.Forwarded) -> EventPayload:
    return _payload(
        AnnualReportSubmitted,
        {
            "base_id": e.about["base_id"],
            "batch_id": e.about["round_id"],
            "evaluation_year": e.about["year"],
            "report_form": e.form,
            "development_report": _report(e.about, e.report),
            "sections": e.report["sections"],
        },
    )


def _returned(e: AnnualMaterials.Returned) -> EventPayload:
    return _payload(
        AnnualMaterialsReturned,
        {
            "base_id": e.about["base_id"],
            "batch_id": e.about["round_id"],
            "evaluation_year": e.about["year"],
            "reasons": e.reasons,
        },
    )


def _opened(e: EvaluationRound.Opened) -> EventPayload:
    keys = (
        "programme",
        "evaluation_year",
        "announced_by",
        "notice",
        "deadlines",
        "non_filer_rule",
        "star_mapping",
        "weights",
    )
    return _payload(
        EvaluationRoundOpened,
        {
            "batch_id": e.round_id,
            **{key: e.details[key] for key in keys},
            "participants": e.participants,
            "exclusions": e.exclusions,
        },
    )


def _round(e: Any) -> dict[str, Any]:
    return {
        "batch_id": e.about["round_id"],
        "programme": e.about["programme"],
        "evaluation_year": e.about["year"],
    }


def _published(e: EvaluationRound.Published) -> EventPayload:
    return _payload(EvaluationResultsPublished, {**_round(e), **e.results})


def _five_stars(e: EvaluationRound.FiveStarListed) -> EventPayload:
    return _payload(FiveStarListPublished, {**_round(e), "bases": e.bases, "notice": e.notice})


def _suspended(e: BatchLedger.Suspended) -> EventPayload:
    keys = ("province", "programme", "batch_number", "reason", "causing_events")
    return _payload(ProvinceSuspended, {key: getattr(e, key) for key in keys})


BY_BASE: tuple[Callable[[Any], str], Callable[[Any], str]] = (
    lambda e: e.province,
    lambda e: e.base_id,
)
BY_ABOUT: tuple[Callable[[Any], str], Callable[[Any], str]] = (
    lambda e: e.about["province"],
    lambda e: e.about["base_id"],
)
BY_ROUND: tuple[Callable[[Any], str], Callable[[Any], str]] = (
    lambda e: MINISTRY,
    lambda e: e.about["round_id"],
)

TRANSLATIONS: dict[type, Translation] = {
    Base.Enrolled: (_enrolled, *BY_BASE),
    Base.TierChanged: (_base(TierChanged, "from_tier", "to_tier", "reason", "decision"), *BY_BASE),
    Base.PlanFiled: (_base(ActionPlanFiled, "first_year", "last_year", "plan"), *BY_BASE),
    Base.Renamed: (
        _base(
            TitleRenamed,
            "old_title",
            "new_title",
            "cause",
            "request",
            "approval",
            published_with_year="year",
        ),
        *BY_BASE,
    ),
    Base.IncidentReported: (_incident, *BY_BASE),
    Base.FraudDetected: (_base(FraudDetected, "programme", "description", "evidence"), *BY_BASE),
    Base.MaterialsMissing: (
        _base(MaterialsMissing, "due", "rule", batch_id="round_id", evaluation_year="year"),
        *BY_BASE,
    ),
    Base.Rated: (
        _base(
            StarRated,
            "stars",
            "score",
            "parts",
            "rank",
            "materials",
            batch_id="round_id",
            evaluation_year="year",
        ),
        *BY_BASE,
    ),
    Base.Revoked: (_base(TitleRevoked, "rule_id", "reason", "causing_events"), *BY_BASE),
    AnnualMaterials.Forwarded: (_forwarded, *BY_ABOUT),
    AnnualMaterials.Returned: (_returned, *BY_ABOUT),
    EvaluationRound.Opened: (_opened, lambda e: MINISTRY, lambda e: e.round_id),
    EvaluationRound.Published: (_published, *BY_ROUND),
    EvaluationRound.FiveStarListed: (_five_stars, *BY_ROUND),
    BatchLedger.Suspended: (_suspended, lambda e: e.province, lambda e: e.province),
    Docket.FindingRecorded: (_finding, *BY_BASE),
    Docket.Rectified: (
        _base(RectificationConfirmed, "finding_id", "rectified_on", "evidence"),
        *BY_BASE,
    ),
}
"""Domain event → (payload, province, subject id); events not listed are internal."""

translate = translator("evaluation", TRANSLATIONS)
