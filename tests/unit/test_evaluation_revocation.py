"""Losing a title, given events / when command / then events or error: R-REVOKE-INCIDENT,
R-REVOKE-RECTIFY, R-REVOKE-2STARS, R-FRAUD. Every TitleRevoked names its rule and cites its
causes by event id and stream sequence; a title is revoked once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services.evaluation.application import translate
from services.evaluation.domain.revocation import next_batch
from services.evaluation.scheduler import RectificationWatch
from shared.bus.handler import ServiceHandler
from shared.bus.runtime import ServiceRuntime
from shared.contract.envelope import Envelope
from shared.contract.events_evaluation import TitleRevoked
from shared.rules import RuleViolationError
from tests.unit.test_evaluation_support import HUNAN, JIANGSU, Evaluation, marks

pytestmark = pytest.mark.unit

BASE = "长沙经开区"


@pytest.fixture
def world() -> Evaluation:
    world = Evaluation()
    world.award(BASE, HUNAN, "2020-01-10")
    world.award("南京江宁", JIANGSU, "2020-01-10")
    return world


def incident(
    grade: str | None,
    kind: str = "environmental",
    on: str = "2026-05-01",
    incident_id: str = "INC-1",
) -> dict[str, Any]:
    return {
        "base_id": BASE,
        "incident_id": incident_id,
        "kind": kind,
        "grade": grade,
        "happened_on": on,
        "description": "化工园区突发水污染事件",
    }


def revocations(world: Evaluation) -> list[tuple[int, Envelope]]:
    return world.logged("TitleRevoked")


def cites(revoked: TitleRevoked, *logged: tuple[int, Envelope]) -> bool:
    """The revocation cites exactly these events, by id and sequence."""
    wanted = [(envelope.event_id, sequence) for sequence, envelope in logged]
    return [(r.event_id, r.stream_sequence) for r in revoked.causing_events] == wanted


def test_r_revoke_incident_a_grade_ii_environmental_incident_revokes_at_once(
    world: Evaluation,
) -> None:
    """R-REVOKE-INCIDENT: Ⅱ级 or worse revokes; TitleRevoked cites the IncidentReported."""
    decision = world.when("ReportIncident", incident("Ⅱ级"), HUNAN, on="2026-05-03")

    [reported] = world.logged("IncidentReported")
    [(_, revoked)] = revocations(world)
    assert decision.accepted and decision.recorded == "IncidentReported"
    assert isinstance(revoked.payload, TitleRevoked)
    assert revoked.payload.rule_id == "R-REVOKE-INCIDENT" and cites(revoked.payload, reported)
    assert revoked.causation_id == reported[1].event_id
    assert revoked.occurred_at == reported[1].occurred_at


@pytest.mark.parametrize(
    ("kind", "grade", "revokes"),
    [
        ("environmental", "Ⅰ级", True),
        ("environmental", "Ⅱ级", True),
        ("environmental", "Ⅲ级", False),
        ("environmental", "Ⅳ级", False),
        ("production_safety", "特别重大", True),
        ("production_safety", "重大", True),
        ("production_safety", "较大", False),
        ("production_safety", "一般", False),
        ("other_serious", None, False),
    ],
)
def test_r_revoke_incident_only_grave_incidents_revoke(
    world: Evaluation, kind: str, grade: str | None, revokes: bool
) -> None:
    """R-REVOKE-INCIDENT: Ⅱ级 or worse; 重大 or 特别重大 accidents (001 第二十三条(一))."""
    world.when("ReportIncident", incident(grade, kind), HUNAN, on="2026-05-03")

    assert bool(revocations(world)) is revokes
    assert len(world.of_type("IncidentReported")) == 1


def test_r_revoke_incident_an_incident_before_the_award_does_not_revoke(world: Evaluation) -> None:
    world.when("ReportIncident", incident("Ⅱ级", on="2019-08-01"), on="2026-05-03")

    assert not revocations(world)


def test_r_revoke_incident_an_incident_cannot_be_reported_before_it_happens(
    world: Evaluation,
) -> None:
    with pytest.raises(RuleViolationError) as refused:
        world.when("ReportIncident", incident("Ⅱ级", on="2026-06-01"), on="2026-05-03")
    assert refused.value.violations[0].field == "happened_on"


def test_r_revoke_incident_a_second_revocation_is_refused_naming_the_first(
    world: Evaluation,
) -> None:
    """R-REVOKE-INCIDENT, R-FRAUD: a title is revoked once; the refusal names the first."""
    world.when("ReportIncident", incident("Ⅱ级"), HUNAN, on="2026-05-03")
    [(sequence, reported)] = world.logged("IncidentReported")

    with pytest.raises(RuleViolationError) as again:
        world.when("ReportIncident", incident("Ⅰ级", incident_id="INC-2"), on="2026-05-04")
    with pytest.raises(RuleViolationError) as fraud:
        world.when(
            "ReportFraud",
            {"base_id": BASE, "description": "虚报营收", "evidence": [{"title": "核查报告"}]},
            on="2026-05-04",
        )
    [first], [second] = again.value.violations, fraud.value.violations
    assert first.rule_id == "R-REVOKE-INCIDENT" and second.rule_id == "R-FRAUD"
    for violation in (first, second):
        assert "revoked under R-REVOKE-INCIDENT on 2026-05-03" in violation.given
        assert f"{reported.event_id} at sequence {sequence}" in violation.given
    assert len(revocations(world)) == 1


def test_r_revoke_incident_a_revocation_decided_but_not_yet_logged_also_refuses_a_second(
    world: Evaluation,
) -> None:
    """R-REVOKE-INCIDENT: the second report arrives before the first is on the log."""
    world.when("ReportIncident", incident("Ⅱ级"), HUNAN, on="2026-05-03", relay=False)

    with pytest.raises(RuleViolationError) as refused:
        world.when(
            "ReportIncident",
            incident("重大", "production_safety", incident_id="INC-2"),
            on="2026-05-04",
            relay=False,
        )
    assert "already to be revoked under R-REVOKE-INCIDENT" in refused.value.violations[0].given


def finding(rectify_by: str = "2026-06-30", finding_id: str = "FND-1") -> dict[str, Any]:
    return {
        "base_id": BASE,
        "finding_id": finding_id,
        "inspection": "中央生态环境保护督察",
        "area": "生态环保",
        "description": "污水处理设施未正常运行",
        "rectify_by": rectify_by,
    }


def check(world: Evaluation, effective_on: str) -> Any:
    return world.when(
        "CheckRectificationDeadlines", {"effective_on": effective_on}, on="2026-08-01"
    )


def test_r_revoke_rectify_a_finding_not_rectified_by_its_deadline_revokes(
    world: Evaluation,
) -> None:
    """R-REVOKE-RECTIFY: checked as of an effective date; the deadline day itself is in time."""
    world.when("RecordInspectionFinding", finding(), on="2026-03-01")

    on_the_day = check(world, "2026-06-30")
    after = check(world, "2026-07-01")

    [recorded] = world.logged("InspectionFindingRecorded")
    [(_, revoked)] = revocations(world)
    assert on_the_day.accepted and on_the_day.recorded is None
    assert after.recorded == "TitleRevoked" and after.subject_id == BASE
    assert isinstance(revoked.payload, TitleRevoked)
    assert revoked.payload.rule_id == "R-REVOKE-RECTIFY" and cites(revoked.payload, recorded)
    assert revoked.occurred_at.isoformat() == "2026-07-01T00:00:00+08:00"  # as of 07-01


def test_r_revoke_rectify_a_finding_rectified_in_time_does_not_revoke(world: Evaluation) -> None:
    world.when("RecordInspectionFinding", finding(), on="2026-03-01")
    confirmed = world.when(
        "ConfirmRectification",
        {
            "base_id": BASE,
            "finding_id": "FND-1",
            "rectified_on": "2026-06-20",
            "evidence": [{"title": "整改验收意见"}],
        },
        HUNAN,
        on="2026-06-25",
    )

    check(world, "2026-07-01")

    assert confirmed.recorded == "RectificationConfirmed" and not revocations(world)


def test_r_revoke_rectify_a_rectification_after_the_deadline_does_not_save_the_title(
    world: Evaluation,
) -> None:
    world.when("RecordInspectionFinding", finding(), on="2026-03-01")
    world.when(
        "ConfirmRectification",
        {
            "base_id": BASE,
            "finding_id": "FND-1",
            "rectified_on": "2026-07-05",
            "evidence": [{"title": "整改验收意见"}],
        },
        HUNAN,
        on="2026-07-06",
    )

    check(world, "2026-07-10")

    assert [e.payload.rule_id for _, e in revocations(world)] == ["R-REVOKE-RECTIFY"]


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at


async def test_r_revoke_rectify_the_scheduler_revokes_on_its_clocks_date(
    world: Evaluation,
) -> None:
    """R-REVOKE-RECTIFY: the scheduler reads an injected clock, never the rules."""
    world.when("RecordInspectionFinding", finding(), on="2026-03-01")
    runtime = ServiceRuntime(
        "evaluation", "nats://unused", ServiceHandler(world.app), (), world.app, translate
    )
    clock = FixedClock(datetime(2026, 6, 30, 15, 59, tzinfo=UTC))  # 23:59 in Beijing
    watch = RectificationWatch(world.app, runtime, clock, interval_seconds=60)
    try:
        still_in_time = await watch.revoke_overdue()
        clock.at = datetime(2026, 6, 30, 16, 0, tzinfo=UTC)  # 07-01 00:00 in Beijing
        revoked = await watch.revoke_overdue()
    finally:
        runtime.seam.close()
    world.relay()

    assert still_in_time == [] and revoked == [BASE]
    [(_, envelope)] = revocations(world)
    assert envelope.actor == "system:evaluation-scheduler"


def rate_year(world: Evaluation, year: int, levels: dict[str, int]) -> None:
    world.open_round(year)
    for base_id, level in levels.items():
        world.file(year, base_id, level, HUNAN if base_id == BASE else JIANGSU)
    world.rate(year, [marks(base_id, 10 * level) for base_id, level in levels.items()])


def test_r_revoke_2stars_two_consecutive_years_at_two_stars_or_fewer_revoke(
    world: Evaluation,
) -> None:
    """R-REVOKE-2STARS: revoked when the second low result is published, citing both."""
    rate_year(world, 2024, {BASE: 0, "南京江宁": 9})
    rate_year(world, 2025, {BASE: 0, "南京江宁": 9})

    low = [(s, e) for s, e in world.logged("StarRated") if e.subject_id == BASE]
    [(sequence, revoked)] = revocations(world)
    assert [e.payload.stars for _, e in low] == [1, 1]
    assert isinstance(revoked.payload, TitleRevoked)
    assert revoked.payload.rule_id == "R-REVOKE-2STARS" and cites(revoked.payload, *low)
    assert sequence > low[1][0] and revoked.causation_id == low[1][1].event_id


def test_r_revoke_2stars_a_low_year_between_good_ones_does_not_revoke(world: Evaluation) -> None:
    rate_year(world, 2024, {BASE: 0, "南京江宁": 9})
    rate_year(world, 2025, {BASE: 9, "南京江宁": 0})
    rate_year(world, 2026, {BASE: 0, "南京江宁": 9})

    assert not revocations(world)


def test_r_eval_yearly_a_revoked_base_is_not_in_the_next_rounds_participants(
    world: Evaluation,
) -> None:
    """R-EVAL-YEARLY: a revoked base is never evaluated again, and the round says why."""
    rate_year(world, 2024, {BASE: 0, "南京江宁": 9})
    rate_year(world, 2025, {BASE: 0, "南京江宁": 9})
    world.open_round(2026)

    opened = world.of_type("EvaluationRoundOpened")[-1]
    assert [p.base_id for p in opened.participants] == ["南京江宁"]
    [excluded] = opened.exclusions
    assert excluded.reason == "revoked" and "R-REVOKE-2STARS" in excluded.detail


def test_r_fraud_revokes_at_once_and_suspends_the_provinces_next_batch(world: Evaluation) -> None:
    """R-FRAUD: TitleRevoked and ProvinceSuspended for batch highest seen + 1, citing the fraud."""
    world.batch_opened(10)
    world.batch_opened(11)
    decision = world.when(
        "ReportFraud",
        {"base_id": BASE, "description": "虚报年度营业收入", "evidence": [{"title": "核查报告"}]},
        on="2026-05-04",
    )

    [fraud] = world.logged("FraudDetected")
    [(_, revoked)] = revocations(world)
    [(_, suspended)] = world.logged("ProvinceSuspended")
    assert decision.recorded == "FraudDetected"
    assert isinstance(revoked.payload, TitleRevoked)
    assert revoked.payload.rule_id == "R-FRAUD" and cites(revoked.payload, fraud)
    payload: Any = suspended.payload
    assert (payload.province, payload.programme, payload.batch_number) == (HUNAN, "NIID", 12)
    assert [r.event_id for r in payload.causing_events] == [fraud[1].event_id]
    assert suspended.subject == f"bases.v1.submission.{HUNAN}.ProvinceSuspended"


def test_r_suspended_province_fraud_before_any_platform_batch_suspends_batch_11(
    world: Evaluation,
) -> None:
    """R-SUSPENDED-PROVINCE (001 第二十五条 下一批): with no NIID batch called on the platform yet,
    the next batch is 11, the first after the ten taken over as history, never batch 1."""
    world.when(
        "ReportFraud",
        {"base_id": BASE, "description": "虚报年度营业收入", "evidence": [{"title": "核查报告"}]},
        on="2026-01-20",
    )
    [(_, suspended)] = world.logged("ProvinceSuspended")
    payload: Any = suspended.payload
    assert (payload.province, payload.programme, payload.batch_number) == (HUNAN, "NIID", 11)


@pytest.mark.parametrize(
    ("programme", "highest", "expected"),
    [("NIID", 0, 11), ("NIID", 10, 11), ("NIID", 11, 12), ("EIDB", 0, 1), ("EIDB", 1, 2)],
)
def test_r_suspended_province_the_next_batch_is_the_next_one_the_programme_calls(
    programme: str, highest: int, expected: int
) -> None:
    """R-SUSPENDED-PROVINCE: after the highest called on the platform, and after history."""
    assert next_batch(programme, highest) == expected


def test_r_fraud_only_the_ministry_finds_fraud(world: Evaluation) -> None:
    with pytest.raises(RuleViolationError) as refused:
        world.when(
            "ReportFraud",
            {"base_id": BASE, "description": "x", "evidence": [{"title": "y"}]},
            JIANGSU,
        )
    assert refused.value.violations[0].rule_id == "R-FRAUD"


def test_r_fraud_a_revoked_base_is_not_rated(world: Evaluation) -> None:
    """R-EVAL-YEARLY, R-FRAUD: revoked after the round opened, it is not rated."""
    world.open_round(2025)
    world.when(
        "ReportFraud",
        {"base_id": BASE, "description": "虚报", "evidence": [{"title": "报告"}]},
        on="2026-02-01",
    )
    world.file(2025, "南京江宁", 5, JIANGSU)
    world.rate(2025, [marks("南京江宁", 70)])

    assert set(world.stars(2025)) == {"南京江宁"}
    [published] = world.of_type("EvaluationResultsPublished")
    assert [(n.base_id, n.reason) for n in published.not_rated] == [(BASE, "revoked")]
