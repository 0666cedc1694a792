"""The EIDB creation application of a park (创建申请书（示范园区）, 002 附件2)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, ClassVar, Literal, get_args

from pydantic import Field, model_validator

from services.submission.forms.checks import (
    check_same_years,
    growth_mismatches,
    mean_ratio,
    ratio_mismatches,
)
from services.submission.forms.common import (
    FormModel,
    Incidents,
    Label,
    NarrativeSections,
    NarrativeText,
    Quantity,
    QuantitySeries,
    Text,
    YearSeries,
)
from services.submission.forms.counting import (
    Patents,
    Platforms,
    QualityFirms,
    SmartFactories,
    Talent,
)
from services.submission.forms.eidb_common import (
    CreationPlan,
    common_mismatches,
    duplicates,
    weighted_counts,
)
from services.submission.forms.problems import FormDuplicate, FormMismatch, Tolerance, check_figure
from services.submission.forms.weights import FormWeights
from shared.contract.events_common import Count, EidbParkFigure

ParkInParkManager = Literal["所在园区管理机构", "所在地人民政府", "其他"]


class ParkInPark(FormModel):
    """园中园: a specialised park inside a catalogued one, with its 四至范围 (R-ELIGIBLE-ZONE)."""

    east: Annotated[Text | None, Label("四至范围：东至")] = None
    south: Annotated[Text | None, Label("四至范围：南至")] = None
    west: Annotated[Text | None, Label("四至范围：西至")] = None
    north: Annotated[Text | None, Label("四至范围：北至")] = None
    managed_by: Annotated[ParkInParkManager | None, Label("管理机构由谁负责")] = None


class TopFirm(FormModel):
    name: Annotated[Text, Label("企业名称")]
    revenue: Annotated[Quantity, Label("营业收入（亿元）")]
    business: Annotated[Text, Label("主营业务和主要产品")]


class ParkNarratives(NarrativeSections):
    industrial_policy: Annotated[NarrativeText, Label("主导产业产业政策情况")]
    public_services: Annotated[NarrativeText, Label("主导产业公共服务水平情况")]


class EidbParkForm(FormModel):
    """A park's EIDB creation application; averages, shares and weighted counts are computed."""

    METRICS: ClassVar[tuple[str, ...]] = get_args(EidbParkFigure)
    """What a batch's 创建基本条件 may set a minimum on (R-THRESHOLDS, batch data)."""

    park_name: Annotated[Text, Label("园区名称")]
    address: Annotated[Text, Label("园区地址")]
    approved_on: Annotated[date, Label("批复设立日期")]
    approved_by: Annotated[Text, Label("批复单位")]
    management_body: Annotated[Text, Label("管理机构")]
    head: Annotated[Text, Label("负责人及职务")]
    contact: Annotated[Text, Label("联系人及职务")]
    phone: Annotated[Text, Label("联系电话")]
    domain: Annotated[Text, Label("申报领域")]
    zone_name: Annotated[Text, Label("《中国开发区审核公告目录》中的园区名称")]
    park_in_park: Annotated[ParkInPark | None, Label("园中园（以园中园申报的填写）")] = None

    planned_area_ha: Annotated[Quantity, Label("规划面积", "公顷")]
    built_area_ha: Annotated[Quantity, Label("建成面积", "公顷")]
    investment_intensity: Annotated[Quantity, Label("近三年单位土地平均投资强度", "万元/公顷")]
    output_per_land: Annotated[Quantity, Label("近三年单位土地平均产出", "万元/公顷")]

    revenue: Annotated[QuantitySeries, Label("总营业收入", "亿元")]
    revenue_growth_pct: Annotated[YearSeries, Label("总营业收入增长率", "%")]
    above_scale_firms: Annotated[QuantitySeries, Label("规模以上企业数量", "个")]
    employees: Annotated[QuantitySeries, Label("年末从业人员数量", "人")]
    labour_productivity: Annotated[
        YearSeries | None, Label("全员劳动生产率（如填写，将核对）", "万元/人")
    ] = None

    leading_revenue: Annotated[QuantitySeries, Label("主导产业规模以上企业营业收入", "亿元")]
    leading_share_pct: Annotated[
        YearSeries | None, Label("主导产业占园区总营业收入比重（如填写，将核对）", "%")
    ] = None
    leading_growth_pct: Annotated[YearSeries, Label("主导产业规模以上企业营业收入增速", "%")]
    leading_firms: Annotated[Count, Label("主导产业企业数量", "个")]
    leading_above_scale_firms: Annotated[Count, Label("主导产业规模以上企业数量", "个")]
    quality_firms: Annotated[QualityFirms, Label("优质企业")] = QualityFirms()
    top_firms: Annotated[
        tuple[TopFirm, ...], Field(max_length=10), Label("主导产业营业收入前十企业")
    ] = ()

    park_rd_intensity_pct: Annotated[YearSeries, Label("园区研发投入强度", "%")]
    leading_rd_spend: Annotated[QuantitySeries, Label("主导产业研发投入", "亿元")]
    leading_rd_intensity_pct: Annotated[
        YearSeries | None, Label("主导产业研发投入强度（如填写，将核对）", "%")
    ] = None
    tech_contract_turnover: Annotated[QuantitySeries, Label("技术合同成交额", "亿元")]
    platforms: Annotated[Platforms, Label("国家级创新平台")] = Platforms()
    patents: Annotated[Patents, Label("有效发明专利（第一完成单位）")] = Patents()
    financing: Annotated[QuantitySeries, Label("主导产业融资额", "亿元")]
    talent: Annotated[Talent, Label("主导产业人才队伍")]
    smart_factories: Annotated[SmartFactories, Label("主导产业智能工厂")] = SmartFactories()

    narratives: Annotated[ParkNarratives, Label("主导产业情况说明")]
    plan: Annotated[CreationPlan, Label("创建工作方案")]
    attachments: Annotated[tuple[Text, ...], Label("附件清单")] = ()
    incidents: Incidents = ()

    @model_validator(mode="after")
    def _same_years(self) -> EidbParkForm:
        check_same_years(self)
        return self

    @property
    def smart_factory_share(self) -> Decimal | None:
        """智能工厂占比: leading-industry above-scale firms with a smart factory, in per cent."""
        firms = self.leading_above_scale_firms
        return None if firms == 0 else Decimal(self.smart_factories.firms()) * 100 / firms

    def duplicates(self) -> list[FormDuplicate]:
        """Firms, platforms, patents, people... listed twice under one kind: counted once."""
        return duplicates(self)

    def mismatches(self, weights: FormWeights, tolerance: Tolerance) -> list[FormMismatch]:
        """Every typed figure the form's own figures contradict, field by field."""
        return [
            *common_mismatches(self, weights, tolerance),
            *growth_mismatches(
                "revenue_growth_pct", self.revenue_growth_pct, self.revenue, tolerance
            ),
            *growth_mismatches(
                "leading_growth_pct", self.leading_growth_pct, self.leading_revenue, tolerance
            ),
            *ratio_mismatches(
                "labour_productivity", self.labour_productivity, self.revenue, self.employees,
                tolerance, Decimal(10000),
            ),
            *ratio_mismatches(
                "leading_share_pct", self.leading_share_pct, self.leading_revenue, self.revenue,
                tolerance,
            ),
            *ratio_mismatches(
                "leading_rd_intensity_pct", self.leading_rd_intensity_pct, self.leading_rd_spend,
                self.leading_revenue, tolerance,
            ),
            *check_figure(
                "smart_factories.share_pct", self.smart_factories.share_pct,
                self.smart_factory_share, tolerance,
            ),
        ]  # fmt: skip

    def metrics(self, weights: FormWeights) -> dict[str, Decimal | None]:
        """The figures a batch's 创建基本条件 may set minimums on: three-year averages, computed."""
        return {
            "revenue_average": self.revenue.mean,
            "leading_revenue_average": self.leading_revenue.mean,
            "leading_share_pct": mean_ratio(self.leading_revenue, self.revenue),
            "labour_productivity": mean_ratio(self.revenue, self.employees, Decimal(10000)),
            "park_rd_intensity_pct": self.park_rd_intensity_pct.mean,
            "leading_rd_intensity_pct": mean_ratio(self.leading_rd_spend, self.leading_revenue),
            "high_level_talent_share_pct": self.talent.share(),
            "smart_factory_share_pct": self.smart_factory_share,
            "output_per_land": self.output_per_land,
            "investment_intensity": self.investment_intensity,
            **weighted_counts(self, weights),
        }
