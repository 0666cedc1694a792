"""Provincial authorities by GB/T 2260 code (001 第五条).

Provinces, autonomous regions and municipalities, the five cities with independent planning status
(计划单列市) and the Xinjiang Production and Construction Corps (新疆生产建设兵团). The Corps has no
GB/T 2260 code of its own; 660000 is the code the ministry's systems use for it.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

PROVINCES: dict[str, str] = {
    "110000": "北京市", "120000": "天津市", "130000": "河北省", "140000": "山西省",
    "150000": "内蒙古自治区", "210000": "辽宁省", "220000": "吉林省", "230000": "黑龙江省",
    "310000": "上海市", "320000": "江苏省", "330000": "浙江省", "340000": "安徽省",
    "350000": "福建省", "360000": "江西省", "370000": "山东省", "410000": "河南省",
    "420000": "湖北省", "430000": "湖南省", "440000": "广东省", "450000": "广西壮族自治区",
    "460000": "海南省", "500000": "重庆市", "510000": "四川省", "520000": "贵州省",
    "530000": "云南省", "540000": "西藏自治区", "610000": "陕西省", "620000": "甘肃省",
    "630000": "青海省", "640000": "宁夏回族自治区", "650000": "新疆维吾尔自治区",
    "210200": "大连市", "370200": "青岛市", "330200": "宁波市", "350200": "厦门市",
    "440300": "深圳市", "660000": "新疆生产建设兵团",
}  # fmt: skip

MINISTRY = "000000"
"""The token that stands for the ministry itself on subjects of ministry-wide facts."""

_BY_NAME = {name: code for code, name in PROVINCES.items()}


class UnknownProvinceError(ValueError):
    """A province code or name that is not one of the provincial authorities."""


def check_province(code: str) -> str:
    """Return ``code`` when it names a provincial authority (or the ministry), else raise."""
    if code != MINISTRY and code not in PROVINCES:
        raise UnknownProvinceError(
            f"{code!r} is not a GB/T 2260 code of a provincial authority (001 第五条)"
        )
    return code


def province_code(name_or_code: str) -> str:
    """Resolve a province given by code or by its Chinese name (简称 without 省/市 also works)."""
    if name_or_code in PROVINCES or name_or_code == MINISTRY:
        return name_or_code
    if name_or_code in _BY_NAME:
        return _BY_NAME[name_or_code]
    for name, code in _BY_NAME.items():
        if name.startswith(name_or_code) and len(name_or_code) >= 2:
            return code
    raise UnknownProvinceError(f"{name_or_code!r} is neither a province code nor a province name")


ProvinceCode = Annotated[str, AfterValidator(check_province)]
