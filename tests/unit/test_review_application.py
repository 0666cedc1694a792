"""The review service's application, given events / when command / then events or error.

No bus and no database: an in-memory store, the application's own command table, and the
integration events its outbox would publish.
"""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from services.review.adapters.sheets import load_scoring_sheets
from services.review.application import ReviewApplication, translate
from services.review.entrypoints.commands import commands
from services.review.policies import reactions
from shared.calendar import WorkingDayCalendar
from shared.contract.commands import IntakeDecision, IntakeMessage
from shared.contract.envelope import Envelope, EventPayload, new_envelope
from shared.contract.events import (
    ApplicationSubmitted,
    DocumentRef,
    ExpertReviewCompleted,
    ProvinciallyRecommended,
    subject_id,
)
from shared.contract.provinces import MINISTRY
from shared.rules import RuleViolationError
from tests.support import at

pytestmark = pytest.mark.unit

SCORES = {
    "发展基础": 25,
    "总体思路": 12,
    "重点任务": 25,
    "进度安排": 8,
    "保障措施": 12,
    "领域特色": 8,
}
EXPERTS = [
    {"expert_id": "E1", "name": "王一", "province": "110000", "organisation": "中国工程院"},
    {"expert_id": "E2", "name": "李二", "province": "310000", "organisation": "同济大学"},
    {"expert_id": "E3", "name": "张三", "province": "440000", "organisation": "中山大学"},
]


class Review:
    """A review service in memory, fed events and commands one position at a time."""

    def __init__(self) -> None:
        self.app = ReviewApplication(
            env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
            calendar=WorkingDayCalendar(),
            sheets=load_scoring_sheets(),
        )
        self.commands = commands(self.app)
        self.reactions = reactions(self.app)
        self.positions = itertools.count(1)
        self.givens: list[Envelope] = []

    def given(self, payload: EventPayload, province: str = "430000") -> None:
        envelope = new_envelope(
            payload, event_id=uuid4(), occurred_at=at("2026-04-01"),
            recorded_at=at("2026-04-01"), actor=f"province:{province}", province=province,
            subject_id=subject_id(payload), correlation_id=uuid4(),
        )  # fmt: skip
        self.givens.append(envelope)
        self.reactions[envelope.event_type](envelope, "EVENTS", next(self.positions))

    def given_candidate(
        self, application_id: str, province: str = "430000", batch_id: str = "NIID-11",
        priority: tuple[str, ...] = (), **details: Any,
    ) -> None:  # fmt: skip
        submitted = {
            "application_id": application_id, "batch_id": batch_id, "programme": "NIID",
            "category": "park", "name": "长沙经济技术开发区", "applicant": "长沙经开区管委会",
            "city": "长沙市", "zone": "长沙经济技术开发区", "domain": "装备工业",
            "form": {"示范内容": "装备制造"}, **details,
        }  # fmt: skip
        self.given(ApplicationSubmitted.model_validate(submitted), province)
        recommended = {
            "application_id": application_id, "batch_id": batch_id,
            "programme": submitted["programme"], "serial_no": 1,
            "applicant": submitted["applicant"], "name": submitted["name"],
            "category": submitted["category"], "domain": submitted["domain"],
            "dispatched_on": date(2026, 4, 9), "recommendation": DocumentRef(title="推荐文件"),
            "priority": priority,
        }  # fmt: skip
        self.given(ProvinciallyRecommended.model_validate(recommended), province)

    def when(
        self, command_type: str, body: dict[str, Any], on: str = "2026-06-01",
        province: str = MINISTRY, issued_at: str | None = None,
    ) -> IntakeDecision:  # fmt: skip
        message = IntakeMessage.model_validate({
            "command_id": str(uuid4()), "command_type": command_type,
            "issued_at": issued_at or at(on).isoformat(), "actor": "ministry:planning",
            "province": province, "correlation_id": str(uuid4()), "body": body,
        })  # fmt: skip
        message = message.postmarked(message.issued_at)  # received when sent (P-POSTMARK)
        return self.commands[command_type](message, "INTAKE", next(self.positions))

    def published(self) -> list[Envelope]:
        recorder = self.app.process_recorder
        events = (self.app.mapper.to_domain_event(n) for n in recorder.select_notifications(1, 999))
        return [envelope for envelope in map(translate, events) if envelope is not None]

    def of_type(self, event_type: str) -> list[Any]:
        return [e.payload for e in self.published() if e.event_type == event_type]

    def reviewed(self, *application_ids: str, scores: dict[str, dict[str, int]] | None = None,
                 propose: int = 1) -> IntakeDecision:  # fmt: skip
        """Panels of E1–E3, everyone scored (``scores`` by application, else SCORES), decided."""
        for application_id in application_ids:
            self.when("FormPanel", {"application_id": application_id, "experts": EXPERTS})
            for expert in ("E1", "E2", "E3"):
                sections = (scores or {}).get(application_id, SCORES)
                body = {"application_id": application_id, "expert_id": expert}
                self.when("ScoreApplication", {**body, "sections": sections})
        return self.when("DecideProposedList", {"batch_id": "NIID-11", "propose": propose})


def refusal(review: Review, command_type: str, body: dict[str, Any], **when: Any) -> str:
    with pytest.raises(RuleViolationError) as error:
        review.when(command_type, body, **when)
    return str(error.value)


@pytest.fixture
def review() -> Review:
    return Review()


def test_r_procedure_a_panel_is_formed_only_for_a_recommended_application(review: Review) -> None:
    """R-PROCEDURE: no step skipped: submitted is not enough, the province must recommend."""
    review.given(ApplicationSubmitted(
        application_id="A", programme="NIID", category="park", name="某园区", applicant="某管委会",
        domain="装备工业",
    ))  # fmt: skip

    reason = refusal(review, "FormPanel", {"application_id": "A", "experts": EXPERTS})

    assert "[R-PROCEDURE]" in reason and "it is filed" in reason


def test_r_procedure_a_panel_has_at_least_three_experts(review: Review) -> None:
    review.given_candidate("A")

    reason = refusal(review, "FormPanel", {"application_id": "A", "experts": EXPERTS[:2]})

    assert "at least 3 experts, 2 named" in reason


def test_r_procedure_an_expert_from_the_applicants_province_withdraws_for_conflict_of_interest(
    review: Review,
) -> None:
    """R-PROCEDURE 回避: the expert is named with the province shared with the applicant."""
    review.given_candidate("A", province="430000")
    conflicted = {
        "expert_id": "E4",
        "name": "赵四",
        "province": "430000",
        "organisation": "中南大学",
    }

    with pytest.raises(RuleViolationError) as error:
        review.when("FormPanel", {"application_id": "A", "experts": [*EXPERTS, conflicted]})

    [violation] = error.value.violations
    assert violation.rule_id == "R-PROCEDURE" and violation.field == "experts[3].province"
    assert "回避 (conflict of interest)" in violation.message
    assert "赵四 (E4)" in violation.message and "湖南省 (430000)" in violation.message
    assert review.published() == []


def test_r_procedure_an_expert_from_the_applicants_organisation_withdraws(review: Review) -> None:
    review.given_candidate("A", applicant="长沙经开区管委会")
    insider = {"expert_id": "E5", "name": "钱五", "province": "110000",
               "organisation": "长沙经开区 管委会"}  # fmt: skip

    reason = refusal(review, "FormPanel", {"application_id": "A", "experts": [*EXPERTS, insider]})

    assert "回避 (conflict of interest): expert 钱五 (E5) works for 长沙经开区 管委会" in reason


def test_r_procedure_a_panel_is_formed_once(review: Review) -> None:
    review.given_candidate("A")
    review.when("FormPanel", {"application_id": "A", "experts": EXPERTS})

    reason = refusal(review, "FormPanel", {"application_id": "A", "experts": EXPERTS})

    assert "cannot form a panel for application A: it is panel" in reason


def test_r_procedure_only_the_ministry_forms_panels(review: Review) -> None:
    review.given_candidate("A")

    reason = refusal(
        review, "FormPanel", {"application_id": "A", "experts": EXPERTS}, province="430000"
    )

    assert "only the ministry may form an expert panel" in reason


def test_r_procedure_an_expert_not_on_the_panel_cannot_score(review: Review) -> None:
    review.given_candidate("A")
    review.when("FormPanel", {"application_id": "A", "experts": EXPERTS})

    reason = refusal(
        review, "ScoreApplication", {"application_id": "A", "expert_id": "E9", "sections": SCORES}
    )

    assert "E9 is not on the panel of application A" in reason


def test_r_procedure_a_score_above_a_sections_maximum_is_refused_with_the_figures(
    review: Review,
) -> None:
    review.given_candidate("A")
    review.when("FormPanel", {"application_id": "A", "experts": EXPERTS})
    sections = {**SCORES, "发展基础": 31}

    with pytest.raises(RuleViolationError) as error:
        review.when(
            "ScoreApplication", {"application_id": "A", "expert_id": "E1", "sections": sections}
        )

    [violation] = error.value.violations
    assert (violation.field, violation.required, violation.given) == (
        "sections.发展基础", "at most 30", "31",
    )  # fmt: skip
    assert "above the section's maximum of 30" in violation.message


def test_r_procedure_a_score_names_every_section_of_the_sheet_and_no_other(
    review: Review,
) -> None:
    review.given_candidate("A")
    review.when("FormPanel", {"application_id": "A", "experts": EXPERTS})
    sections = {k: v for k, v in SCORES.items() if k != "进度安排"} | {"创新": 5}

    with pytest.raises(RuleViolationError) as error:
        review.when(
            "ScoreApplication", {"application_id": "A", "expert_id": "E1", "sections": sections}
        )

    assert {v.field for v in error.value.violations} == {"sections.进度安排", "sections.创新"}


def test_r_procedure_an_expert_scores_once(review: Review) -> None:
    review.given_candidate("A")
    review.when("FormPanel", {"application_id": "A", "experts": EXPERTS})
    body = {"application_id": "A", "expert_id": "E1", "sections": SCORES}
    review.when("ScoreApplication", body)

    assert "E1 has scored application A already" in refusal(review, "ScoreApplication", body)


def test_r_procedure_the_list_waits_for_every_panel_to_finish_scoring(review: Review) -> None:
    review.given_candidate("A")
    review.given_candidate("B", province="320000")
    review.when("FormPanel", {"application_id": "A", "experts": EXPERTS})
    review.when("ScoreApplication", {"application_id": "A", "expert_id": "E1", "sections": SCORES})

    reason = refusal(review, "DecideProposedList", {"batch_id": "NIID-11", "propose": 1})

    assert "application A still waits for scores from E2, E3" in reason
    assert "application B still waits for a panel" in reason


def test_r_priority_the_decided_list_ranks_on_normalised_scores_with_priority_breaking_ties(
    review: Review,
) -> None:
    """R-PRIORITY: A and B score the same; B carries 国家安全应急产业示范基地, so B ranks first and
    is proposed. Each ExpertReviewCompleted shows raw mean, normalised score and rank."""
    review.given_candidate("A")
    review.given_candidate("B", province="320000", priority=("国家安全应急产业示范基地",))

    decision = review.reviewed("A", "B", propose=1)

    assert decision.accepted and decision.recorded == "ExpertReviewCompleted"
    completed = {p.application_id: p for p in review.of_type("ExpertReviewCompleted")}
    assert {a: (p.rank, p.outcome) for a, p in completed.items()} == {
        "A": (2, "not_proposed"), "B": (1, "proposed"),
    }  # fmt: skip
    b = completed["B"]
    assert isinstance(b, ExpertReviewCompleted)
    assert (b.total, b.raw_mean, b.normalised) == (Decimal("90.00"), Decimal(90), Decimal(0))
    assert b.panel == ("E1", "E2", "E3") and b.priority == ("国家安全应急产业示范基地",)
    assert {s.section: s.score for s in b.sections}["发展基础"] == Decimal(25)


def test_r_procedure_the_site_visit_date_travels_with_the_review(review: Review) -> None:
    review.given_candidate("A")
    review.when("FormPanel", {"application_id": "A", "experts": EXPERTS})
    body = {"application_id": "A", "visited_on": "2026-05-20", "experts": ["E1"]}
    review.when("RecordSiteVisit", body, on="2026-05-21")
    future = {**body, "visited_on": "2026-06-30"}

    assert "a site visit is recorded after it took place" in refusal(
        review, "RecordSiteVisit", future, on="2026-05-21"
    )
    for expert in ("E1", "E2", "E3"):
        review.when("ScoreApplication", {"application_id": "A", "expert_id": expert,
                                         "sections": SCORES})  # fmt: skip
    review.when("DecideProposedList", {"batch_id": "NIID-11", "propose": 1})
    [completed] = review.of_type("ExpertReviewCompleted")
    assert completed.site_visited_on == date(2026, 5, 20)


def test_r_procedure_a_list_is_decided_once(review: Review) -> None:
    review.given_candidate("A")
    review.reviewed("A")

    reason = refusal(review, "DecideProposedList", {"batch_id": "NIID-11", "propose": 1})

    assert "cannot decide the list of batch NIID-11: it is decided" in reason


def test_a_redelivered_recommendation_changes_nothing(review: Review) -> None:
    review.given_candidate("A")
    version = review.app.candidate("A").version

    review.given_candidate("A")

    assert review.app.candidate("A").version == version
    assert review.app.batch("NIID-11").members == ["A"]
