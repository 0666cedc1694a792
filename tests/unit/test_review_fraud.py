"""R-FRAUD in EIDB selection, at the ministry's end (002/003 三(一) 一经发现取消申报资格): a
recommended application found fraudulent in review is not ranked; found during publicity it is
withheld at the close; after the award it is fraud on the base, not a disqualification."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from services.registry.adapters.db import SqliteDatabase
from services.registry.application import Registry
from services.registry.queries import find_entry
from services.registry.selection import funnel
from shared.contract.subjects import EVENTS_STREAM
from tests.unit.test_review_application import EXPERTS, SCORES, Review, refusal

pytestmark = pytest.mark.unit

BATCH = "EIDB-2026-1"
A, B = "EIDB-350000-A", "EIDB-350000-B"
FINDING = {"finding": "营业收入数据与统计部门不符", "evidence": [{"title": "厦门市统计局核查函"}]}


def eidb(name: str) -> dict[str, Any]:
    return {"programme": "EIDB", "domain": "新型储能制造", "name": name, "zone": None,
            "applicant": f"{name}管委会", "city": "厦门市", "form": {}}  # fmt: skip


@pytest.fixture
def review() -> Review:
    world = Review()
    world.given_candidate(A, province="350000", batch_id=BATCH, **eidb("厦门储能产业园"))
    world.given_candidate(B, province="350000", batch_id=BATCH, **eidb("厦门新能源产业园"))
    return world


def scored(review: Review, *application_ids: str) -> None:
    for application_id in application_ids:
        review.when("FormPanel", {"application_id": application_id, "experts": EXPERTS})
        for expert in ("E1", "E2", "E3"):
            review.when("ScoreApplication", {"application_id": application_id,
                                             "expert_id": expert, "sections": SCORES})  # fmt: skip


def test_r_fraud_a_candidate_disqualified_in_review_is_neither_ranked_nor_proposed(
    review: Review,
) -> None:
    scored(review, B)  # A was never scored: once disqualified, the list does not wait for it
    decision = review.when("DisqualifyCandidate", {"application_id": A, **FINDING})
    review.when("DecideProposedList", {"batch_id": BATCH, "propose": 2})
    assert decision.accepted and decision.recorded == "CandidateDisqualified"
    [disqualified] = review.of_type("CandidateDisqualified")
    assert (disqualified.application_id, disqualified.stage, disqualified.rule_id) == (
        A, "review", "R-FRAUD",
    )  # fmt: skip
    assert disqualified.finding == FINDING["finding"]
    assert [r.application_id for r in review.of_type("ExpertReviewCompleted")] == [B]
    again = refusal(review, "DisqualifyCandidate", {"application_id": A, **FINDING})
    assert "R-PROCEDURE" in again and "disqualified" in again


def test_r_fraud_a_candidate_disqualified_during_publicity_is_withheld_and_not_awarded(
    review: Review, tmp_path: Path
) -> None:
    scored(review, A, B)
    review.when("DecideProposedList", {"batch_id": BATCH, "propose": 2})
    review.when("OpenPublicity", {"batch_id": BATCH}, on="2026-09-28")
    during = review.when("DisqualifyCandidate", {"application_id": A, **FINDING}, on="2026-09-30")
    closed = review.when("ClosePublicity", {"publicity_id": f"PUB-{BATCH}"}, on="2026-10-12")
    assert during.accepted and closed.accepted
    [disqualified] = review.of_type("CandidateDisqualified")
    assert disqualified.stage == "publicity"
    [close] = review.of_type("PublicityClosed")
    assert (close.cleared, close.withheld) == ((B,), (A,))
    assert [award.application_id for award in review.of_type("TitleAwarded")] == [B]
    after = refusal(review, "DisqualifyCandidate", {"application_id": B, **FINDING},
                    on="2026-11-01")  # fmt: skip
    assert "R-FRAUD" in after and "ReportFraud" in after

    # The registry shows it: disqualified stays the application's status through the close.
    registry = Registry(SqliteDatabase(tmp_path / "registry.sqlite"))
    log = [e.to_json() for e in (*review.givens, *review.published())]
    registry.apply_batch(EVENTS_STREAM, list(enumerate(log, start=1)))
    assert find_entry(registry.db, A)["status"] == "disqualified"  # type: ignore[index]
    counts = funnel(registry.db, BATCH)
    assert (counts["disqualified"], counts["awarded"]) == (1, 1)


def test_r_fraud_disqualification_is_the_ministry_s_and_eidb_s(review: Review) -> None:
    by_province = refusal(review, "DisqualifyCandidate", {"application_id": A, **FINDING},
                          province="350000")  # fmt: skip
    review.given_candidate("NIID-430000-N")
    niid = refusal(review, "DisqualifyCandidate", {"application_id": "NIID-430000-N", **FINDING})
    assert "R-PROCEDURE" in by_province
    assert "R-FRAUD" in niid and "EIDB" in niid
