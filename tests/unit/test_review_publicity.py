"""Publicity, awards and EIDB acceptance, given events / when command / then events or error."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from services.review.scheduler import PublicityCloser
from shared.bus.handler import ServiceHandler
from shared.bus.runtime import ServiceRuntime
from shared.contract.events import PublicityOpened, TitleAwarded
from shared.rules import RuleViolationError
from tests.unit.test_review_application import Review, refusal

pytestmark = pytest.mark.unit

PUB = "PUB-NIID-11"
CLOSES_AT = "2026-10-10T00:00:00+08:00"
CHANGSHA = "国家新型工业化产业示范基地（装备制造·长沙经济技术开发区）"


def publicised(review: Review, on: str = "2026-09-28") -> None:
    """A (湖南, 长沙经开区), B (江苏), C (湖北) all proposed; the list published on ``on``."""
    review.given_candidate("A")
    suzhou = {"name": "苏州工业园区", "zone": "苏州工业园区", "applicant": "苏州工业园区管委会"}
    review.given_candidate("B", province="320000", form={"示范内容": "电子信息"}, **suzhou)
    wuhan = {"name": "武汉东湖新技术开发区", "zone": None, "applicant": "东湖管委会"}
    review.given_candidate("C", province="420000", form={}, domain="信息产业", **wuhan)
    review.reviewed("A", "B", "C", propose=3)
    review.when("OpenPublicity", {"batch_id": "NIID-11"}, on=on)


def objection(review: Review, application_id: str, on: str = "2026-09-30") -> str:
    body = {"publicity_id": PUB, "application_id": application_id, "source": "public",
            "grounds": "产值数据与统计部门不符"}  # fmt: skip
    return str(review.when("FileObjection", body, on=on, province="430000").subject_id)


def resolve(review: Review, objection_id: str, outcome: str, on: str = "2026-10-09") -> None:
    review.when("ResolveObjection", {"publicity_id": PUB, "objection_id": objection_id,
                                     "outcome": outcome, "reasoning": "经核查"}, on=on)  # fmt: skip


@pytest.fixture
def review() -> Review:
    return Review()


def test_r_publicity_the_list_is_published_for_five_working_days_around_national_day(
    review: Review,
) -> None:
    """R-PUBLICITY: published Monday 2026-09-28: 28, 29, 30 Sept, then 国庆 until 7 Oct, then 8
    and 9 Oct; it closes at the end of 9 Oct, Beijing time. R-TITLE-NAME in the proposed titles."""
    publicised(review)

    [opened] = review.of_type("PublicityOpened")
    assert isinstance(opened, PublicityOpened)
    assert (opened.published_on, opened.first_day, opened.last_day) == (
        date(2026, 9, 28), date(2026, 9, 28), date(2026, 10, 9),
    )  # fmt: skip
    titles = {entry.application_id: entry.proposed_title for entry in opened.entries}
    assert titles == {
        "A": CHANGSHA,
        "B": "国家新型工业化产业示范基地（电子信息·苏州工业园区）",
        "C": "国家新型工业化产业示范基地（信息产业·武汉东湖新技术开发区）",
    }
    assert opened.consulted == ("财政部", "生态环境部", "商务部")


def test_r_publicity_a_window_reaching_a_year_without_calendar_is_refused_naming_the_year(
    review: Review,
) -> None:
    """R-PUBLICITY: five working days from 2026-12-28 reach 2027, whose schedule is not loaded."""
    review.given_candidate("A")
    review.reviewed("A")

    with pytest.raises(RuleViolationError) as error:
        review.when("OpenPublicity", {"batch_id": "NIID-11"}, on="2026-12-28")

    assert "R-PUBLICITY" in str(error.value) and "reach 2027" in str(error.value)
    assert review.of_type("PublicityOpened") == []
    review.when("OpenPublicity", {"batch_id": "NIID-11"}, on="2026-12-24")
    [opened] = review.of_type("PublicityOpened")
    assert opened.last_day == date(2026, 12, 30)


def test_r_procedure_a_list_is_publicised_after_it_is_decided_and_once(review: Review) -> None:
    review.given_candidate("A")
    assert "cannot publicise the list of batch NIID-11: it is in_review" in refusal(
        review, "OpenPublicity", {"batch_id": "NIID-11"}
    )
    review.reviewed("A")
    review.when("OpenPublicity", {"batch_id": "NIID-11"}, on="2026-09-28")

    assert "it is publicised" in refusal(review, "OpenPublicity", {"batch_id": "NIID-11"})


def test_r_publicity_an_objection_after_the_window_is_refused_with_the_closing_time(
    review: Review,
) -> None:
    publicised(review)
    body = {"publicity_id": PUB, "application_id": "A", "source": "public", "grounds": "迟到"}

    reason = refusal(review, "FileObjection", body, issued_at="2026-10-10T00:00:00+08:00")

    assert "[R-PUBLICITY]" in reason and f"closed at {CLOSES_AT}" in reason
    on_time = review.when("FileObjection", body, issued_at="2026-10-09T23:59:59+08:00")
    assert on_time.accepted and str(on_time.subject_id).startswith("OBJ-")


def test_r_publicity_an_objection_names_an_applicant_on_the_list(review: Review) -> None:
    publicised(review)
    body = {"publicity_id": PUB, "application_id": "Z", "source": "public", "grounds": "?"}

    assert "Z is not on the publicised list of PUB-NIID-11" in refusal(
        review, "FileObjection", body
    )


def test_r_publicity_a_consulted_ministry_objects_through_the_ministry_only(
    review: Review,
) -> None:
    publicised(review)
    body = {"publicity_id": PUB, "application_id": "A", "source": "生态环境部", "grounds": "环评"}

    assert "only the ministry may object for 生态环境部" in refusal(
        review, "FileObjection", body, on="2026-09-29", province="430000"
    )


def test_r_publicity_a_consultation_that_objects_files_an_objection_per_applicant(
    review: Review,
) -> None:
    publicised(review)

    review.when("RecordConsultation", {"publicity_id": PUB, "ministry": "商务部",
                                       "opinion": "no_objection"}, on="2026-09-29")  # fmt: skip
    review.when("RecordConsultation", {
        "publicity_id": PUB, "ministry": "生态环境部", "opinion": "objection",
        "remarks": "近三年发生较大环境事件", "objected": ["B"],
    }, on="2026-09-30")  # fmt: skip

    answers = [(c.ministry, c.opinion) for c in review.of_type("ConsultationAnswered")]
    assert answers == [("商务部", "no_objection"), ("生态环境部", "objection")]
    [filed] = review.of_type("ObjectionFiled")
    assert (filed.application_id, filed.source) == ("B", "生态环境部")


def test_r_publicity_the_close_waits_for_the_end_of_the_window(review: Review) -> None:
    publicised(review)

    reason = refusal(review, "ClosePublicity", {"publicity_id": PUB}, on="2026-10-09")

    assert "[R-PUBLICITY]" in reason and f"runs until {CLOSES_AT}" in reason
    assert "2026-09-28 to 2026-10-09" in reason


def test_r_publicity_the_close_waits_for_every_objection_and_names_the_unresolved_one(
    review: Review,
) -> None:
    publicised(review)
    upheld, pending = objection(review, "B"), objection(review, "C")
    resolve(review, upheld, "upheld")

    reason = refusal(review, "ClosePublicity", {"publicity_id": PUB}, on="2026-10-12")

    assert f"objection {pending} (C) not yet resolved" in reason
    assert review.of_type("PublicityClosed") == []


def test_r_publicity_an_upheld_objection_withholds_the_title_and_the_cleared_are_awarded(
    review: Review,
) -> None:
    """R-PUBLICITY, R-TITLE-NAME: B is withheld; A and C get their canonical titles, announced on
    the effective date of the close, in the same transaction."""
    publicised(review)
    resolve(review, objection(review, "B"), "upheld")
    resolve(review, objection(review, "C"), "dismissed")

    decision = review.when("ClosePublicity", {"publicity_id": PUB}, on="2026-10-12")

    assert decision.recorded == "PublicityClosed"
    [closed] = review.of_type("PublicityClosed")
    assert (closed.cleared, closed.withheld) == (("A", "C"), ("B",))
    awarded = {p.application_id: p for p in review.of_type("TitleAwarded")}
    assert set(awarded) == {"A", "C"}
    a = awarded["A"]
    assert isinstance(a, TitleAwarded)
    assert (a.base_id, a.title, a.announced_on) == ("BASE-A", CHANGSHA, date(2026, 10, 12))
    assert (a.domain, a.location, a.under_creation_until) == (
        "装备制造",
        "长沙经济技术开发区",
        None,
    )
    assert awarded["C"].title == "国家新型工业化产业示范基地（信息产业·武汉东湖新技术开发区）"
    assert "名单公告" in a.announcement.title


def test_r_publicity_a_closed_publicity_takes_no_more_objections_or_closes(review: Review) -> None:
    publicised(review)
    review.when("ClosePublicity", {"publicity_id": PUB}, on="2026-10-12")

    assert "it is closed" in refusal(review, "ClosePublicity", {"publicity_id": PUB})


async def test_r_publicity_the_scheduler_closes_a_due_publicity_with_no_objection_pending(
    review: Review,
) -> None:
    """Due: the window ended before the clock's now; an unresolved objection keeps it open."""
    publicised(review)
    pending = objection(review, "C")
    after = datetime(2026, 10, 10, 0, 0, 1, tzinfo=UTC)
    assert review.app.due_publicities(datetime(2026, 10, 9, 15, 0, tzinfo=UTC)) == []
    assert review.app.due_publicities(after) == []

    resolve(review, pending, "dismissed")
    runtime = runtime_of(review)
    closer = PublicityCloser(review.app, runtime, FixedClock(after), 0.01)
    try:
        closed = await closer.close_due()
    finally:
        runtime.seam.close()

    assert closed == [PUB]
    [event] = [e for e in review.published() if e.event_type == "PublicityClosed"]
    assert event.actor == "system:review-scheduler" and event.occurred_at == after
    assert len(review.of_type("TitleAwarded")) == 3
    assert review.app.due_publicities(after) == []


def test_r_creation_period_an_eidb_awardee_is_under_creation_for_two_years(review: Review) -> None:
    """R-CREATION-PERIOD, R-TITLE-NAME (EIDB): 创建对象 until announced_on + 2 years."""
    eidb_publicity(review)

    [award] = review.of_type("TitleAwarded")
    assert award.under_creation_until == date(2028, 10, 12)
    assert award.title == "国家新兴产业发展示范基地创建对象（智能机器人·广州某某机器人有限公司）"
    assert (award.category, award.location) == ("enterprise", "广州市")


def test_r_creation_period_acceptance_before_the_end_is_refused_with_the_figures(
    review: Review,
) -> None:
    eidb_publicity(review)
    body = {"base_id": "BASE-R", "accepted": True, "score": "88", "report": {"title": "验收报告"}}

    with pytest.raises(RuleViolationError) as error:
        review.when("AcceptCreation", body, on="2028-10-11")

    [violation] = error.value.violations
    assert violation.rule_id == "R-CREATION-PERIOD"
    assert (violation.required, violation.given) == ("on or after 2028-10-12", "2028-10-11")
    assert "under creation from 2026-10-12 until 2028-10-12" in violation.message
    review.when("AcceptCreation", body, on="2028-10-12")
    [accepted] = review.of_type("CreationAccepted")
    assert accepted.title == "国家新兴产业发展示范基地（智能机器人·广州某某机器人有限公司）"
    assert accepted.score == Decimal(88)
    assert "it is titled" in refusal(review, "AcceptCreation", body, on="2028-12-01")


def test_r_creation_period_a_failed_acceptance_gives_its_reason(review: Review) -> None:
    eidb_publicity(review)
    body = {"base_id": "BASE-R", "accepted": False, "report": {"title": "验收报告"},
            "reason": "创建目标未完成"}  # fmt: skip

    decision = review.when("AcceptCreation", body, on="2028-11-01")

    assert decision.recorded == "CreationAcceptanceFailed"
    [failed] = review.of_type("CreationAcceptanceFailed")
    assert failed.reason == "创建目标未完成"


def test_r_creation_period_an_niid_base_has_no_creation_period(review: Review) -> None:
    publicised(review)
    review.when("ClosePublicity", {"publicity_id": PUB}, on="2026-10-12")
    body = {"base_id": "BASE-A", "accepted": True, "report": {"title": "验收报告"}}

    assert "[R-CREATION-PERIOD]" in refusal(review, "AcceptCreation", body, on="2029-01-01")


def eidb_publicity(review: Review) -> None:
    """An EIDB enterprise, R, proposed, publicised on 2026-09-28 and awarded on 2026-10-12."""
    review.given_candidate(
        "R", province="440000", batch_id="EIDB-2026-1", programme="EIDB", category="enterprise",
        name="广州某某机器人有限公司", applicant="广州某某机器人有限公司", city="广州市", zone=None,
        domain="智能机器人", form={}, uscc="91440101MA59XXXX0X",
    )  # fmt: skip
    experts = [{"expert_id": f"E{n}", "name": f"专家{n}", "province": "110000",
                "organisation": f"单位{n}"} for n in (1, 2, 3)]  # fmt: skip
    review.when("FormPanel", {"application_id": "R", "experts": experts})
    for n in (1, 2, 3):
        review.when("ScoreApplication", {"application_id": "R", "expert_id": f"E{n}",
                                         "sections": SHEET_FULL})  # fmt: skip
    review.when("DecideProposedList", {"batch_id": "EIDB-2026-1", "cut_off": 60})
    review.when("OpenPublicity", {"batch_id": "EIDB-2026-1"}, on="2026-09-28")
    review.when("ClosePublicity", {"publicity_id": "PUB-EIDB-2026-1"}, on="2026-10-12")


SHEET_FULL = {
    "发展基础": 30,
    "总体思路": 15,
    "重点任务": 30,
    "进度安排": 10,
    "保障措施": 15,
    "领域特色": 10,
}


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


def runtime_of(review: Review) -> ServiceRuntime:
    """A runtime that is never started: the closer needs only its seam."""
    return ServiceRuntime("review", "nats://unused", ServiceHandler(review.app), (), app=None)


async def test_r_publicity_the_scheduler_waits_its_grace_before_closing_a_due_publicity(
    review: Review,
) -> None:
    """Seen due once, a publicity is closed only after the grace: a past year replayed in
    seconds keeps its objections and consultations, whatever the wall clock says."""
    publicised(review)
    runtime = runtime_of(review)
    after = datetime(2026, 10, 10, 0, 0, 1, tzinfo=UTC)
    closer = PublicityCloser(review.app, runtime, FixedClock(after), 0.01, grace_seconds=3600)
    try:
        first = await closer.close_due()
        closer.seen_due = {p: t - 3600 for p, t in closer.seen_due.items()}  # an hour later
        second = await closer.close_due()
    finally:
        runtime.seam.close()
    assert first == [] and second == [PUB]
