"""Every integration event of the lifecycle, one class per event type (DESIGN.md, STYLE.md 4).

Importing this module registers every payload in ``EVENT_TYPES``, so any process that reads the
log imports it before it parses an envelope. The classes live in one module per bounded context
(``events_submission``, ``events_review``, ``events_evaluation``) and the shared vocabulary in
``events_common``; this module is the one to import from.

Each payload names the id of its subject in a field given by its ``subject_kind``
(:data:`SUBJECT_FIELDS`), which is also the envelope's ``subject_id``.
"""

from __future__ import annotations

from typing import Final

from shared.contract.envelope import EVENT_TYPES, EventPayload, SubjectKind
from shared.contract.events_common import (
    AccidentGrade,
    BasicConditions,
    Category,
    CityQuota,
    ConsultedMinistry,
    Count,
    Deadline,
    DocumentRef,
    EidbDomain,
    EnvironmentalGrade,
    EventRef,
    ExactBool,
    ExactInt,
    FiveStarEntry,
    IncidentKind,
    Level,
    Narrative,
    NiidDomain,
    Ordinal,
    PriorityGround,
    Programme,
    PublicityEntry,
    RevocationRule,
    RuleId,
    RuleViolation,
    Score,
    SectionScore,
    Stage,
    Stars,
    Text,
    Tier,
    ValueObject,
    Year,
)
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
from shared.contract.events_platform import PlatformClockSet
from shared.contract.events_review import (
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
from shared.contract.events_submission import (
    ApplicationRejected,
    ApplicationSubmitted,
    BatchForwarded,
    BatchOpened,
    CityReviewCompleted,
    ProvinceSuspended,
    ProvinciallyRecommended,
    SecondDomainAllowed,
)

SUBJECT_FIELDS: Final[dict[SubjectKind, str]] = {
    "application": "application_id",
    "base": "base_id",
    "batch": "batch_id",
    "platform": "clock",
    "province": "province",
    "publicity": "publicity_id",
}
"""The payload field that holds the subject's id, by subject kind."""


def subject_id(payload: EventPayload) -> str:
    """The id of the payload's subject: the envelope's ``subject_id``."""
    value = getattr(payload, SUBJECT_FIELDS[payload.subject_kind])
    if not isinstance(value, str):
        raise TypeError(f"{payload.event_type} has no {payload.subject_kind} id")
    return value


__all__ = [
    "EVENT_TYPES",
    "SUBJECT_FIELDS",
    "AccidentGrade",
    "ActionPlanFiled",
    "AnnualMaterialsReturned",
    "AnnualReportSubmitted",
    "ApplicationRejected",
    "ApplicationSubmitted",
    "BasicConditions",
    "BatchForwarded",
    "BatchOpened",
    "CandidateDisqualified",
    "Category",
    "CityQuota",
    "CityReviewCompleted",
    "ConsultationAnswered",
    "ConsultedMinistry",
    "Count",
    "CreationAcceptanceFailed",
    "CreationAccepted",
    "Deadline",
    "DocumentRef",
    "EidbDomain",
    "EnvironmentalGrade",
    "EvaluationResultsPublished",
    "EvaluationRoundOpened",
    "EventPayload",
    "EventRef",
    "ExactBool",
    "ExactInt",
    "ExpertReviewCompleted",
    "FiveStarEntry",
    "FiveStarListPublished",
    "FraudDetected",
    "IncidentKind",
    "IncidentReported",
    "InspectionFindingRecorded",
    "Level",
    "MaterialsMissing",
    "Narrative",
    "NiidDomain",
    "ObjectionFiled",
    "ObjectionResolved",
    "Ordinal",
    "PlatformClockSet",
    "PriorityGround",
    "Programme",
    "ProvinceSuspended",
    "ProvinciallyRecommended",
    "PublicityClosed",
    "PublicityEntry",
    "PublicityOpened",
    "RectificationConfirmed",
    "RevocationRule",
    "RuleId",
    "RuleViolation",
    "Score",
    "SecondDomainAllowed",
    "SectionScore",
    "Stage",
    "StarRated",
    "Stars",
    "Text",
    "Tier",
    "TierChanged",
    "TitleAwarded",
    "TitleRenamed",
    "TitleRevoked",
    "ValueObject",
    "Year",
    "subject_id",
]
