"""The submission context's arrival rules, without a bus or a database."""

from __future__ import annotations

from uuid import uuid4

import pytest

from services.submission.domain import (
    Application,
    Batch,
    applicant_key,
    application_id_for,
    check_applicant_kind,
    check_called_on_the_platform,
    check_enterprise_identity,
    check_one_domain,
    violations_on_arrival,
)
from services.submission.domain.arrival import check_one_domain_in_batch
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


def batch(programme: str = "EIDB") -> Batch:
    """A batch as the ministry opens it (the domain's view of OpenBatch)."""
    details = {
        "batch_id": f"{programme}-T", "programme": programme, "number": 1,
        "domains": ["人工智能", "软件", "新型储能制造"], "categories": ["park", "enterprise"],
        "deadlines": [{"level": "ministry", "due": "2026-04-10"}],
    }  # fmt: skip
    return Batch(batch_id=f"{programme}-T", details=details, **PROVENANCE)


PROVENANCE = {
    "actor": "ministry", "occurred_at": at("2026-02-20"), "correlation_id": uuid4(),
    "causation_id": uuid4(),
}  # fmt: skip
FIRM = applicant_key("enterprise", "350000", "福州某储能公司", VALID_USCC)


def test_an_applicant_is_known_by_its_credit_code_or_its_province_and_park_name() -> None:
    """R-ONE-DOMAIN, R-FRAUD: the same applicant in every application of a call."""
    assert applicant_key("enterprise", "350000", "甲公司", VALID_USCC.lower()) == FIRM
    assert applicant_key("enterprise", "440000", "乙公司", VALID_USCC) == FIRM
    park = applicant_key("park", "350000", "厦门 储能 产业园", None)
    assert park == applicant_key("park", "350000", "厦门储能产业园\u3000", None)
    assert park != applicant_key("park", "440000", "厦门储能产业园", None)


def test_r_one_domain_a_second_domain_in_the_same_batch_is_refused_naming_the_first() -> None:
    """R-ONE-DOMAIN (002/003 四(一) 每个申报对象原则上限申报 1 个创建领域): given an enterprise
    received in 人工智能, when it applies in 软件, then R-ONE-DOMAIN names the first application."""
    eidb = batch()
    eidb.enter_applicant(FIRM, "福州某储能公司", "人工智能", "EIDB-350000-aaaaaaaaaaaa")
    assert eidb.check_applicant(FIRM, "人工智能", "uscc", "福州某储能公司") == []
    [violation] = eidb.check_applicant(FIRM, "软件", "uscc", "福州某储能公司")
    assert (violation.rule_id, violation.field) == ("R-ONE-DOMAIN", "domain")
    assert violation.given == "软件 (earlier: EIDB-350000-aaaaaaaaaaaa in 人工智能)"
    assert "AllowSecondDomain" in violation.required


def test_r_one_domain_the_ministrys_recorded_exception_allows_one_more_domain() -> None:
    """R-ONE-DOMAIN: with SecondDomainAllowed for 软件, the second domain passes, a third does
    not; the exception is recorded once and only in an EIDB batch's own domains."""
    eidb = batch()
    eidb.enter_applicant(FIRM, "福州某储能公司", "人工智能", "EIDB-350000-aaaaaaaaaaaa")
    eidb.allow_second_domain(FIRM, "350000", "enterprise", "福州某储能公司", VALID_USCC, "软件",
                             "承担部重大专项，两个领域均具优势", None, **PROVENANCE)  # fmt: skip
    assert eidb.check_applicant(FIRM, "软件", "uscc", "福州某储能公司") == []
    eidb.enter_applicant(FIRM, "福州某储能公司", "软件", "EIDB-350000-bbbbbbbbbbbb")
    [third] = eidb.check_applicant(FIRM, "新型储能制造", "uscc", "福州某储能公司")
    assert third.rule_id == "R-ONE-DOMAIN" and "EIDB-350000-bbbbbbbbbbbb" in third.given
    allowed = [e for e in eidb.collect_events() if isinstance(e, Batch.SecondDomainAllowed)]
    assert [(e.domain, e.reasoning[:5]) for e in allowed] == [("软件", "承担部重大")]
    with pytest.raises(RuleViolationError) as twice:
        eidb.allow_second_domain(FIRM, "350000", "enterprise", "福州某储能公司", VALID_USCC,
                                 "软件", "再次", None, **PROVENANCE)  # fmt: skip
    assert [v.rule_id for v in twice.value.violations] == ["R-PROCEDURE"]
    with pytest.raises(RuleViolationError) as closed:
        eidb.allow_second_domain(FIRM, "350000", "enterprise", "福州某储能公司", VALID_USCC,
                                 "商业航天", "x", None, **PROVENANCE)  # fmt: skip
    assert [(v.rule_id, v.field) for v in closed.value.violations] == [("R-ONE-DOMAIN", "domain")]


def test_r_one_domain_an_exception_counts_whichever_domain_came_first() -> None:
    """R-ONE-DOMAIN: allowed 软件 first, then 人工智能 is its one domain beyond the exception."""
    earlier = [{"application_id": "A-1", "name": "某园", "domain": "软件"}]
    assert check_one_domain_in_batch("EIDB-T", "EIDB", "人工智能", earlier, ["软件"]) is None
    assert check_one_domain_in_batch("EIDB-T", "EIDB", "人工智能", earlier, []) is not None


def test_r_one_domain_across_a_batch_is_eidbs_rule_not_niids() -> None:
    """R-ONE-DOMAIN: NIID sets no limit of one domain (a zone may hold titles in several), so
    nothing to except from either."""
    niid = batch("NIID")
    zone = applicant_key("park", "430000", "长沙经济技术开发区", None)
    niid.enter_applicant(zone, "长沙经济技术开发区", "装备工业", "NIID-430000-aaaaaaaaaaaa")
    assert niid.check_applicant(zone, "信息产业", "name", "长沙经济技术开发区") == []
    with pytest.raises(RuleViolationError) as refused:
        niid.allow_second_domain(zone, "430000", "park", "长沙经济技术开发区", None, "信息产业",
                                 "x", None, **PROVENANCE)  # fmt: skip
    assert next(v.rule_id for v in refused.value.violations) == "R-ONE-DOMAIN"


def test_r_fraud_an_applicant_disqualified_in_a_call_may_not_apply_again_in_it() -> None:
    """R-FRAUD (002/003 三(一) 一经发现取消申报资格): given an enterprise disqualified by its city,
    when it applies again under a new application id, then R-FRAUD names the finding."""
    eidb = batch()
    eidb.enter_applicant(FIRM, "福州某储能公司", "新型储能制造", "EIDB-350000-aaaaaaaaaaaa")
    eidb.disqualify_applicant(FIRM, "EIDB-350000-aaaaaaaaaaaa", "city", "专利证书伪造",
                              "2026-03-25")  # fmt: skip
    [violation] = eidb.check_applicant(FIRM, "新型储能制造", "uscc", "福州某储能公司")
    assert (violation.rule_id, violation.field) == ("R-FRAUD", "uscc")
    assert (
        violation.given == "福州某储能公司: disqualified as EIDB-350000-aaaaaaaaaaaa on 2026-03-25"
    )
    assert "专利证书伪造" in violation.message and "by the city" in violation.message
    other = applicant_key("enterprise", "350000", "别家公司", "OTHER")
    assert eidb.check_applicant(other, "新型储能制造", "uscc", "别家公司") == []


@pytest.mark.parametrize(("programme", "number", "opens"), [
    ("NIID", 10, False), ("NIID", 1, False), ("NIID", 11, True), ("EIDB", 1, True),
])  # fmt: skip
def test_r_procedure_the_platform_calls_batches_after_those_called_before_it(
    programme: str, number: int, opens: bool
) -> None:
    """R-PROCEDURE (ADR 15): NIID's batches 1–10 are history taken over, never called again."""
    violation = check_called_on_the_platform(programme, number)
    assert (violation is None) is opens
    if violation is not None:
        assert (violation.rule_id, violation.field) == ("R-PROCEDURE", "number")
