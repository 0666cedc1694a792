"""The application forms: read from a dict, figures computed, typed figures cross-checked."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml
from pydantic import ValidationError

from services.submission.forms import (
    PLACEHOLDER_WEIGHTS,
    EidbEnterpriseForm,
    EidbParkForm,
    FormDuplicate,
    FormMismatch,
    FormWeights,
    Incident,
    NiidParkForm,
    YearSeries,
    as_problems,
    blocking,
    parse_form,
    read_form_text,
)
from shared.contract.commands import Problem
from shared.contract.events_common import Category, Programme

pytestmark = pytest.mark.unit
EXAMPLES = Path(__file__).parents[2] / "examples" / "forms"
VERIFIED = PLACEHOLDER_WEIGHTS.model_copy(update={"verified": True, "source": "test weights"})


def example(name: str) -> dict[str, Any]:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    data = json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
    assert isinstance(data, dict)
    return copy.deepcopy(data)


def park(**changes: Any) -> dict[str, Any]:
    return {**example("eidb-park-xiamen-storage.json"), **changes}


def enterprise(**changes: Any) -> dict[str, Any]:
    return {**example("eidb-enterprise-fuzhou.json"), **changes}


def fields(issues: list[Any]) -> list[str]:
    return [issue.field for issue in issues]


@pytest.mark.parametrize(
    ("name", "programme", "category", "kind"),
    [
        ("niid-park-changsha.yaml", "NIID", "park", NiidParkForm),
        ("eidb-park-xiamen-storage.json", "EIDB", "park", EidbParkForm),
        ("eidb-enterprise-fuzhou.json", "EIDB", "enterprise", EidbEnterpriseForm),
    ],
)
def test_the_example_forms_read_without_a_single_issue(
    name: str, programme: Programme, category: Category, kind: type
) -> None:
    """The examples in examples/forms are valid, their typed figures agree with the computed."""
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    form, issues = read_form_text(
        text, "json" if name.endswith(".json") else "yaml", programme, category, weights=VERIFIED
    )
    assert isinstance(form, kind)
    assert issues == []


def test_a_series_computes_its_three_year_average_and_only_checks_the_typed_one() -> None:
    series = YearSeries.model_validate({"2023": 286, "2024": 342, "2025": 415, "average": 300})
    assert series.mean.quantize(Decimal("0.01")) == Decimal("347.67")
    assert series.average == Decimal(300)
    assert series.years == (2023, 2024, 2025) and series.latest == Decimal(415)


def test_a_series_is_read_from_a_list_or_from_years_in_any_order() -> None:
    from_list = YearSeries.model_validate([1, 2, 3])
    from_years = YearSeries.model_validate({"2025年": 3, 2023: 1, "2024": 2})
    assert from_list == from_years


@pytest.mark.parametrize("data", [{"2023": 1, "2025": 3, "2026": 4}, {"2023": 1}, [1, 2]])
def test_a_series_that_is_not_three_consecutive_years_is_refused(data: Any) -> None:
    with pytest.raises(ValidationError):
        YearSeries.model_validate(data)


def test_series_of_one_form_must_cover_the_same_years() -> None:
    data = park(financing={"2022": 1, "2023": 2, "2024": 3})
    form, issues = parse_form("EIDB", "park", data)
    assert form is None
    assert "same three years" in issues[0].reason


def test_every_mismatch_between_typed_and_computed_figures_is_reported_by_field_at_once() -> None:
    """The applicant typed five figures wrongly: five mismatches, each naming its field."""
    data = park()
    data["revenue"]["average"] = 350
    data["leading_share_pct"]["2025"] = 80
    data["labour_productivity"]["2024"] = 250
    data["revenue_growth_pct"]["2025"] = 25
    data["talent"]["share_pct"] = 20
    form, issues = parse_form("EIDB", "park", data)
    assert form is not None
    mismatches = {i.field: i for i in issues if isinstance(i, FormMismatch)}
    assert set(mismatches) == {
        "revenue.average",
        "leading_share_pct.2025",
        "labour_productivity.2024",
        "revenue_growth_pct.2025",
        "talent.share_pct",
    }
    assert mismatches["revenue.average"].typed == Decimal(350)
    assert mismatches["revenue.average"].computed.quantize(Decimal("0.01")) == Decimal("347.67")
    assert mismatches["leading_share_pct.2025"].computed.quantize(Decimal("0.01")) == Decimal(
        "74.70"
    )


def test_a_typed_figure_within_rounding_of_the_computed_one_is_not_a_mismatch() -> None:
    data = park()
    data["revenue"]["average"] = 347.7
    assert parse_form("EIDB", "park", data)[1] == []


def test_an_enterprise_typed_domain_share_is_checked_year_by_year() -> None:
    data = enterprise()
    data["domain_share_pct"]["2023"] = 90
    _, issues = parse_form("EIDB", "enterprise", data)
    assert fields(issues) == ["domain_share_pct.2023"]


def test_a_person_with_two_qualifications_is_counted_once_among_high_level_people() -> None:
    data = enterprise()
    data["talent"] = {
        "items": [
            {"id": "P1", "kind": "研究生学历"},
            {"id": "P1", "kind": "高级职称"},
            {"id": "P2", "kind": "高技能人才"},
        ],
        "employees": 8,
        "high_level": 3,
        "share_pct": 25,
        "counts": {"研究生学历": 1, "高级职称": 1, "高技能人才": 1},
    }
    form, issues = parse_form("EIDB", "enterprise", data)
    assert isinstance(form, EidbEnterpriseForm)
    assert form.talent.share() == Decimal(25)
    assert [(i.field, i.typed, i.computed) for i in issues if isinstance(i, FormMismatch)] == [
        ("talent.high_level", Decimal(3), Decimal(2))
    ]


def test_a_firm_listed_twice_under_one_kind_is_counted_once_and_reported() -> None:
    data = park()
    firm = data["quality_firms"]["items"][0]
    data["quality_firms"]["items"].append(dict(firm))
    form, issues = parse_form("EIDB", "park", data, weights=VERIFIED)
    assert form is not None
    assert issues == [FormDuplicate("quality_firms.items", firm["id"], firm["kind"], 2)]
    assert blocking(issues) == []


def test_a_firm_in_several_kinds_weighs_once_at_its_heaviest_weight() -> None:
    data = park(
        quality_firms={
            "items": [
                {"id": "A", "kind": "高新技术企业"},
                {"id": "A", "kind": "制造业单项冠军企业"},
                {"id": "B", "kind": "高新技术企业"},
            ],
            "counts": {"高新技术企业": 2, "制造业单项冠军企业": 1},
            "weighted": 5,
        }
    )
    form, issues = parse_form("EIDB", "park", data, weights=VERIFIED)
    assert isinstance(form, EidbParkForm)
    # placeholder tiers: 单项冠军 4, 高新 1 → A weighs 4 (once), B weighs 1
    assert form.metrics(VERIFIED)["quality_firms"] == Decimal(5)
    assert issues == []


def test_platforms_on_one_host_or_one_platform_of_several_hosts_count_once() -> None:
    """依托同一单位建设的不同平台或多家单位参与建设的同一平台不重复计算."""
    data = park(
        platforms={
            "items": [
                {"id": "L1", "kind": "全国重点实验室", "hosts": ["U1"]},
                {"id": "L2", "kind": "国家技术创新中心", "hosts": ["U1"]},
                {"id": "L3", "kind": "国家实验室", "hosts": ["U2", "U3"]},
                {"id": "L4", "kind": "国家实验室", "hosts": ["U3"]},
            ]
        }
    )
    form, _ = parse_form("EIDB", "park", data, weights=VERIFIED)
    assert isinstance(form, EidbParkForm)
    tally = form.platforms.tally("platforms", VERIFIED.platforms)
    assert tally.by_kind == {"全国重点实验室": 1, "国家技术创新中心": 1, "国家实验室": 2}
    assert tally.weighted == Decimal(2)


def test_a_gold_awarded_patent_weighs_as_gold_and_counts_once() -> None:
    data = enterprise(
        patents={
            "items": [{"id": "ZL1", "award": "中国专利奖金奖"}, {"id": "ZL2"}],
            "counts": {"有效发明专利": 2, "中国专利奖金奖": 1},
            "weighted": 4,
        }
    )
    form, issues = parse_form("EIDB", "enterprise", data, weights=VERIFIED)
    assert isinstance(form, EidbEnterpriseForm) and issues == []
    assert form.metrics(VERIFIED)["patents"] == Decimal(4)


def test_typed_weighted_counts_are_cross_checked_only_with_verified_weights() -> None:
    data = park()
    data["quality_firms"]["weighted"] = 999
    assert parse_form("EIDB", "park", data, weights=PLACEHOLDER_WEIGHTS)[1] == []
    _, issues = parse_form("EIDB", "park", data, weights=VERIFIED)
    assert fields(issues) == ["quality_firms.weighted"]


def test_the_placeholder_weights_say_they_are_unverified() -> None:
    assert PLACEHOLDER_WEIGHTS.verified is False
    assert "PLACEHOLDER" in PLACEHOLDER_WEIGHTS.source


def test_weights_that_leave_a_kind_unweighted_are_refused() -> None:
    data = PLACEHOLDER_WEIGHTS.model_dump()
    del data["smart_factories"]["基础级"]
    with pytest.raises(ValidationError, match="基础级"):
        FormWeights.model_validate(data)


def test_r_materials_a_narrative_of_2000_characters_passes_and_2001_is_refused() -> None:
    """R-MATERIALS: a section of 2,001 characters is refused, naming the section and length."""
    data = park()
    data["plan"]["basis"] = "字" * 2000
    assert parse_form("EIDB", "park", data)[1] == []
    data["plan"]["basis"] = "字" * 2001
    _, issues = parse_form("EIDB", "park", data)
    [problem] = issues
    assert isinstance(problem, Problem)
    assert (problem.rule_id, problem.field, problem.given) == (
        "R-MATERIALS",
        "plan.basis",
        "2001 characters",
    )
    assert "发展基础" in problem.reason and "2001" in problem.reason


def test_r_materials_every_narrative_too_long_is_reported_with_the_rest() -> None:
    """R-MATERIALS: two long sections and a mismatch, all in one answer."""
    data = enterprise()
    data["narratives"]["governance"] = "治" * 2500
    data["plan"]["tasks"] = "任" * 2100
    data["revenue"]["average"] = 1
    _, issues = parse_form("EIDB", "enterprise", data)
    assert fields(issues) == ["narratives.governance", "plan.tasks", "revenue.average"]


EXAMPLE_FORMS = [
    ("niid-park-changsha.yaml", "NIID", "park"),
    ("eidb-park-xiamen-storage.json", "EIDB", "park"),
    ("eidb-enterprise-fuzhou.json", "EIDB", "enterprise"),
]


@pytest.mark.parametrize(("name", "programme", "category"), EXAMPLE_FORMS)
@pytest.mark.parametrize(
    ("listed", "given"), [([], "none listed"), (["  ", "\u3000"], "2 blank entries")]
)
def test_r_materials_an_application_without_supporting_evidence_is_refused(
    name: str, programme: Programme, category: Category, listed: list[str], given: str
) -> None:
    """R-MATERIALS (001 第十条(三); 002/003 附件2/3 三、附件清单): the 附件清单 lists at least one
    说明或证明材料; an empty list, or one of blank entries, is refused naming the field."""
    data = example(name)
    if listed:
        data["attachments"] = listed
    else:
        data.pop("attachments")
    _, issues = parse_form(programme, category, data)
    [problem] = issues
    assert isinstance(problem, Problem)
    assert (problem.rule_id, problem.field, problem.given) == ("R-MATERIALS", "attachments", given)
    assert "有关说明或证明材料" in problem.reason


@pytest.mark.parametrize("field", ["uscc", "parent_uscc"])
def test_r_eligible_enterprise_a_credit_code_with_a_wrong_check_digit_is_refused(
    field: str,
) -> None:
    """R-ELIGIBLE-ENTERPRISE: codes are checked by GB 32100-2015 (python-stdnum)."""
    _, issues = parse_form("EIDB", "enterprise", enterprise(**{field: "91350100MA2XN0QJ1W"}))
    [problem] = issues
    assert isinstance(problem, Problem)
    assert (problem.rule_id, problem.field) == ("R-ELIGIBLE-ENTERPRISE", field)


def test_r_eligible_enterprise_an_enterprise_is_not_its_own_group() -> None:
    """R-ELIGIBLE-ENTERPRISE: parent_uscc names another enterprise."""
    data = enterprise(parent_uscc="91350100MA2XN0QJ14")
    assert fields(parse_form("EIDB", "enterprise", data)[1]) == ["parent_uscc"]


def test_a_form_that_cannot_be_read_reports_every_field_with_its_path() -> None:
    data = park(revenue={"2023": 1, "2024": "many", "2025": 3}, phone=None)
    del data["talent"]["employees"]
    form, issues = parse_form("EIDB", "park", data)
    assert form is None
    assert set(fields(issues)) == {"phone", "revenue.values.1", "talent.employees"}


def test_an_unknown_field_is_refused_by_name() -> None:
    form, issues = parse_form("EIDB", "enterprise", enterprise(nickname="x"))
    assert form is None and fields(issues) == ["nickname"]


def test_r_eligible_zone_there_is_no_niid_form_for_an_enterprise() -> None:
    """R-ELIGIBLE-ZONE: NIID takes parks only."""
    form, [problem] = parse_form("NIID", "enterprise", {})
    assert form is None and isinstance(problem, Problem) and problem.rule_id == "R-ELIGIBLE-ZONE"


@pytest.mark.parametrize(("text", "fmt"), [("{", "json"), ("- a\n- b", "yaml"), (": :", "yaml")])
def test_a_document_that_is_not_a_mapping_is_refused(
    text: str, fmt: Literal["json", "yaml"]
) -> None:
    form, [problem] = read_form_text(text, fmt, "EIDB", "park")
    assert form is None and isinstance(problem, Problem)


@pytest.mark.parametrize(
    "incident",
    [
        {"kind": "environmental", "grade": "重大"},
        {"kind": "production_safety", "grade": "Ⅱ级"},
        {"kind": "production_safety"},
        {"kind": "other_serious", "grade": "一般"},
    ],
)
def test_an_incident_grade_must_fit_its_kind(incident: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Incident.model_validate({**incident, "occurred_on": "2025-01-01", "description": "x"})


def test_smart_factory_share_counts_firms_with_a_smart_factory_not_factories() -> None:
    data = park(leading_above_scale_firms=10)
    data["smart_factories"] = {
        "items": [
            {"id": "F1", "level": "先进级", "firm": "A"},
            {"id": "F2", "level": "基础级", "firm": "A"},
            {"id": "F3", "level": "基础级", "firm": "B"},
        ],
        "share_pct": 30,
    }
    form, issues = parse_form("EIDB", "park", data)
    assert isinstance(form, EidbParkForm)
    assert form.smart_factory_share == Decimal(20)
    assert [(i.field, i.computed) for i in issues if isinstance(i, FormMismatch)] == [
        ("smart_factories.share_pct", Decimal(20))
    ]


def test_issues_become_contract_problems_and_duplicates_do_not_refuse() -> None:
    duplicate = FormDuplicate("patents.items", "ZL1", "有效发明专利", 2)
    mismatch = FormMismatch("revenue.average", Decimal(1), Decimal(2))
    problems = as_problems([duplicate, mismatch])
    assert [p.field for p in problems] == ["patents.items", "revenue.average"]
    assert problems[1].given == "1" and problems[1].required == "2"
    assert blocking([duplicate, mismatch]) == [mismatch]


def test_niid_typed_share_and_patents_per_yi_yuan_are_cross_checked() -> None:
    data = example("niid-park-changsha.yaml")
    data["leading_share_pct"][2024] = 70
    data["patents_per_yi_yuan"] = 4
    _, issues = parse_form("NIID", "park", data)
    assert fields(issues) == ["leading_share_pct.2024", "patents_per_yi_yuan"]


def test_niid_priority_ground_of_a_special_area_must_be_the_declared_area() -> None:
    data = example("niid-park-changsha.yaml")
    data["priority_grounds"] = ["边疆地区"]
    form, issues = parse_form("NIID", "park", data)
    assert form is None and "special_area" in issues[0].reason
