"""Every reaction a service takes logs a line bound to the causing event's correlation_id, saying
what was done and to which base or province (issue 11, item 8): R-FRAUD's revocation and the
province's suspension in evaluation, the suspension as submission records it (R-SUSPENDED-PROVINCE),
and a base enrolled on its award. The logs and ``demobase registry trace`` tell the same story: the
correlation_id of each line is the one the trace is asked for."""

from __future__ import annotations

from typing import Any

import pytest
from structlog.testing import capture_logs

from services.submission.application import SubmissionApplication
from services.submission.policies import reactions as submission_reactions
from tests.unit.test_evaluation_support import HUNAN, Evaluation

pytestmark = pytest.mark.unit

BASE = "长沙经开区"
FRAUD = {"base_id": BASE, "description": "虚报年度营业收入", "evidence": [{"title": "核查报告"}]}


def lines(captured: list[dict[str, Any]], event: str) -> list[dict[str, Any]]:
    return [line for line in captured if line["event"] == event]


def test_r_fraud_revocation_and_suspension_are_logged_with_the_findings_correlation() -> None:
    """R-FRAUD: evaluation logs "title revoked" (base, province, rule) and "province suspended"
    (province, programme), each with the FraudDetected's correlation_id and event id."""
    world = Evaluation()
    world.award(BASE, HUNAN, "2020-01-10")
    world.batch_opened(11)
    with capture_logs() as captured:
        world.when("ReportFraud", FRAUD, on="2026-05-04")
    [(sequence, fraud)] = world.logged("FraudDetected")

    [revoked] = lines(captured, "title revoked")
    [suspended] = lines(captured, "province suspended from the next batch")
    assert revoked["correlation_id"] == str(fraud.correlation_id)
    assert revoked["cause"] == str(fraud.event_id) and revoked["cause_sequence"] == sequence
    assert (revoked["base_id"], revoked["province"], revoked["rule_id"]) == (
        BASE, HUNAN, "R-FRAUD",
    )  # fmt: skip
    assert suspended["correlation_id"] == str(fraud.correlation_id)
    assert (suspended["province"], suspended["programme"]) == (HUNAN, "NIID")


def test_r_suspended_province_submission_logs_the_suspension_it_records() -> None:
    """R-SUSPENDED-PROVINCE: submission, reacting to ProvinceSuspended, logs which province may
    not recommend in which batch, with the suspension's correlation_id."""
    world = Evaluation()
    world.award(BASE, HUNAN, "2020-01-10")
    world.batch_opened(11)
    world.when("ReportFraud", FRAUD, on="2026-05-04")
    [(sequence, suspension)] = world.logged("ProvinceSuspended")
    submission = SubmissionApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})

    with capture_logs() as captured:
        submission_reactions(submission)["ProvinceSuspended"](suspension, "EVENTS", sequence)

    [line] = lines(captured, "province suspended: it may not recommend in the batch")
    assert line["correlation_id"] == str(suspension.correlation_id)
    assert (line["province"], line["programme"], line["batch_number"]) == (HUNAN, "NIID", 12)
    assert line["cause"] == str(suspension.event_id)


def test_an_award_enrols_the_base_and_says_so_with_the_awards_correlation() -> None:
    """A TitleAwarded enrols the base in the yearly evaluation: logged with the award's
    correlation_id, the base and its province."""
    world = Evaluation()
    with capture_logs() as captured:
        world.award(BASE, HUNAN, "2020-01-10")
    [(_, award)] = world.logged("TitleAwarded")

    [line] = lines(captured, "base enrolled in the yearly evaluation")
    assert line["correlation_id"] == str(award.correlation_id)
    assert (line["base_id"], line["province"]) == (BASE, HUNAN)
