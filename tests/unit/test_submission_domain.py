"""The submission context's arrival rules, without a bus or a database."""

from __future__ import annotations

from uuid import uuid4

import pytest

from services.submission.domain import (
    Application,
    application_id_for,
    check_applicant_kind,
    check_enterprise_identity,
    check_one_domain,
    violations_on_arrival,
)
from shared.rules import RuleViolationError
from tests.support import at

pytestmark = pytest.mark.unit
VALID_USCC = "91350100MA2XN0QJ14"


def test_r_one_domain_accepts_a_domain_of_the_programme_and_refuses_another() -> None:
    """R-ONE-DOMAIN: an EIDB applicant names one of the ten EIDB domains, NIID one of its seven."""
    assert check_one_domain("EIDB", "新型储能制造") is None
    assert check_one_domain("NIID", "装备工业") is None
    violation = check_one_domain("NIID", "人工智能")
    assert violation is not None
    assert (violation.rule_id, violation.field, violation.given) == (
        "R-ONE-DOMAIN",
        "domain",
        "人工智能",
    )
    assert "装备工业" in violation.required


def test_r_eligible_zone_niid_takes_parks_only() -> None:
    """R-ELIGIBLE-ZONE: NIID applicants are parks; EIDB takes parks and enterprises."""
    assert check_applicant_kind("NIID", "park") is None
    assert check_applicant_kind("EIDB", "enterprise") is None
    violation = check_applicant_kind("NIID", "enterprise")
    assert violation is not None and violation.rule_id == "R-ELIGIBLE-ZONE"


@pytest.mark.parametrize(
    ("uscc", "reason"), [(None, "must give"), ("91350100MA2XN0QJ1W", "not valid")]
)
def test_r_eligible_enterprise_needs_a_credit_code_with_a_right_check_digit(
    uscc: str | None, reason: str
) -> None:
    """R-ELIGIBLE-ENTERPRISE: an enterprise is identified by a GB 32100-2015 code."""
    assert check_enterprise_identity("enterprise", VALID_USCC) is None
    assert check_enterprise_identity("park", None) is None
    violation = check_enterprise_identity("enterprise", uscc)
    assert violation is not None and violation.rule_id == "R-ELIGIBLE-ENTERPRISE"
    assert reason in violation.message


def test_every_failed_rule_is_reported_at_once() -> None:
    """An application is told everything wrong with it, not the first thing only."""
    rules = [v.rule_id for v in violations_on_arrival("NIID", "enterprise", "软件", None)]
    assert rules == ["R-ELIGIBLE-ZONE", "R-ONE-DOMAIN", "R-ELIGIBLE-ENTERPRISE"]


def test_a_received_application_keeps_its_violations_and_is_rejected() -> None:
    """Given an application failing a rule, when received, then it is kept with status rejected."""
    violations = [vars(v) for v in violations_on_arrival("NIID", "park", "人工智能", None)]
    application = Application(
        application_id="NIID-430000-000000000001", province="430000", details={"name": "x"},
        violations=violations, actor="province:430000", occurred_at=at("2026-03-20"),
        correlation_id=uuid4(), causation_id=uuid4(),
    )  # fmt: skip
    assert application.status == "rejected" and not application.accepted
    [event] = application.collect_events()
    assert isinstance(event, Application.Received)
    assert event.violations[0]["rule_id"] == "R-ONE-DOMAIN"


def test_the_same_attempt_always_gets_the_same_application_id() -> None:
    """Ids derive from the command id, so a redelivered attempt makes no second application."""
    command = uuid4()
    first = application_id_for("EIDB", "350000", command)
    assert first == application_id_for("EIDB", "350000", command)
    assert first.startswith("EIDB-350000-")
    assert Application.create_id(first) == Application.create_id(first)


def test_r_fraud_disqualification_in_selection_is_the_eidb_rule() -> None:
    """R-FRAUD: 002/003 三(一) disqualifies EIDB applicants; an NIID application is refused."""
    niid = Application(
        application_id="NIID-430000-000000000002", province="430000",
        details={"name": "x", "programme": "NIID"}, violations=[], actor="province:430000",
        occurred_at=at("2026-03-20"), correlation_id=uuid4(), causation_id=uuid4(),
    )  # fmt: skip
    with pytest.raises(RuleViolationError) as refused:
        niid.disqualify("province", "数据虚报", ["核查函"], actor="province:430000",
                        occurred_at=at("2026-04-01"), correlation_id=uuid4(),
                        causation_id=uuid4())  # fmt: skip
    [violation] = refused.value.violations
    assert (violation.rule_id, violation.given) == ("R-FRAUD", "NIID")
    assert niid.status == "submitted"
