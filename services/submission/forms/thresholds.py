"""R-THRESHOLDS: the quantitative conditions of 001 附件 on the NIID form's figures.

Plain Python, no I/O. The figures are the ones RULES.md gives; the checks return every failed
condition as a :class:`Violation` with the field, the figure required and the figure given.
Level figures are those of the latest year; growth conditions hold in each of the three years.
Indicators judged against the industry (行业前列, 先进水平) and qualitative ones are for experts.
:func:`services.submission.eligibility.check_eligibility` is the entry point.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from services.submission.domain import Violation
from services.submission.forms.common import YearSeries
from services.submission.forms.niid_park import DataCentre, NiidParkForm
from services.submission.forms.problems import shown


@dataclass(frozen=True)
class Minimum:
    """One condition: a field, its label and unit, the figure, and the special-area figure.

    ``strict`` means "above"; ``maximum`` means "at most". A series is checked in each year.
    """

    field: str
    label: str
    unit: str
    figure: Decimal
    special: Decimal | None = None
    strict: bool = False
    maximum: bool = False

    def floor(self, special_area: bool) -> Decimal:
        return self.special if special_area and self.special is not None else self.figure

    def met(self, given: Decimal, special_area: bool = False) -> bool:
        floor = self.floor(special_area)
        if self.maximum:
            return given <= floor
        return given > floor or (given == floor and not self.strict)

    def check(self, given: Decimal | None, special_area: bool = False) -> list[Violation]:
        if given is not None and self.met(given, special_area):
            return []
        sign = "≤" if self.maximum else ">" if self.strict else "≥"
        required = f"{sign} {shown(self.floor(special_area))} {self.unit}".strip()
        figure = "nothing" if given is None else f"{shown(given)} {self.unit}".strip()
        message = f"{self.label}: {figure}, required {required}"
        return [Violation("R-THRESHOLDS", self.field, required, figure, message)]


def _d(text: str) -> Decimal:
    return Decimal(text)


NIID_MINIMUMS = (
    Minimum("sales_revenue", "产业集聚区销售收入", "亿元", _d("300"), _d("150")),
    Minimum("leading_share_pct", "主导产业销售收入占比", "%", _d("50")),
    Minimum("output_per_land", "单位土地平均产值", "万元/公顷", _d("4000"), _d("3000")),
    Minimum("rd_intensity_pct", "研发投入强度", "%", _d("2.5")),
    Minimum("patents_per_yi_yuan", "每亿元主营业务收入高价值发明专利", "件", _d("2.5")),
    Minimum("quality_system_pct", "规上企业GB/T 19001贯标占比", "%", _d("60")),
    Minimum("digital_rd_tools_pct", "规上企业数字化研发设计工具普及率", "%", _d("77")),
    Minimum("nc_key_processes_pct", "规上企业关键工序数控化率", "%", _d("58")),
)
"""001 附件 定量 indicators with a figure; the second figure for 革命老区, 民族地区, 边疆地区."""

TRANSFER_MINIMUMS = (
    Minimum("transfer_cooperation.partners", "园区合作共建方", "个", _d("2")),
    Minimum("transfer_cooperation.value_added_growth_pct", "工业增加值增速", "%", _d("10")),
    Minimum("transfer_cooperation.investment_growth_pct", "工业投资增速", "%", _d("10")),
    Minimum("transfer_cooperation.new_project_investment", "新开工项目总投资", "亿元", _d("20")),
    Minimum("transfer_cooperation.new_firms", "年度新增企业数", "家", _d("50")),
)
"""001 附件 特色指标 6–7 (产业转移合作); the series in each of the last three years."""

INTERNET_MINIMUMS = (
    Minimum("industrial_internet.external_network_pct", "高质量外网覆盖比例", "%", _d("30")),
    Minimum("industrial_internet.industrial_network_pct", "工业互联网覆盖率", "%", _d("30")),
    Minimum("industrial_internet.device_networking_pct", "数字化设备联网率", "%", _d("50")),
    Minimum("industrial_internet.cloud_adoption_pct", "上云上平台比例", "%", _d("30")),
)
"""001 附件 特色指标 12, 14 (工业互联网)."""


def data_centre_minimums(large: bool) -> tuple[Minimum, ...]:
    """001 附件 特色指标 17, 18 (数据中心): large from 3,000 racks, small/medium from 300.

    The 200 Mbps per rack of 特色指标 21 (安全可靠、网络及服务能力) is no minimum: indicator 21 is
    typed 定性, so the experts weigh it with the rest of that indicator (R-THRESHOLDS)."""
    p = "data_centre."
    return (
        Minimum(f"{p}design_racks", "单体设计标准机架数", "架", _d("300")),
        Minimum(f"{p}it_load_pct", "IT设备负荷", "%", _d("40" if large else "50")),
        Minimum(f"{p}annual_pue", "年均PUE", "", _d("1.3" if large else "1.5"), maximum=True),
    )


def check_minimums(
    minimums: Iterable[Minimum], figures: Mapping[str, object], special_area: bool = False
) -> list[Violation]:
    """Each condition against its figure (a :class:`YearSeries` year by year)."""
    found: list[Violation] = []
    for rule in minimums:
        given = figures.get(rule.field)
        if isinstance(given, YearSeries):
            for year, value in given.by_year():
                yearly = Minimum(f"{rule.field}.{year}", f"{rule.label} {year}", rule.unit,
                                 rule.figure, strict=rule.strict)  # fmt: skip
                found += yearly.check(value)
        else:
            found += rule.check(None if given is None else Decimal(str(given)), special_area)
    return found


def niid_figures(form: NiidParkForm) -> dict[str, object]:
    """The figures the conditions apply to: the form's, with the computed ones in place."""
    return {
        **dict(form),
        "sales_revenue": form.sales_revenue.latest,
        "leading_share_pct": form.leading_share,
        "patents_per_yi_yuan": form.patents_per_revenue,
    }


def check_niid_thresholds(form: NiidParkForm) -> list[Violation]:
    """R-THRESHOLDS: the indicators, value-added growth and R&D institutions (001 附件 1–15)."""
    special = form.special_area is not None
    return [
        *check_minimums(NIID_MINIMUMS, niid_figures(form), special),
        *check_value_added_growth(form),
        *check_rd_institutions(form),
    ]


def bracket_reliance(form: NiidParkForm) -> list[Minimum]:
    """The conditions met only thanks to the special-type area's bracketed figure."""
    if form.special_area is None:
        return []
    figures = niid_figures(form)
    relied = []
    for rule in NIID_MINIMUMS:
        value = figures.get(rule.field)
        given = None if value is None else Decimal(str(value))
        if given is not None and rule.met(given, True) and not rule.met(given):
            relied.append(rule)
    return relied


def check_value_added_growth(form: NiidParkForm) -> list[Violation]:
    """R-THRESHOLDS: value-added growth above local GDP growth in each of the last three years."""
    found = []
    pairs = zip(
        form.value_added_growth_pct.by_year(), form.local_gdp_growth_pct.values, strict=True
    )
    for (year, growth), gdp in pairs:
        label = f"产业集聚区增加值增速 {year}（当地GDP增速 {shown(gdp)}%）"
        found += Minimum(f"value_added_growth_pct.{year}", label, "%", gdp, strict=True).check(
            growth
        )
    return found


def check_rd_institutions(form: NiidParkForm) -> list[Violation]:
    """R-THRESHOLDS: national R&D institutions ≥ 1 or provincial ones ≥ 3."""
    national, provincial = form.national_rd_institutions, form.provincial_rd_institutions
    if national >= 1 or provincial >= 3:
        return []
    required, given = "国家级 ≥ 1 or 省级 ≥ 3", f"国家级 {national}, 省级 {provincial}"
    message = f"研发机构 {given}, required {required}"
    return [Violation("R-THRESHOLDS", "national_rd_institutions", required, given, message)]


def featured_tracks(form: NiidParkForm) -> list[str]:
    """The quantitative 特色指标 that apply: by field, by 示范内容, or because they were given."""
    content, tracks = form.demonstration_content, []
    if form.domain == "产业转移合作" or form.transfer_cooperation is not None:
        tracks.append("transfer_cooperation")
    if "工业互联网" in content or form.industrial_internet is not None:
        tracks.append("industrial_internet")
    if "数据中心" in content or form.data_centre is not None:
        tracks.append("data_centre")
    return tracks


def check_featured_indicators(form: NiidParkForm) -> list[Violation]:
    """R-THRESHOLDS: the 特色指标 of 产业转移合作, 工业互联网 and 数据中心 bases."""
    found: list[Violation] = []
    for track in featured_tracks(form):
        block = getattr(form, track)
        if block is None:
            message = f"a base of {form.domain}/{form.demonstration_content} gives these 特色指标"
            found.append(Violation("R-THRESHOLDS", track, "the 特色指标", "nothing", message))
        elif isinstance(block, DataCentre):
            found += check_data_centre(block)
        else:
            figures: dict[str, object] = {f"{track}.{name}": value for name, value in block}
            figures[f"{track}.partners"] = len(set(getattr(block, "partners", ())))
            rules = TRANSFER_MINIMUMS if track == "transfer_cooperation" else INTERNET_MINIMUMS
            found += check_minimums(rules, figures)
    return found


def check_data_centre(block: DataCentre) -> list[Violation]:
    """数据中心: load and PUE by size, built and in operation, green certified (特色指标 17–19)."""
    large = block.design_racks >= 3000
    figures = {f"data_centre.{name}": value for name, value in block}
    found = check_minimums(data_centre_minimums(large), figures)
    built = ("全部建成投产", "部分建成投产") if large else ("全部建成投产",)
    if block.build not in built:
        message = f"a {'large' if large else 'small or medium'} data centre is built and running"
        found.append(
            Violation("R-THRESHOLDS", "data_centre.build", " or ".join(built), block.build, message)
        )
    if not block.green_certified:
        required = "绿色等级4A级以上认证 or 国家绿色数据中心名单"
        message = "a data centre base holds a green certification (特色指标 19)"
        found.append(
            Violation("R-THRESHOLDS", "data_centre.green_certified", required, "neither", message)
        )
    return found
