"""The integration-event contract: every event registered, round-tripping, frozen and strict."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from pydantic import ValidationError

from shared.contract.envelope import (
    EVENT_TYPES,
    DuplicateKeyError,
    Envelope,
    EventPayload,
    new_envelope,
)
from shared.contract.events import (
    SUBJECT_FIELDS,
    ActionPlanFiled,
    AnnualReportSubmitted,
    ApplicationRejected,
    ApplicationSubmitted,
    BasicConditions,
    BatchForwarded,
    BatchOpened,
    CandidateDisqualified,
    CityQuota,
    CityReviewCompleted,
    ConsultationAnswered,
    CreationAcceptanceFailed,
    CreationAccepted,
    Deadline,
    DocumentRef,
    EvaluationRoundOpened,
    EventRef,
    ExpertReviewCompleted,
    FiveStarEntry,
    FiveStarListPublished,
    FraudDetected,
    IncidentReported,
    InspectionFindingRecorded,
    ObjectionFiled,
    ObjectionResolved,
    PlatformClockSet,
    ProvinceSuspended,
    ProvinciallyRecommended,
    PublicityClosed,
    PublicityEntry,
    PublicityOpened,
    RectificationConfirmed,
    RuleViolation,
    SecondDomainAllowed,
    SectionScore,
    StarRated,
    TierChanged,
    TitleAwarded,
    TitleRenamed,
    TitleRevoked,
    subject_id,
)
from shared.contract.events_evaluation import (
    AnnualMaterialsReturned,
    EvaluationResultsPublished,
    MaterialsMissing,
    ProvinceResult,
)

pytestmark = pytest.mark.unit

BEIJING = timezone(timedelta(hours=8))
NOTICE = DocumentRef(
    title="关于开展第一批国家新兴产业发展示范基地创建遴选工作的通知",
    number="工信厅规函〔2026〕101号",
)
REPORT = DocumentRef(title="验收报告", sha256="0" * 64)
FRAUD = EventRef(event_id=UUID("8d5e3f0a-6c1b-4d2e-9f3a-1b2c3d4e5f60"), stream_sequence=4211)

SAMPLES: dict[type[EventPayload], EventPayload] = {
    PlatformClockSet: PlatformClockSet(
        decided_in="review",
        to=datetime(2026, 4, 1, 9, tzinfo=BEIJING),
        received_at=datetime(2026, 12, 2, 13, 40, tzinfo=UTC),
        reason="the operator plays the 2026 batch",
    ),
    MaterialsMissing: MaterialsMissing(
        base_id="BASE-4",
        batch_id="NIID-EVAL-2025",
        evaluation_year=2025,
        due=date(2026, 3, 31),
        rule="one_star",
    ),
    AnnualMaterialsReturned: AnnualMaterialsReturned(
        base_id="BASE-1",
        batch_id="NIID-EVAL-2025",
        evaluation_year=2025,
        reasons=("研发投入强度与统计数据不符",),
    ),
    EvaluationResultsPublished: EvaluationResultsPublished(
        batch_id="NIID-EVAL-2025",
        programme="NIID",
        evaluation_year=2025,
        notice=DocumentRef(title="2025年评价结果通知"),
        rated=2,
        by_province=(ProvinceResult(province="430000", five=1, one=1),),
    ),
    BatchOpened: BatchOpened(
        batch_id="EIDB-2026-1",
        programme="EIDB",
        number=1,
        title="第一批国家新兴产业发展示范基地创建遴选",
        notice=NOTICE,
        domains=("人工智能", "软件"),
        categories=("park", "enterprise"),
        deadlines=(Deadline(level="ministry", due=date(2026, 4, 10)),),
        conditions=BasicConditions(
            verified=False,
            source="工信部规〔2025〕250号 考评指标（未核实）",
            park={"smart_factory_share_pct": Decimal("20")},
            enterprise={"high_level_talent_share_pct": Decimal("30")},
            weights={"smart_factories": {"领航级": Decimal("4"), "卓越级": Decimal("3")}},
        ),
    ),
    BatchForwarded: BatchForwarded(
        batch_id="EIDB-2026-1",
        province="350000",
        notice=DocumentRef(title="福建省转发通知"),
        city_review=True,
        deadlines=(Deadline(level="province", due=date(2026, 4, 4), province="350000"),),
        quotas=(
            CityQuota(city="福州", category="park", minimum=1, maximum=2),
            CityQuota(city=None, category="enterprise", maximum=3),
        ),
    ),
    ApplicationSubmitted: ApplicationSubmitted(
        application_id="APP-1",
        batch_id="EIDB-2026-1",
        programme="EIDB",
        category="enterprise",
        name="某某智能机器人有限公司",
        applicant="某某智能机器人有限公司",
        city="广州",
        domain="智能机器人",
        uscc="91440101MA59XXXX0X",
        form={"revenue": {"2023": 1.0, "2024": 2.0, "2025": 3.0}},
        flags=("group and subsidiary: check",),
    ),
    ApplicationRejected: ApplicationRejected(
        application_id="APP-2",
        stage="province",
        reasons=(
            RuleViolation(
                rule_id="R-DEADLINES",
                field="dispatched_on",
                required="on or before 2026-04-10",
                given="2026-04-11",
                message="submitted after the deadline 2026-04-10",
            ),
        ),
        name="某某园区",
    ),
    CityReviewCompleted: CityReviewCompleted(
        application_id="APP-1", batch_id="EIDB-2026-1", city="广州", category="enterprise", rank=1
    ),
    ProvinciallyRecommended: ProvinciallyRecommended(
        application_id="APP-1",
        batch_id="EIDB-2026-1",
        programme="EIDB",
        serial_no=1,
        applicant="某某智能机器人有限公司",
        name="某某智能机器人有限公司",
        category="enterprise",
        domain="智能机器人",
        dispatched_on=date(2026, 4, 9),
        recommendation=DocumentRef(title="推荐文件", number="粤工信园区函〔2026〕1号"),
        preliminary_score=Decimal("86.50"),
        priority=("国家安全应急产业示范基地",),
    ),
    SecondDomainAllowed: SecondDomainAllowed(
        batch_id="EIDB-2026-1",
        province="350000",
        category="enterprise",
        name="福州新型储能装备有限公司",
        uscc="91350100MA2XN0QJ14",
        domain="软件",
        reasoning="储能管理软件与装备制造均具全国领先优势，经部审定允许增报一个领域",
        decision=DocumentRef(title="关于同意增报创建领域的复函"),
    ),
    ProvinceSuspended: ProvinceSuspended(
        province="430000",
        programme="NIID",
        batch_number=11,
        reason="fraud found in a base's annual report",
        causing_events=(FRAUD,),
    ),
    ExpertReviewCompleted: ExpertReviewCompleted(
        application_id="APP-1",
        batch_id="EIDB-2026-1",
        panel=("EXP-1", "EXP-2", "EXP-3"),
        sections=(SectionScore(section="发展基础", score=Decimal("25.5")),),
        total=Decimal("88.25"),
        site_visited_on=date(2026, 5, 20),
        outcome="proposed",
    ),
    PublicityOpened: PublicityOpened(
        publicity_id="PUB-2026-1",
        batch_id="EIDB-2026-1",
        programme="EIDB",
        published_on=date(2026, 6, 13),
        first_day=date(2026, 6, 15),
        last_day=date(2026, 6, 19),
        entries=(
            PublicityEntry(
                application_id="APP-1",
                name="某某智能机器人有限公司",
                proposed_title="国家新兴产业发展示范基地（智能机器人）",
            ),
        ),
    ),
    ConsultationAnswered: ConsultationAnswered(
        publicity_id="PUB-2026-1", ministry="生态环境部", opinion="no_objection"
    ),
    ObjectionFiled: ObjectionFiled(
        publicity_id="PUB-2026-1",
        objection_id="OBJ-1",
        application_id="APP-1",
        source="public",
        grounds="revenue figures differ from the statistical bureau's",
    ),
    ObjectionResolved: ObjectionResolved(
        publicity_id="PUB-2026-1",
        objection_id="OBJ-1",
        application_id="APP-1",
        outcome="dismissed",
        reasoning="the statistical bureau confirmed the figures",
    ),
    CandidateDisqualified: CandidateDisqualified(
        application_id="APP-3",
        batch_id="EIDB-2026-1",
        stage="publicity",
        finding="营业收入数据与统计部门不符",
        evidence=(DocumentRef(title="核查函"),),
    ),
    PublicityClosed: PublicityClosed(
        publicity_id="PUB-2026-1", batch_id="EIDB-2026-1", cleared=("APP-1",), withheld=("APP-3",)
    ),
    TitleAwarded: TitleAwarded(
        base_id="BASE-1",
        application_id="APP-4",
        batch_id="NIID-10",
        programme="NIID",
        category="park",
        name="长沙经济技术开发区",
        domain="装备制造",
        location="长沙经济技术开发区",
        title="国家新型工业化产业示范基地（装备制造·长沙经济技术开发区）",
        announced_on=date(2022, 1, 10),
        announcement=DocumentRef(title="第十批示范基地名单公告"),
    ),
    CreationAccepted: CreationAccepted(
        base_id="BASE-2", title="国家新兴产业发展示范基地（智能机器人）", report=REPORT
    ),
    CreationAcceptanceFailed: CreationAcceptanceFailed(
        base_id="BASE-3", reason="creation targets not met", score=Decimal("52"), report=REPORT
    ),
    EvaluationRoundOpened: EvaluationRoundOpened(
        batch_id="NIID-EVAL-2025",
        programme="NIID",
        evaluation_year=2025,
        announced_by=date(2024, 12, 31),
        notice=DocumentRef(title="关于开展2025年示范基地发展质量评价工作的通知"),
    ),
    AnnualReportSubmitted: AnnualReportSubmitted(
        base_id="BASE-1",
        batch_id="NIID-EVAL-2025",
        evaluation_year=2025,
        report_form={"sales_revenue_yi": 3200},
        development_report=DocumentRef(title="2025年度发展报告"),
    ),
    StarRated: StarRated(
        base_id="BASE-1", batch_id="NIID-EVAL-2025", evaluation_year=2025, stars=5
    ),
    FiveStarListPublished: FiveStarListPublished(
        batch_id="NIID-EVAL-2025",
        programme="NIID",
        evaluation_year=2025,
        bases=(FiveStarEntry(base_id="BASE-1", title="装备制造(工程机械)·长沙经济技术开发区"),),
        notice=DocumentRef(title="2025年度五星示范基地名单"),
    ),
    IncidentReported: IncidentReported(
        base_id="BASE-5",
        incident_id="INC-1",
        kind="environmental",
        grade="Ⅱ级",
        happened_on=date(2025, 8, 2),
        description="river pollution downstream of the chemical park",
    ),
    InspectionFindingRecorded: InspectionFindingRecorded(
        base_id="BASE-6",
        finding_id="FND-1",
        inspection="中央生态环境保护督察",
        area="生态环保",
        description="untreated waste water",
        rectify_by=date(2025, 12, 31),
    ),
    RectificationConfirmed: RectificationConfirmed(
        base_id="BASE-6",
        finding_id="FND-1",
        rectified_on=date(2025, 11, 30),
        evidence=(DocumentRef(title="整改验收意见"),),
    ),
    TitleRenamed: TitleRenamed(
        base_id="BASE-7",
        old_title="国家新型工业化产业示范基地（装备制造·某某经济开发区）",
        new_title="国家新型工业化产业示范基地（装备制造·某某经济技术开发区）",
        cause="开发区名称变更",
        published_with_year=2025,
        request=DocumentRef(title="更名申请"),
        approval=DocumentRef(title="更名批复"),
    ),
    TitleRevoked: TitleRevoked(
        base_id="BASE-8",
        rule_id="R-FRAUD",
        reason="falsified revenue figures in the 2024 annual report",
        causing_events=(FRAUD,),
    ),
    FraudDetected: FraudDetected(
        base_id="BASE-8",
        programme="NIID",
        description="falsified revenue figures in the 2024 annual report",
        evidence=(DocumentRef(title="核查报告"),),
    ),
    TierChanged: TierChanged(
        base_id="BASE-1",
        from_tier="国家级示范基地",
        to_tier="卓越提升计划",
        reason="five stars three years running",
    ),
    ActionPlanFiled: ActionPlanFiled(
        base_id="BASE-1", first_year=2026, last_year=2028, plan=DocumentRef(title="三年行动计划")
    ),
}

LIFECYCLE = {
    "BatchOpened", "ApplicationSubmitted", "ApplicationRejected", "ProvinciallyRecommended",
    "ProvinceSuspended", "ExpertReviewCompleted", "PublicityOpened", "ObjectionFiled",
    "ObjectionResolved", "PublicityClosed", "TitleAwarded", "CreationAccepted",
    "CreationAcceptanceFailed", "AnnualReportSubmitted", "StarRated", "FiveStarListPublished",
    "IncidentReported", "InspectionFindingRecorded", "RectificationConfirmed", "TitleRenamed",
    "TitleRevoked", "FraudDetected", "TierChanged", "ActionPlanFiled", "EvaluationRoundOpened",
    "CityReviewCompleted",
}  # fmt: skip

samples = pytest.mark.parametrize(
    "payload", list(SAMPLES.values()), ids=[cls.__name__ for cls in SAMPLES]
)


def envelope_of(payload: EventPayload, province: str = "440000") -> Envelope:
    now = datetime(2026, 4, 10, 9, 30, tzinfo=BEIJING)
    return new_envelope(
        payload,
        event_id=uuid4(),
        occurred_at=now,
        recorded_at=now + timedelta(seconds=1),
        actor="ministry:planning",
        province=province,
        subject_id=subject_id(payload),
        correlation_id=uuid4(),
    )


def wire(payload: EventPayload, **payload_changes: Any) -> dict[str, Any]:
    """The JSON object a publisher would send, with some payload fields replaced."""
    data: dict[str, Any] = json.loads(envelope_of(payload).to_json())
    data["payload"].update(payload_changes)
    return data


def test_every_event_of_the_lifecycle_is_registered() -> None:
    registered = {event_type for event_type, _ in EVENT_TYPES}
    assert registered >= LIFECYCLE, sorted(LIFECYCLE - registered)


def test_every_registered_event_type_has_a_sample() -> None:
    missing = {cls.__name__ for cls in EVENT_TYPES.values()} - {cls.__name__ for cls in SAMPLES}
    assert not missing, f"add a sample to SAMPLES for {sorted(missing)}"


def test_every_event_type_has_one_owning_context_and_a_subject_kind() -> None:
    for cls in EVENT_TYPES.values():
        assert cls.context in ("submission", "review", "evaluation"), cls
        assert cls.subject_kind in SUBJECT_FIELDS, cls


@samples
def test_a_payload_names_its_subject_in_the_field_of_its_subject_kind(
    payload: EventPayload,
) -> None:
    assert SUBJECT_FIELDS[payload.subject_kind] in type(payload).model_fields
    assert subject_id(payload)


@samples
def test_a_payload_round_trips_through_the_envelope_json(payload: EventPayload) -> None:
    envelope = envelope_of(payload)

    parsed = Envelope.from_json(envelope.to_json())

    assert parsed == envelope
    assert type(parsed.payload) is type(payload)
    assert parsed.to_json() == envelope.to_json()


@samples
def test_an_envelope_is_published_on_the_subject_of_its_context_and_type(
    payload: EventPayload,
) -> None:
    subject = envelope_of(payload, province="350000").subject

    assert subject == f"bases.v1.{payload.log_context()}.350000.{payload.event_type}"


@samples
def test_a_payload_is_frozen(payload: EventPayload) -> None:
    field = next(iter(type(payload).model_fields))

    with pytest.raises(ValidationError, match="frozen"):
        setattr(payload, field, "changed")


@samples
def test_a_payload_refuses_a_field_it_does_not_define(payload: EventPayload) -> None:
    with pytest.raises(ValidationError, match="extra"):
        Envelope.model_validate(wire(payload, surprise="!"))


def test_an_envelope_refuses_a_field_it_does_not_define() -> None:
    data = wire(SAMPLES[StarRated])
    data["signature"] = "forged"

    with pytest.raises(ValidationError, match="extra"):
        Envelope.model_validate(data)


@pytest.mark.parametrize(
    "raw",
    [
        '{"event_type": "StarRated", "event_type": "TitleRevoked"}',
        '{"payload": {"stars": 1, "stars": 5}}',
    ],
    ids=["envelope", "payload"],
)
def test_json_with_a_duplicate_key_is_refused_before_validation(raw: str) -> None:
    with pytest.raises(DuplicateKeyError, match="duplicate key"):
        Envelope.from_json(raw)


def test_a_duplicate_key_is_refused_in_a_valid_message() -> None:
    """A repeated key would let a forger hide a second value behind the first."""
    text = json.dumps(wire(SAMPLES[StarRated]), ensure_ascii=False)
    forged = text.replace('"stars": 5', '"stars": 5, "stars": 1')
    assert forged != text

    with pytest.raises(DuplicateKeyError):
        Envelope.from_json(forged)


@pytest.mark.parametrize("stars", [1, 2, 3, 4, 5])
def test_stars_from_one_to_five_are_accepted(stars: int) -> None:
    """R-STARS: the result is one to five stars."""
    envelope = Envelope.from_json(json.dumps(wire(SAMPLES[StarRated], stars=stars)))

    assert isinstance(envelope.payload, StarRated)
    assert envelope.payload.stars == stars


@pytest.mark.parametrize("stars", [0, 6, -1, True, 1.0, 5.0, "3", None])
def test_stars_refuse_anything_but_an_integer_from_one_to_five(stars: object) -> None:
    """R-STARS: booleans, floats and strings are refused from JSON, not coerced."""
    with pytest.raises(ValidationError, match="stars"):
        Envelope.from_json(json.dumps(wire(SAMPLES[StarRated], stars=stars)))


@pytest.mark.parametrize("sequence", [0, True, 1.0, "7"])
def test_a_causing_event_reference_takes_an_exact_stream_sequence_from_one(
    sequence: object,
) -> None:
    causing = [{"event_id": str(uuid4()), "stream_sequence": sequence}]

    with pytest.raises(ValidationError, match="stream_sequence"):
        Envelope.from_json(json.dumps(wire(SAMPLES[TitleRevoked], causing_events=causing)))


@pytest.mark.parametrize(
    ("event", "field", "value"),
    [
        (StarRated, "evaluation_year", 2025.0),
        (ProvinceSuspended, "batch_number", True),
        (ProvinciallyRecommended, "serial_no", "1"),
        (ActionPlanFiled, "first_year", 2026.0),
    ],
)
def test_integer_fields_refuse_floats_booleans_and_strings_from_json(
    event: type[EventPayload], field: str, value: object
) -> None:
    with pytest.raises(ValidationError, match=field):
        Envelope.from_json(json.dumps(wire(SAMPLES[event], **{field: value})))


@pytest.mark.parametrize("value", [1, 0, "true", "yes", None])
def test_boolean_fields_refuse_numbers_and_strings_from_json(value: object) -> None:
    with pytest.raises(ValidationError, match="city_review"):
        Envelope.from_json(json.dumps(wire(SAMPLES[BatchForwarded], city_review=value)))


def test_a_payload_built_in_code_refuses_a_float_for_an_integer() -> None:
    with pytest.raises(ValidationError):
        StarRated(base_id="B", batch_id="R", evaluation_year=2025, stars=4.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("province", ["440100", "999999", "44000", "guangdong", ""])
def test_the_envelope_refuses_a_province_that_is_not_a_gbt_2260_provincial_authority(
    province: str,
) -> None:
    data = wire(SAMPLES[StarRated])
    data["province"] = province

    with pytest.raises(ValidationError, match="province"):
        Envelope.model_validate(data)


def test_the_envelope_accepts_a_city_with_independent_planning_status_and_the_ministry() -> None:
    assert envelope_of(SAMPLES[StarRated], province="440300").province == "440300"
    assert envelope_of(SAMPLES[BatchOpened], province="000000").province == "000000"


def test_an_unknown_event_type_is_refused_by_name() -> None:
    data = wire(SAMPLES[StarRated])
    data["event_type"] = "TitleStolen"

    with pytest.raises(ValidationError, match="TitleStolen"):
        Envelope.from_json(json.dumps(data))


def test_an_unknown_schema_version_is_refused_by_name() -> None:
    data = wire(SAMPLES[StarRated])
    data["schema_version"] = 99

    with pytest.raises(ValidationError, match="StarRated' v99"):
        Envelope.from_json(json.dumps(data))


def test_a_payload_of_another_type_than_the_envelope_names_is_refused() -> None:
    data = wire(SAMPLES[StarRated])
    data["event_type"] = "TitleRevoked"

    with pytest.raises(ValidationError):
        Envelope.from_json(json.dumps(data))


def test_an_application_rejection_gives_at_least_one_reason() -> None:
    with pytest.raises(ValidationError, match="reasons"):
        ApplicationRejected(application_id="APP-9", stage="city", reasons=())


def test_a_revocation_names_one_of_the_revocation_rules_and_its_causes() -> None:
    """R-REVOKE-INCIDENT, R-REVOKE-RECTIFY, R-REVOKE-2STARS, R-FRAUD are the only grounds."""
    with pytest.raises(ValidationError, match="rule_id"):
        Envelope.from_json(json.dumps(wire(SAMPLES[TitleRevoked], rule_id="R-STARS")))
    with pytest.raises(ValidationError, match="causing_events"):
        Envelope.from_json(json.dumps(wire(SAMPLES[TitleRevoked], causing_events=[])))


def test_an_eidb_award_carries_its_creation_period_and_an_niid_award_none() -> None:
    """R-CREATION-PERIOD: an EIDB awardee is a base under creation until a date."""
    niid = SAMPLES[TitleAwarded]
    eidb = {"programme": "EIDB", "category": "enterprise"}

    with pytest.raises(ValidationError, match="under_creation_until"):
        Envelope.from_json(json.dumps(wire(niid, **eidb)))
    with pytest.raises(ValidationError, match="under_creation_until"):
        Envelope.from_json(json.dumps(wire(niid, under_creation_until="2028-01-10")))
    accepted = Envelope.from_json(
        json.dumps(wire(niid, **eidb, under_creation_until="2024-01-10"))
    ).payload
    assert isinstance(accepted, TitleAwarded)
    assert accepted.under_creation_until == date(2024, 1, 10)


@pytest.mark.parametrize(
    ("kind", "grade"),
    [("environmental", "重大"), ("production_safety", "Ⅱ级"), ("other_serious", "一般")],
)
def test_an_incident_grade_must_fit_its_kind(kind: str, grade: str) -> None:
    with pytest.raises(ValidationError, match="does not fit"):
        Envelope.from_json(json.dumps(wire(SAMPLES[IncidentReported], kind=kind, grade=grade)))


def test_a_publicity_window_cannot_end_before_it_starts() -> None:
    """R-PUBLICITY: published_on <= first_day <= last_day."""
    with pytest.raises(ValidationError, match="first_day"):
        Envelope.from_json(json.dumps(wire(SAMPLES[PublicityOpened], last_day="2026-06-12")))


def test_scores_keep_their_decimals_exactly_on_the_wire() -> None:
    envelope = envelope_of(SAMPLES[ExpertReviewCompleted])

    parsed = Envelope.from_json(envelope.to_json()).payload

    assert isinstance(parsed, ExpertReviewCompleted)
    assert parsed.total == Decimal("88.25")
    assert '"total":"88.25"' in envelope.to_json().decode()


def test_occurred_at_must_carry_a_time_zone() -> None:
    data = wire(SAMPLES[StarRated])
    data["occurred_at"] = datetime(2026, 4, 10, 9, 30).isoformat()

    with pytest.raises(ValidationError, match="occurred_at"):
        Envelope.from_json(json.dumps(data))
