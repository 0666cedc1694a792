"""The NIID application (示范基地申报书) of a park: the quantitative indicators of 001 附件.

Indicators follow 001 附件 (二级指标 1–29 and the 特色指标 of some fields); qualitative ones (定性)
are narratives for the experts. The share of the leading industry and the patents per 亿元 are
computed from the figures they divide; where the applicant also typed them, they are cross-checked.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, model_validator

from services.submission.forms.checks import (
    average_mismatches,
    check_same_years,
    ratio_mismatches,
)
from services.submission.forms.common import (
    FormModel,
    Incidents,
    Label,
    NarrativeSections,
    NarrativeText,
    Percent,
    Quantity,
    QuantitySeries,
    Text,
    YearSeries,
)
from services.submission.forms.problems import (
    FormDuplicate,
    FormMismatch,
    Tolerance,
    check_figure,
)
from services.submission.forms.weights import FormWeights
from shared.contract.events_common import Count, ExactBool, PriorityGround

SpecialArea = Literal["革命老区", "民族地区", "边疆地区"]
"""Special-type areas (001 第七条): the bracketed, lower thresholds apply (R-THRESHOLDS)."""

DataCentreBuild = Literal["全部建成投产", "部分建成投产", "未投产"]


class TransferCooperation(FormModel):
    """特色指标 of 产业转移合作 (001 附件 特色指标 6–7)."""

    partners: Annotated[tuple[Text, ...], Label("园区合作共建方")]
    agreement: Annotated[Text | None, Label("合作协议名称及文号")] = None
    value_added_growth_pct: Annotated[YearSeries, Label("工业增加值增速", "%")]
    investment_growth_pct: Annotated[YearSeries, Label("工业投资增速", "%")]
    new_project_investment: Annotated[QuantitySeries, Label("年度新开工项目总投资", "亿元")]
    new_firms: Annotated[QuantitySeries, Label("年度新增企业数", "家")]


class IndustrialInternet(FormModel):
    """特色指标 of 工业互联网 (001 附件 特色指标 12, 14)."""

    external_network_pct: Annotated[Percent, Label("高质量外网覆盖工业企业比例", "%")]
    industrial_network_pct: Annotated[Percent, Label("工业互联网及新型工业网络覆盖率", "%")]
    device_networking_pct: Annotated[Percent, Label("数字化设备联网率", "%")]
    cloud_adoption_pct: Annotated[Percent, Label("规上工业企业上云上平台比例", "%")]


class DataCentre(FormModel):
    """特色指标 of 数据中心 (001 附件 特色指标 17–19, 21); large or small/medium by its racks.

    The bandwidth per rack is part of 特色指标 21, typed 定性: given for the experts, never a
    threshold (R-THRESHOLDS)."""

    design_racks: Annotated[Count, Label("单体设计标准机架数", "架")]
    build: Annotated[DataCentreBuild, Label("基础设施建设及投产情况")]
    it_load_pct: Annotated[Percent, Label("IT设备负荷占设计容量比例", "%")]
    annual_pue: Annotated[Decimal, Field(ge=1, le=5), Label("运行年均PUE（投产不满1年填设计值）")]
    bandwidth_mbps_per_rack: Annotated[
        Quantity | None, Label("平均每机架带宽（定性指标21，专家评议）", "Mbps")
    ] = None
    green_certified: Annotated[
        ExactBool, Label("绿色等级4A级以上认证或列入国家绿色数据中心名单")
    ] = False


class NiidNarratives(NarrativeSections):
    """The qualitative indicators, one section per 一级指标, scored by experts (R-THRESHOLDS)."""

    scale: Annotated[NarrativeText | None, Label("规模效益")] = None
    innovation: Annotated[NarrativeText | None, Label("创新效能")] = None
    digital: Annotated[NarrativeText | None, Label("数字化网络化智能化升级")] = None
    green: Annotated[NarrativeText | None, Label("绿色低碳")] = None
    ecosystem: Annotated[NarrativeText | None, Label("产业生态")] = None
    openness: Annotated[NarrativeText | None, Label("开放合作")] = None
    featured: Annotated[NarrativeText | None, Label("特色指标")] = None


class NiidParkForm(FormModel):
    """A park's NIID application: identity, the quantitative indicators, narratives, incidents."""

    park_name: Annotated[Text, Label("申报对象名称")]
    management_body: Annotated[Text, Label("管理机构")]
    zone_name: Annotated[Text, Label("《中国开发区审核公告目录》名称或省级认定园区名称")]
    provincially_recognised: Annotated[ExactBool, Label("是否经省级人民政府认定的园区")] = False
    recognition_document: Annotated[Text | None, Label("省级人民政府认定文件及文号")] = None
    domain: Annotated[Text, Label("所属领域")]
    demonstration_content: Annotated[Text, Label("示范内容")]
    special_area: Annotated[SpecialArea | None, Label("特殊类型地区")] = None
    priority_grounds: Annotated[tuple[PriorityGround, ...], Label("优先支持情形")] = ()

    sales_revenue: Annotated[QuantitySeries, Label("产业集聚区销售收入", "亿元")]
    value_added_growth_pct: Annotated[YearSeries, Label("产业集聚区增加值增速", "%")]
    local_gdp_growth_pct: Annotated[YearSeries, Label("当地GDP增速", "%")]
    leading_revenue: Annotated[QuantitySeries, Label("主导产业销售收入", "亿元")]
    leading_share_pct: Annotated[
        YearSeries | None, Label("主导产业销售收入占比（如填写，将核对）", "%")
    ] = None
    output_per_land: Annotated[Quantity, Label("单位土地平均产值", "万元/公顷")]
    rd_intensity_pct: Annotated[Percent, Label("研发投入强度", "%")]
    above_scale_revenue: Annotated[Quantity, Label("规模以上企业主营业务收入", "亿元")]
    high_value_patents: Annotated[Count, Label("规模以上企业高价值发明专利数量", "件")]
    patents_per_yi_yuan: Annotated[
        Quantity | None, Label("每亿元主营业务收入高价值发明专利（如填写，将核对）", "件")
    ] = None
    national_rd_institutions: Annotated[Count, Label("国家级研发机构数量", "家")]
    provincial_rd_institutions: Annotated[Count, Label("省级研发机构数量", "家")]
    quality_system_pct: Annotated[Percent, Label("规上企业GB/T 19001贯标占比", "%")]
    digital_rd_tools_pct: Annotated[Percent, Label("规上企业数字化研发设计工具普及率", "%")]
    nc_key_processes_pct: Annotated[Percent, Label("规上企业关键工序数控化率", "%")]
    # Quantitative but relative to the industry (行业前列, 先进水平): the experts compare them.
    labour_productivity: Annotated[Quantity | None, Label("全员劳动生产率", "万元/人")] = None
    standards_led: Annotated[Count | None, Label("主（参）编行业、国家或国际标准数量", "项")] = None
    energy_intensity: Annotated[Quantity | None, Label("单位工业增加值能耗", "吨标准煤/万元")] = (
        None
    )
    water_intensity: Annotated[Quantity | None, Label("单位工业增加值用水量", "立方米/万元")] = None

    transfer_cooperation: Annotated[TransferCooperation | None, Label("特色指标：产业转移合作")] = (
        None
    )
    industrial_internet: Annotated[IndustrialInternet | None, Label("特色指标：工业互联网")] = None
    data_centre: Annotated[DataCentre | None, Label("特色指标：数据中心")] = None

    attachments: Annotated[tuple[Text, ...], Label("附件清单（有关说明或证明材料）")] = ()
    incidents: Incidents = ()
    narratives: Annotated[NiidNarratives, Label("定性指标说明")] = NiidNarratives()

    @model_validator(mode="after")
    def _consistent(self) -> NiidParkForm:
        check_same_years(self)
        areas = {g for g in self.priority_grounds if g in ("革命老区", "民族地区", "边疆地区")}
        if areas - {self.special_area}:
            raise ValueError(
                f"priority ground {'、'.join(sorted(areas))} is not the special_area "
                f"({self.special_area or 'none'})"
            )
        return self

    @property
    def leading_share(self) -> Decimal | None:
        """主导产业销售收入占比 of the latest year, computed."""
        total = self.sales_revenue.latest
        return None if total == 0 else self.leading_revenue.latest * 100 / total

    @property
    def patents_per_revenue(self) -> Decimal | None:
        """High-value invention patents per 亿元 of above-scale main business revenue, computed."""
        revenue = self.above_scale_revenue
        return None if revenue == 0 else Decimal(self.high_value_patents) / revenue

    def duplicates(self) -> list[FormDuplicate]:
        """Co-building parties named twice: each is counted once."""
        partners = Counter(self.transfer_cooperation.partners if self.transfer_cooperation else ())
        return [
            FormDuplicate("transfer_cooperation.partners", name, "合作共建方", times)
            for name, times in partners.items()
            if times > 1
        ]

    def mismatches(self, weights: FormWeights, tolerance: Tolerance) -> list[FormMismatch]:
        """Every typed figure the form's own figures contradict (NIID has no weighted counts)."""
        return [
            *average_mismatches(self, tolerance),
            *ratio_mismatches(
                "leading_share_pct", self.leading_share_pct, self.leading_revenue,
                self.sales_revenue, tolerance,
            ),
            *check_figure(
                "patents_per_yi_yuan", self.patents_per_yi_yuan, self.patents_per_revenue,
                tolerance,
            ),
        ]  # fmt: skip
