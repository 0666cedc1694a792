"""Eligibility: zone, safety record, EIDB conditions, groups, and the one entry point."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from services.submission.data.zones import SAMPLE_PATH, ZoneCatalogue
from services.submission.eligibility import (
    EidbConditions,
    check_eligibility,
    check_group_and_subsidiary,
    check_safety_record,
    smart_factory_assessed,
    three_years_before,
)
from services.submission.forms import (
    PLACEHOLDER_WEIGHTS,
    AnyForm,
    EidbEnterpriseForm,
    EidbParkForm,
    Incident,
    NiidParkForm,
    parse_form,
)
from shared.contract.commands import OpenBatch
from shared.contract.events_common import BasicConditions, Category, Programme

pytestmark = pytest.mark.unit
EXAMPLES = Path(__file__).parents[2] / "examples" / "forms"
BUSINESS_DATE = date(2026, 3, 20)
CATALOGUE = ZoneCatalogue.from_csv(SAMPLE_PATH)
FILES = {
    ("NIID", "park"): "niid-park-changsha.yaml",
    ("EIDB", "park"): "eidb-park-xiamen-storage.json",
    ("EIDB", "enterprise"): "eidb-enterprise-fuzhou.json",
}


def form(programme: Programme, category: Category, **changes: Any) -> AnyForm:
    text = (EXAMPLES / FILES[(programme, category)]).read_text(encoding="utf-8")
    data = yaml.safe_load(text) if programme == "NIID" else json.loads(text)
    parsed, issues = parse_form(programme, category, {**copy.deepcopy(data), **changes})
    assert parsed is not None, issues
    return parsed


def rules(programme: Programme, category: Category, **changes: Any) -> list[tuple[str, str]]:
    result = check_eligibility(
        programme, category, form(programme, category, **changes), CATALOGUE, BUSINESS_DATE
    )
    return [(v.rule_id, v.field) for v in result.violations]


def incident(kind: str, grade: str | None, on: str) -> Incident:
    return Incident.model_validate(
        {"kind": kind, "grade": grade, "occurred_on": on, "description": "示例事件"}
    )


# --- R-ELIGIBLE-ZONE ------------------------------------------------------------------------


def test_r_eligible_zone_a_niid_park_in_the_catalogue_is_eligible() -> None:
    """R-ELIGIBLE-ZONE: 长沙经济技术开发区 is in the (sample) catalogue."""
    assert rules("NIID", "park") == []


def test_r_eligible_zone_a_provincially_recognised_park_is_flagged_not_refused() -> None:
    """R-ELIGIBLE-ZONE: recognition by a provincial government is for reviewers to judge."""
    park = form("NIID", "park", zone_name="浏阳市某化工园区", provincially_recognised=True,
                recognition_document="湘政函〔2024〕1号")  # fmt: skip
    result = check_eligibility("NIID", "park", park, CATALOGUE, BUSINESS_DATE)
    assert result.violations == () and result.eligible
    [flag] = result.flags
    assert flag.rule_id == "R-ELIGIBLE-ZONE" and "湘政函〔2024〕1号" in flag.reason


def test_r_eligible_zone_a_niid_park_neither_listed_nor_recognised_is_refused() -> None:
    """R-ELIGIBLE-ZONE: a park outside the catalogue needs a province's recognition."""
    assert rules("NIID", "park", zone_name="某某工业集中区") == [("R-ELIGIBLE-ZONE", "zone_name")]


def test_r_eligible_zone_an_eidb_park_outside_the_catalogue_is_refused() -> None:
    """R-ELIGIBLE-ZONE: EIDB parks must be in the latest catalogue; no provincial alternative."""
    assert rules("EIDB", "park", zone_name="某某工业集中区") == [("R-ELIGIBLE-ZONE", "zone_name")]


def test_r_eligible_zone_a_park_in_park_needs_four_sides_and_a_managing_body() -> None:
    """R-ELIGIBLE-ZONE: 园中园 with explicit 四至范围, managed by the host park or government."""
    inner = {"east": "翔安南路", "south": None, "west": "翔安西路", "managed_by": "其他"}
    park = form("EIDB", "park", park_in_park=inner)
    result = check_eligibility("EIDB", "park", park, CATALOGUE, BUSINESS_DATE)
    assert [(v.field, v.given) for v in result.violations] == [
        ("park_in_park", "missing south, north"),
        ("park_in_park.managed_by", "其他"),
    ]


def test_r_eligible_zone_a_whole_park_needs_no_boundaries_in_the_form() -> None:
    """R-ELIGIBLE-ZONE: a whole catalogued park applies as it is listed."""
    assert rules("EIDB", "park", park_in_park=None) == []


# --- R-SAFETY-RECORD ------------------------------------------------------------------------


def test_r_safety_record_the_window_opens_three_years_before_the_business_date() -> None:
    """R-SAFETY-RECORD: an Ⅱ级 incident on the window's first day counts, the day before not."""
    assert three_years_before(BUSINESS_DATE) == date(2023, 3, 20)
    inside = incident("environmental", "Ⅱ级", "2023-03-20")
    before = incident("environmental", "Ⅱ级", "2023-03-19")
    [violation] = check_safety_record("NIID", [before, inside], BUSINESS_DATE)
    assert (violation.rule_id, violation.field) == ("R-SAFETY-RECORD", "incidents.1")
    assert violation.required == "none since 2023-03-20"


def test_r_safety_record_an_incident_after_the_business_date_is_outside_the_window() -> None:
    """R-SAFETY-RECORD: the window ends on the application's business date."""
    later = incident("production_safety", "重大", "2026-03-21")
    assert check_safety_record("NIID", [later], BUSINESS_DATE) == []


def test_r_safety_record_a_leap_day_window_starts_on_28_february() -> None:
    """R-SAFETY-RECORD: three years before 29 Feb 2028 is 28 Feb 2025."""
    assert three_years_before(date(2028, 2, 29)) == date(2025, 2, 28)


@pytest.mark.parametrize(
    ("kind", "grade", "niid", "eidb"),
    [
        ("environmental", "Ⅰ级", True, True),
        ("environmental", "Ⅱ级", True, True),
        ("environmental", "Ⅲ级", False, False),
        ("production_safety", "特别重大", True, True),
        ("production_safety", "重大", True, True),
        ("production_safety", "较大", False, True),
        ("production_safety", "一般", False, False),
        ("other_serious", None, False, True),
    ],
)
def test_r_safety_record_what_disqualifies_depends_on_the_programme(
    kind: str, grade: str | None, niid: bool, eidb: bool
) -> None:
    """R-SAFETY-RECORD: NIID ≥ Ⅱ级 or ≥ 重大; EIDB also 较大 and other serious adverse events."""
    record = [incident(kind, grade, "2025-06-01")]
    assert bool(check_safety_record("NIID", record, BUSINESS_DATE)) is niid
    assert bool(check_safety_record("EIDB", record, BUSINESS_DATE)) is eidb


def test_r_safety_record_is_part_of_every_eligibility_check() -> None:
    """R-SAFETY-RECORD: a 较大 accident refuses an EIDB enterprise through the entry point."""
    accident = {"kind": "production_safety", "grade": "较大", "occurred_on": "2024-11-02",
                "description": "车间火灾，3人死亡"}  # fmt: skip
    assert rules("EIDB", "enterprise", incidents=[accident]) == [("R-SAFETY-RECORD", "incidents.0")]


# --- EIDB 创建基本条件 and R-NO-SMART-FACTORY ----------------------------------------------------


def conditions(**park: int) -> EidbConditions:
    minimums = {name: Decimal(value) for name, value in park.items()}
    return EidbConditions(verified=True, source="test batch", park=minimums)


def smart_factory_check(domain: str) -> list[tuple[str, str, str]]:
    park = form("EIDB", "park", domain=domain, smart_factories={})
    result = check_eligibility("EIDB", "park", park, CATALOGUE, BUSINESS_DATE,
                               conditions=conditions(smart_factory_share_pct=20))  # fmt: skip
    return [(v.rule_id, v.field, v.given) for v in result.violations]


@pytest.mark.parametrize("domain", ["人工智能", "软件"])
def test_r_no_smart_factory_ai_and_software_parks_are_not_assessed_on_smart_factories(
    domain: str,
) -> None:
    """R-NO-SMART-FACTORY: with a 20 % minimum set, a park of 人工智能 or 软件 with none passes."""
    assert smart_factory_check(domain) == []
    assert not smart_factory_assessed("park", domain)


def test_r_no_smart_factory_other_parks_are_assessed_on_smart_factories() -> None:
    """R-NO-SMART-FACTORY: the same park in 新型储能制造 fails the 20 % minimum."""
    assert smart_factory_check("新型储能制造") == [("R-THRESHOLDS", "smart_factory_share_pct", "0")]
    assert smart_factory_assessed("enterprise", "人工智能")


def test_eidb_conditions_not_verified_are_flagged_for_the_reviewers_not_applied() -> None:
    """R-THRESHOLDS: the EIDB 考评指标 are not public; unverified minimums refuse nobody."""
    unverified = EidbConditions(verified=False, source="draft", park={"revenue_average": 10**6})
    park = form("EIDB", "park")
    result = check_eligibility("EIDB", "park", park, CATALOGUE, BUSINESS_DATE,
                               conditions=unverified)  # fmt: skip
    assert result.violations == ()
    assert [f.rule_id for f in result.flags] == ["R-THRESHOLDS"]


def test_eidb_conditions_apply_to_computed_three_year_figures() -> None:
    """R-THRESHOLDS: a batch minimum on the computed 高水平人才占比 and revenue average."""
    batch = EidbConditions(verified=True, source="test batch", weights=PLACEHOLDER_WEIGHTS,
                           enterprise={"high_level_talent_share_pct": Decimal(40),
                                       "revenue_average": Decimal(20)})  # fmt: skip
    firm = form("EIDB", "enterprise")
    result = check_eligibility("EIDB", "enterprise", firm, CATALOGUE, BUSINESS_DATE,
                               conditions=batch)  # fmt: skip
    assert [(v.field, v.required) for v in result.violations] == [
        ("high_level_talent_share_pct", "≥ 40")
    ]


def test_eidb_conditions_naming_an_unknown_figure_are_refused() -> None:
    with pytest.raises(ValidationError, match="no figure named"):
        EidbConditions(verified=True, source="x", park={"smart_factories_pct": Decimal(1)})


def batch_conditions(**changes: Any) -> dict[str, Any]:
    """A batch's 创建基本条件 as OpenBatch carries them and the batch records them (JSON)."""
    conditions = BasicConditions.model_validate_json(json.dumps(
        {"verified": True, "source": "考评指标（测试批次）",
         "park": {"smart_factory_share_pct": "20"}, **changes}
    ))  # fmt: skip
    return conditions.model_dump(mode="json")


@pytest.mark.parametrize(("domain", "refused"), [("人工智能", False), ("软件", False),
                                                 ("新型储能制造", True)])  # fmt: skip
def test_r_no_smart_factory_the_batchs_conditions_exempt_ai_and_software_parks(
    domain: str, refused: bool
) -> None:
    """R-NO-SMART-FACTORY, R-THRESHOLDS: the 20 % minimum the batch sets on 智能工厂占比 refuses
    the example park (14.06 %) in 新型储能制造, never in 人工智能 or 软件 (003 四(二))."""
    conditions = EidbConditions.of_batch(batch_conditions())
    park = form("EIDB", "park", domain=domain)
    result = check_eligibility("EIDB", "park", park, CATALOGUE, BUSINESS_DATE,
                               conditions=conditions)  # fmt: skip
    expected = [("R-THRESHOLDS", "smart_factory_share_pct", "≥ 20", "14.0625")] if refused else []
    assert [(v.rule_id, v.field, v.required, v.given) for v in result.violations] == expected
    assert result.flags == ()


def test_eidb_conditions_of_a_batch_weigh_counts_with_the_batchs_own_weights() -> None:
    """R-THRESHOLDS: a minimum on a weighted count uses the weights the batch sets."""
    weights = PLACEHOLDER_WEIGHTS.model_dump(mode="json", exclude={"verified", "source"})
    weights["patents"] = {"有效发明专利": "0.1", "中国专利奖银奖": "1", "中国专利奖金奖": "1"}
    conditions = EidbConditions.of_batch(batch_conditions(park={"patents": "30"}, weights=weights))
    assert conditions is not None and conditions.weights.verified
    result = check_eligibility("EIDB", "park", form("EIDB", "park"), CATALOGUE, BUSINESS_DATE,
                               conditions=conditions)  # fmt: skip
    assert [(v.field, v.required) for v in result.violations] == [("patents", "≥ 30")]


def test_eidb_conditions_with_a_weighted_minimum_but_no_weights_are_refused() -> None:
    """R-THRESHOLDS: verified minimums on a weighted count cannot use the placeholder weights."""
    with pytest.raises(ValidationError, match="weighted count patents"):
        EidbConditions.of_batch(batch_conditions(park={"patents": "30"}))
    assert EidbConditions.of_batch(None) is None


def test_eidb_conditions_belong_to_an_eidb_batch() -> None:
    """R-THRESHOLDS: an NIID batch has 001 附件's thresholds, no 创建基本条件."""
    body = {"batch_id": "NIID-11", "programme": "NIID", "number": 11, "title": "第十一批",
            "notice": {"title": "通知"}, "domains": ["装备工业"], "categories": ["park"],
            "deadlines": [{"level": "ministry", "due": "2026-06-30"}],
            "conditions": batch_conditions()}  # fmt: skip
    with pytest.raises(ValidationError, match="创建基本条件 are EIDB's"):
        OpenBatch.model_validate_json(json.dumps(body))
    eidb = OpenBatch.model_validate_json(json.dumps({**body, "programme": "EIDB"}))
    assert eidb.conditions is not None


# --- R-ELIGIBLE-ENTERPRISE ------------------------------------------------------------------


@dataclass(frozen=True)
class Applicant:
    name: str
    uscc: str
    parent_uscc: str | None = None


def test_r_eligible_enterprise_a_group_and_its_subsidiary_may_not_both_apply() -> None:
    """R-ELIGIBLE-ENTERPRISE: the violation names both, subsidiary first."""
    group = Applicant("福建某集团", "G1")
    daughter = Applicant("福州某子公司", "S1", parent_uscc="G1")
    [violation] = check_group_and_subsidiary([group, daughter])
    assert violation.rule_id == "R-ELIGIBLE-ENTERPRISE"
    assert violation.given == "福州某子公司 (S1) and its group 福建某集团 (G1)"


def test_r_eligible_enterprise_sister_companies_may_both_apply() -> None:
    """R-ELIGIBLE-ENTERPRISE: only a group and its own subsidiary conflict."""
    sisters = [Applicant("甲", "S1", "G1"), Applicant("乙", "S2", "G1")]
    assert check_group_and_subsidiary(sisters) == []


def test_r_eligible_enterprise_a_granddaughter_conflicts_with_the_group_too() -> None:
    """R-ELIGIBLE-ENTERPRISE: the chain of parents is followed through applicants."""
    chain = [Applicant("集团", "G"), Applicant("子", "S", "G"), Applicant("孙", "T", "S")]
    found = {v.given for v in check_group_and_subsidiary(chain)}
    assert found == {"子 (S) and its group 集团 (G)", "孙 (T) and its group 子 (S)",
                     "孙 (T) and its group 集团 (G)"}  # fmt: skip


def test_r_eligible_enterprise_a_cycle_of_parents_ends() -> None:
    """R-ELIGIBLE-ENTERPRISE: bad data (A owns B owns A) is reported, not looped on."""
    loop = [Applicant("A", "A", "B"), Applicant("B", "B", "A")]
    assert len(check_group_and_subsidiary(loop)) == 2


def test_r_eligible_enterprise_the_check_takes_enterprise_forms() -> None:
    """R-ELIGIBLE-ENTERPRISE: forms carry uscc and parent_uscc."""
    group = form("EIDB", "enterprise", name="福建某集团有限公司")
    daughter = form("EIDB", "enterprise", name="福州某子公司", uscc="91350100MA8U5XQ2NJ",
                    parent_uscc="91350100MA2XN0QJ14")  # fmt: skip
    assert isinstance(daughter, EidbEnterpriseForm) and isinstance(group, EidbEnterpriseForm)
    assert len(check_group_and_subsidiary([group, daughter])) == 1


# --- the entry point ------------------------------------------------------------------------


def test_r_one_domain_an_eidb_park_names_one_of_the_ten_eidb_domains() -> None:
    """R-ONE-DOMAIN: 装备工业 is an NIID field, not an EIDB domain."""
    assert rules("EIDB", "park", domain="装备工业") == [("R-ONE-DOMAIN", "domain")]


def test_every_failed_rule_is_reported_at_once_with_its_figures() -> None:
    """R-ELIGIBLE-ZONE, R-THRESHOLDS, R-SAFETY-RECORD: all failures in one answer."""
    accident = {"kind": "environmental", "grade": "Ⅰ级", "occurred_on": "2025-08-08",
                "description": "化工企业泄漏"}  # fmt: skip
    found = rules("NIID", "park", zone_name="某某工业集中区", rd_intensity_pct=1.2,
                  incidents=[accident])  # fmt: skip
    assert found == [
        ("R-ELIGIBLE-ZONE", "zone_name"),
        ("R-THRESHOLDS", "rd_intensity_pct"),
        ("R-SAFETY-RECORD", "incidents.0"),
    ]


def test_a_form_of_another_programme_is_a_programming_error() -> None:
    niid = form("NIID", "park")
    assert isinstance(niid, NiidParkForm)
    with pytest.raises(TypeError):
        check_eligibility("EIDB", "park", niid, CATALOGUE, BUSINESS_DATE)
    assert isinstance(form("EIDB", "park"), EidbParkForm)
