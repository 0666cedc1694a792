"""R-THRESHOLDS for NIID: the quantitative conditions of 001 附件 and the 特色指标."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.submission.data.zones import SAMPLE_PATH, ZoneCatalogue
from services.submission.domain import Violation
from services.submission.eligibility import EligibilityResult, check_eligibility
from services.submission.forms import NiidParkForm, parse_form

pytestmark = pytest.mark.unit
EXAMPLE = Path(__file__).parents[2] / "examples" / "forms" / "niid-park-changsha.yaml"
BUSINESS_DATE = date(2026, 3, 20)


def changsha(**changes: Any) -> dict[str, Any]:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return {**copy.deepcopy(data), **changes}


def form_of(data: dict[str, Any]) -> NiidParkForm:
    form, issues = parse_form("NIID", "park", data)
    assert isinstance(form, NiidParkForm), issues
    return form


def check(data: dict[str, Any]) -> EligibilityResult:
    catalogue = ZoneCatalogue.from_csv(SAMPLE_PATH)
    return check_eligibility("NIID", "park", form_of(data), catalogue, BUSINESS_DATE)


def failed(data: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(v.rule_id, v.field, v.required, v.given) for v in check(data).violations]


def revenue(latest: float) -> dict[str, Any]:
    """A revenue series ending on ``latest``, with a leading industry of 60 % of it."""
    return {
        "sales_revenue": [latest, latest, latest],
        "leading_revenue": [latest * 0.6] * 3,
        "leading_share_pct": None,
    }


def test_r_thresholds_the_changsha_example_meets_every_condition() -> None:
    """R-THRESHOLDS: the example is eligible, with nothing flagged."""
    assert check(changsha()) == EligibilityResult((), ())


def test_r_thresholds_sales_revenue_of_300_passes_and_299_9_fails() -> None:
    """R-THRESHOLDS: ≥ 300 亿元 in the latest year, at the boundary."""
    assert failed(changsha(**revenue(300))) == []
    assert failed(changsha(**revenue(299.9))) == [
        ("R-THRESHOLDS", "sales_revenue", "≥ 300 亿元", "299.9 亿元")
    ]


def test_r_thresholds_a_special_area_needs_150_not_300_and_is_flagged_for_it() -> None:
    """R-THRESHOLDS: 革命老区, 民族地区, 边疆地区 have the bracketed figure ≥ 150 亿元."""
    result = check(changsha(special_area="革命老区", **revenue(150)))
    assert result.violations == ()
    assert [(f.rule_id, f.field) for f in result.flags] == [("R-THRESHOLDS", "sales_revenue")]
    assert failed(changsha(special_area="民族地区", **revenue(149.9))) == [
        ("R-THRESHOLDS", "sales_revenue", "≥ 150 亿元", "149.9 亿元")
    ]


def test_r_thresholds_output_per_land_4000_or_3000_in_a_special_area() -> None:
    """R-THRESHOLDS: ≥ 4,000 万元/公顷 (special areas ≥ 3,000)."""
    assert failed(changsha(output_per_land=4000)) == []
    assert failed(changsha(output_per_land=3999.9))[0][1:3] == (
        "output_per_land",
        "≥ 4000 万元/公顷",
    )
    assert failed(changsha(output_per_land=3000, special_area="边疆地区")) == []


def test_r_thresholds_value_added_growth_must_beat_local_gdp_in_each_year() -> None:
    """R-THRESHOLDS: 增加值增速 above the local GDP growth in each of the last three years."""
    data = changsha(value_added_growth_pct={2023: 8.9, 2024: 5.0, 2025: 4.0})
    assert failed(data) == [
        ("R-THRESHOLDS", "value_added_growth_pct.2024", "> 5 %", "5 %"),
        ("R-THRESHOLDS", "value_added_growth_pct.2025", "> 5.1 %", "4 %"),
    ]


@pytest.mark.parametrize(
    ("national", "provincial", "ok"), [(1, 0, True), (0, 3, True), (0, 2, False)]
)
def test_r_thresholds_one_national_or_three_provincial_rd_institutions(
    national: int, provincial: int, ok: bool
) -> None:
    """R-THRESHOLDS: 国家级研发机构 ≥ 1 or 省级 ≥ 3."""
    data = changsha(national_rd_institutions=national, provincial_rd_institutions=provincial)
    assert (failed(data) == []) is ok


def test_r_thresholds_every_failed_indicator_is_reported_at_once() -> None:
    """R-THRESHOLDS: each failure names its field, the figure required and the figure given."""
    data = changsha(
        rd_intensity_pct=2.4, quality_system_pct=59.9, digital_rd_tools_pct=76,
        nc_key_processes_pct=57, high_value_patents=100, patents_per_yi_yuan=None,
        leading_revenue=[1000, 1000, 1000], leading_share_pct=None,
    )  # fmt: skip
    assert [field for _, field, _, _ in failed(data)] == [
        "leading_share_pct",
        "rd_intensity_pct",
        "patents_per_yi_yuan",
        "quality_system_pct",
        "digital_rd_tools_pct",
        "nc_key_processes_pct",
    ]
    violation = check(data).violations[0]
    assert isinstance(violation, Violation) and violation.required == "≥ 50 %"


def test_r_thresholds_qualitative_indicators_are_left_to_the_experts() -> None:
    """R-THRESHOLDS: no narrative, no relative indicator is checked automatically."""
    data = changsha(narratives={}, labour_productivity=None, standards_led=None)
    assert failed(data) == []


TRANSFER = {
    "partners": ["长沙经济技术开发区", "湘西经济开发区"],
    "value_added_growth_pct": [12, 11, 10],
    "investment_growth_pct": [15, 13, 10],
    "new_project_investment": [26, 22, 20],
    "new_firms": [64, 58, 50],
}


def test_r_thresholds_an_industrial_transfer_base_meets_its_featured_indicators() -> None:
    """R-THRESHOLDS (产业转移合作): at the boundaries, every condition holds."""
    data = changsha(domain="产业转移合作", transfer_cooperation=TRANSFER)
    assert failed(data) == []


def test_r_thresholds_an_industrial_transfer_base_without_its_featured_indicators_fails() -> None:
    """R-THRESHOLDS (产业转移合作): the 特色指标 are required of the field."""
    assert failed(changsha(domain="产业转移合作")) == [
        ("R-THRESHOLDS", "transfer_cooperation", "the 特色指标", "nothing")
    ]


def test_r_thresholds_industrial_transfer_counts_a_partner_once_and_checks_each_year() -> None:
    """R-THRESHOLDS (产业转移合作): two names of one partner are one partner; each year counts."""
    block = {**TRANSFER, "partners": ["甲开发区", "甲开发区"], "new_firms": [64, 49, 50],
             "investment_growth_pct": [15, 9.9, 10]}  # fmt: skip
    assert failed(changsha(domain="产业转移合作", transfer_cooperation=block)) == [
        ("R-THRESHOLDS", "transfer_cooperation.partners", "≥ 2 个", "1 个"),
        ("R-THRESHOLDS", "transfer_cooperation.investment_growth_pct.2024", "≥ 10 %", "9.9 %"),
        ("R-THRESHOLDS", "transfer_cooperation.new_firms.2024", "≥ 50 家", "49 家"),
    ]


def test_r_thresholds_an_industrial_internet_base_is_known_by_its_demonstration_content() -> None:
    """R-THRESHOLDS (工业互联网): 30 %, 30 %, 50 %, 30 % at the boundary; 29.9 % fails."""
    internet = {"external_network_pct": 30, "industrial_network_pct": 30,
                "device_networking_pct": 50, "cloud_adoption_pct": 30}  # fmt: skip
    content = {"domain": "信息产业", "demonstration_content": "工业互联网"}
    assert failed(changsha(**content)) == [
        ("R-THRESHOLDS", "industrial_internet", "the 特色指标", "nothing")
    ]
    assert failed(changsha(**content, industrial_internet=internet)) == []
    low = {**internet, "cloud_adoption_pct": 29.9}
    assert failed(changsha(**content, industrial_internet=low)) == [
        ("R-THRESHOLDS", "industrial_internet.cloud_adoption_pct", "≥ 30 %", "29.9 %")
    ]


def data_centre(**changes: Any) -> dict[str, Any]:
    block = {"design_racks": 3000, "build": "部分建成投产", "it_load_pct": 40, "annual_pue": 1.3,
             "bandwidth_mbps_per_rack": 200, "green_certified": True}  # fmt: skip
    return changsha(
        domain="信息产业", demonstration_content="数据中心", data_centre=block | changes
    )


def test_r_thresholds_a_large_data_centre_at_its_boundaries_passes() -> None:
    """R-THRESHOLDS (数据中心): ≥ 3,000 racks, load ≥ 40 %, PUE ≤ 1.3."""
    assert failed(data_centre()) == []


@pytest.mark.parametrize("bandwidth", [199, 50, None])
def test_r_thresholds_bandwidth_per_rack_is_weighed_by_experts_not_a_threshold(
    bandwidth: int | None,
) -> None:
    """R-THRESHOLDS (数据中心): the 200 Mbps per rack sits in 特色指标 21
    (安全可靠、网络及服务能力), typed 定性 in 001 附件: below it, or not given, refuses nothing."""
    assert failed(data_centre(bandwidth_mbps_per_rack=bandwidth)) == []


def test_r_thresholds_a_large_data_centre_over_pue_1_3_fails() -> None:
    """R-THRESHOLDS (数据中心, large): annual PUE ≤ 1.3."""
    assert failed(data_centre(annual_pue=1.31)) == [
        ("R-THRESHOLDS", "data_centre.annual_pue", "≤ 1.3", "1.31")
    ]


def test_r_thresholds_a_small_data_centre_has_its_own_load_pue_and_build_figures() -> None:
    """R-THRESHOLDS (数据中心, 300–3,000 racks): load ≥ 50 %, PUE ≤ 1.5, fully built."""
    small = {"design_racks": 2999, "build": "全部建成投产", "annual_pue": 1.5, "it_load_pct": 50}
    assert failed(data_centre(**small)) == []
    assert failed(data_centre(**{**small, "it_load_pct": 45, "build": "部分建成投产"})) == [
        ("R-THRESHOLDS", "data_centre.it_load_pct", "≥ 50 %", "45 %"),
        ("R-THRESHOLDS", "data_centre.build", "全部建成投产", "部分建成投产"),
    ]


def test_r_thresholds_a_data_centre_under_300_racks_or_uncertified_fails() -> None:
    """R-THRESHOLDS (数据中心): ≥ 300 racks, green certification."""
    slow = {"bandwidth_mbps_per_rack": 199, "green_certified": False, "build": "全部建成投产"}
    data = data_centre(design_racks=299, it_load_pct=60, annual_pue=1.4, **slow)
    assert [field for _, field, _, _ in failed(data)] == [
        "data_centre.design_racks",
        "data_centre.green_certified",
    ]
