"""The weights of the EIDB forms' weighted counts: data of a batch, never constants.

The forms (002 附件2/3) ask for 优质企业加权数量, 国家级创新平台加权数量, 有效发明专利加权数量,
智能工厂加权数量, 科技奖励加权数量, 标准加权数量, but the weights belong to the 考评指标 of
工信部规〔2025〕250号, which was not found in public sources. A batch carries its own
:class:`FormWeights`; :data:`PLACEHOLDER_WEIGHTS` only lets demos and tests run and says so.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal, get_args

from pydantic import Field, model_validator

from services.submission.forms.common import FormModel, Text
from shared.contract.events_common import ExactBool

QualityFirmKind = Literal[
    "科技型和创新型中小企业",
    "高新技术企业",
    "专精特新中小企业",
    "专精特新“小巨人”企业",
    "制造业单项冠军企业",
]
PlatformKind = Literal[
    "国家实验室",
    "全国重点实验室",
    "国家制造业创新中心",
    "国家技术创新中心",
    "国家新兴产业创新中心",
    "国家产业技术工程化中心",
    "国家重大科技基础设施",
    "国家级制造业中试平台和科技型孵化器",
]
PatentClass = Literal["有效发明专利", "中国专利奖银奖", "中国专利奖金奖"]
SmartFactoryLevel = Literal["领航级", "卓越级", "先进级", "基础级"]
AwardKind = Literal[
    "国家自然科学奖特等奖",
    "国家自然科学奖一等奖",
    "国家自然科学奖二等奖",
    "国家技术发明奖特等奖",
    "国家技术发明奖一等奖",
    "国家技术发明奖二等奖",
    "国家科技进步奖特等奖",
    "国家科技进步奖一等奖",
    "国家科技进步奖二等奖",
    "省部级奖励",
]
StandardKind = Literal["国际标准", "国家标准", "行业标准"]
TalentKind = Literal["研究生学历", "高级职称", "高技能人才"]

Weight = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]


class FormWeights(FormModel):
    """One batch's weights for every weighted count; each mapping names every kind."""

    verified: ExactBool = Field(description="True only when taken from the batch's 考评指标")
    source: Text = Field(description="where the weights come from, e.g. the document number")
    quality_firms: dict[QualityFirmKind, Weight]
    platforms: dict[PlatformKind, Weight]
    patents: dict[PatentClass, Weight]
    smart_factories: dict[SmartFactoryLevel, Weight]
    awards: dict[AwardKind, Weight]
    standards: dict[StandardKind, Weight]

    @model_validator(mode="after")
    def _every_kind_weighted(self) -> FormWeights:
        kinds = {
            "quality_firms": QualityFirmKind, "platforms": PlatformKind, "patents": PatentClass,
            "smart_factories": SmartFactoryLevel, "awards": AwardKind, "standards": StandardKind,
        }  # fmt: skip
        for name, kind in kinds.items():
            missing = set(get_args(kind)) - set(getattr(self, name))
            if missing:
                raise ValueError(f"{name} has no weight for {'、'.join(sorted(missing))}")
        return self


def _tiers(kinds: tuple[str, ...], top: int) -> dict[str, Decimal]:
    return {kind: Decimal(max(top - index, 1)) for index, kind in enumerate(kinds)}


PLACEHOLDER_WEIGHTS = FormWeights.model_validate(
    {
        "verified": False,
        "source": "PLACEHOLDER, UNVERIFIED: the 考评指标 of 工信部规〔2025〕250号 are not public; "
        "higher tiers weigh more, nothing else is known. Replace with the batch's weights.",
        "quality_firms": _tiers(tuple(reversed(get_args(QualityFirmKind))), 4),
        "platforms": dict.fromkeys(get_args(PlatformKind), Decimal(1)),
        "patents": _tiers(tuple(reversed(get_args(PatentClass))), 3),
        "smart_factories": _tiers(get_args(SmartFactoryLevel), 4),
        "awards": {
            **{k: Decimal({"特": 5, "一": 3, "二": 2}[k[-3]]) for k in get_args(AwardKind)[:9]},
            "省部级奖励": Decimal(1),
        },
        "standards": _tiers(get_args(StandardKind), 3),
    }
)
"""Placeholder weights, marked unverified: typed weighted counts are not cross-checked with them."""
