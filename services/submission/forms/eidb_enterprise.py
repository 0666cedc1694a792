"""The EIDB creation application of an enterprise (创建申请书（示范企业）, 002 附件3)."""

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
    Percent,
    Quantity,
    QuantitySeries,
    Text,
    YearSeries,
)
from services.submission.forms.counting import Awards, Patents, Standards, Talent
from services.submission.forms.eidb_common import (
    CreationPlan,
    common_mismatches,
    duplicates,
    weighted_counts,
)
from services.submission.forms.problems import FormDuplicate, FormMismatch, Tolerance
from services.submission.forms.weights import FormWeights
from shared.contract.events_common import EidbEnterpriseFigure

EnterpriseType = Literal["国有", "民营", "合资", "其他"]
Certification = Literal[
    "高新技术企业", "专精特新中小企业", "专精特新“小巨人”企业", "制造业单项冠军企业", "其他"
]


class Product(FormModel):
    name: Annotated[Text, Label("产品名称")]
    revenue: Annotated[Quantity, Label("销售收入（亿元）")]
    market_share_pct: Annotated[Percent | None, Label("国内市场占有率（%）")] = None


class EnterpriseNarratives(NarrativeSections):
    scenarios: Annotated[NarrativeText, Label("重点领域场景创新情况")]
    business_model: Annotated[NarrativeText, Label("重点领域商业模式创新情况")]
    governance: Annotated[NarrativeText, Label("公司治理情况")]


class EidbEnterpriseForm(FormModel):
    """An enterprise's EIDB creation application; averages, shares and weighted counts computed."""

    METRICS: ClassVar[tuple[str, ...]] = get_args(EidbEnterpriseFigure)
    """What a batch's 创建基本条件 may set a minimum on (R-THRESHOLDS, batch data)."""

    name: Annotated[Text, Label("企业名称")]
    uscc: Annotated[str, Label("统一社会信用代码")]
    parent_uscc: Annotated[str | None, Label("所属集团公司统一社会信用代码（子公司填写）")] = None
    enterprise_type: Annotated[EnterpriseType, Label("企业类型")]
    registered_address: Annotated[Text, Label("注册地址")]
    main_business: Annotated[Text, Label("主营业务")]
    founded_on: Annotated[date, Label("成立日期")]
    legal_representative: Annotated[Text, Label("法定代表人")]
    contact: Annotated[Text, Label("联系人及职务")]
    phone: Annotated[Text, Label("联系电话")]
    domain: Annotated[Text, Label("申报领域")]
    certifications: Annotated[tuple[Certification, ...], Label("企业认定情况")] = ()

    revenue: Annotated[QuantitySeries, Label("总营业收入", "亿元")]
    revenue_growth_pct: Annotated[YearSeries, Label("总营业收入增长率", "%")]
    gross_margin_pct: Annotated[YearSeries, Label("毛利润率", "%")]
    taxes: Annotated[QuantitySeries, Label("税金总额", "亿元")]
    employees: Annotated[QuantitySeries, Label("年末从业人员数量", "人")]

    domain_revenue: Annotated[QuantitySeries, Label("重点领域营业收入", "亿元")]
    domain_growth_pct: Annotated[YearSeries, Label("重点领域营业收入增速", "%")]
    domain_share_pct: Annotated[
        YearSeries | None, Label("重点领域占总营业收入比重（如填写，将核对）", "%")
    ] = None
    domain_gross_margin_pct: Annotated[YearSeries, Label("重点领域毛利润率", "%")]
    products: Annotated[
        tuple[Product, ...], Field(max_length=5), Label("重点领域主导产品（前五位）")
    ] = ()

    rd_intensity_pct: Annotated[YearSeries, Label("研发投入强度", "%")]
    domain_rd_spend: Annotated[QuantitySeries, Label("重点领域研发投入", "亿元")]
    domain_rd_intensity_pct: Annotated[
        YearSeries | None, Label("重点领域研发投入强度（如填写，将核对）", "%")
    ] = None
    awards: Annotated[Awards, Label("重点领域科技奖励")] = Awards()
    patents: Annotated[Patents, Label("有效发明专利（第一完成单位）")] = Patents()
    standards: Annotated[Standards, Label("重点领域标准制修订")] = Standards()
    talent: Annotated[Talent, Label("重点领域人才集聚")]

    narratives: Annotated[EnterpriseNarratives, Label("重点领域情况说明")]
    plan: Annotated[CreationPlan, Label("创建工作方案")]
    attachments: Annotated[tuple[Text, ...], Label("附件清单")] = ()
    incidents: Incidents = ()

    @model_validator(mode="after")
    def _same_years(self) -> EidbEnterpriseForm:
        check_same_years(self)
        return self

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
                "domain_growth_pct", self.domain_growth_pct, self.domain_revenue, tolerance
            ),
            *ratio_mismatches(
                "domain_share_pct", self.domain_share_pct, self.domain_revenue, self.revenue,
                tolerance,
            ),
            *ratio_mismatches(
                "domain_rd_intensity_pct", self.domain_rd_intensity_pct, self.domain_rd_spend,
                self.domain_revenue, tolerance,
            ),
        ]  # fmt: skip

    def metrics(self, weights: FormWeights) -> dict[str, Decimal | None]:
        """The figures a batch's 创建基本条件 may set minimums on: three-year averages, computed."""
        return {
            "revenue_average": self.revenue.mean,
            "domain_revenue_average": self.domain_revenue.mean,
            "domain_share_pct": mean_ratio(self.domain_revenue, self.revenue),
            "rd_intensity_pct": self.rd_intensity_pct.mean,
            "domain_rd_intensity_pct": mean_ratio(self.domain_rd_spend, self.domain_revenue),
            "gross_margin_pct": self.gross_margin_pct.mean,
            "labour_productivity": mean_ratio(self.revenue, self.employees, Decimal(10000)),
            "high_level_talent_share_pct": self.talent.share(),
            **weighted_counts(self, weights),
        }
