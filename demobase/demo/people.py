"""Who takes part in the demo: real bases as applicants, experts, and their forms.

Applicants' names, provinces and 示范内容 are real (``data/bases.csv``); their figures are the
illustrative ones of ``examples/forms/`` and their credit codes are valid only in their check digit.
"""

from __future__ import annotations

import copy
import csv
import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from stdnum.cn import uscc as gb32100

from shared.contract.provinces import province_code

HERE = Path(__file__).parent
EXAMPLES = Path(__file__).parents[2] / "examples" / "forms"


@functools.cache
def bases() -> dict[str, dict[str, str]]:
    """Real NIID bases by their location (所在地), from the public-data file."""
    with (HERE / "data" / "bases.csv").open(encoding="utf-8") as rows:
        return {row["location"]: row for row in csv.DictReader(rows) if row["location"]}


@functools.cache
def _example(name: str) -> dict[str, Any]:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    data = yaml.safe_load(text) if name.endswith(".yaml") else json.loads(text)
    return dict(json.loads(json.dumps(data, default=str)))


def credit_code(seed: str, region: str) -> str:
    """A 统一社会信用代码 with a right GB 32100-2015 check digit (fictional otherwise)."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    digest = hashlib.sha256(seed.encode()).digest()
    body = "91" + region + "MA" + "".join(alphabet[b % len(alphabet)] for b in digest[:7])
    return body + gb32100.calc_check_digit(body)


@dataclass(frozen=True)
class Applicant:
    """One application of the demo: who, where, in what, with which form."""

    key: str
    programme: str
    category: str
    name: str
    applicant: str
    province: str
    city: str
    domain: str
    zone: str | None = None
    showcase: str | None = None
    quality: float = 0.8

    def body(self, batch_id: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "programme": self.programme,
            "category": self.category,
            "name": self.name,
            "applicant": self.applicant,
            "city": self.city,
            "domain": self.domain,
            "zone": self.zone,
            "batch_id": batch_id,
            "form": self.form(),
        }
        if self.category == "enterprise":
            body["uscc"] = body["form"]["uscc"]
        return body

    def form(self) -> dict[str, Any]:
        if self.programme == "NIID":
            form = copy.deepcopy(_example("niid-park-changsha.yaml"))
            recognised = self.zone not in _CATALOGUED
            form.update(
                park_name=self.name,
                management_body=self.applicant,
                zone_name=self.zone or self.name,
                domain=self.domain,
                demonstration_content=self.showcase or self.domain,
                provincially_recognised=recognised,
                recognition_document="省人民政府认定文件" if recognised else None,
            )
            return form
        if self.category == "park":
            form = copy.deepcopy(_example("eidb-park-xiamen-storage.json"))
            form.update(
                park_name=self.name,
                management_body=self.applicant,
                domain=self.domain,
                zone_name=self.zone,
                approved_by=self.applicant,
            )
            return form
        form = copy.deepcopy(_example("eidb-enterprise-fuzhou.json"))
        form.update(name=self.name, domain=self.domain, uscc=credit_code(self.name, self.province))
        return form


_CATALOGUED = {
    "长沙经济技术开发区",
    "株洲高新技术产业开发区",
    "苏州工业园区",
    "江阴高新技术产业开发区",
    "武汉经济技术开发区",
    "武汉东湖新技术开发区",
    "青岛经济技术开发区",
    "广州经济技术开发区",
    "福州经济技术开发区",
    "厦门火炬高技术产业开发区",
    "江苏泰兴经济开发区",
}
"""The zones of the sample catalogue the demo loads (services/submission/data/zones_sample.csv)."""


def niid_park(
    location: str, domain: str, city: str, zone: str | None = None, quality: float = 0.8
) -> Applicant:
    """A real base of bases.csv as an NIID applicant: its 示范内容 and province from the file."""
    row = bases()[location]
    return Applicant(
        key=location,
        programme="NIID",
        category="park",
        name=zone or location,
        applicant=f"{zone or location}管理委员会",
        province=province_code(row["province"]),
        city=city,
        domain=domain,
        zone=zone or location,
        showcase=row["domain"] or None,
        quality=quality,
    )


@dataclass(frozen=True)
class Expert:
    expert_id: str
    name: str
    province: str
    organisation: str

    def as_member(self) -> dict[str, str]:
        return {
            "expert_id": self.expert_id,
            "name": self.name,
            "province": self.province,
            "organisation": self.organisation,
        }


EXPERTS = (
    Expert("E01", "赵专家", "110000", "中国电子信息产业发展研究院"),
    Expert("E02", "钱专家", "310000", "同济大学"),
    Expert("E03", "孙专家", "430000", "中南大学"),
    Expert("E04", "李专家", "440000", "华南理工大学"),
    Expert("E05", "周专家", "610000", "西安交通大学"),
    Expert("E06", "吴专家", "510000", "电子科技大学"),
    Expert("E07", "郑专家", "210000", "东北大学"),
)


def panel_for(applicant: Applicant, size: int = 3) -> list[Expert]:
    """Experts from other provinces than the applicant's (回避), chosen by a stable rotation."""
    free = [e for e in EXPERTS if e.province != applicant.province]
    start = int(hashlib.sha256(applicant.key.encode()).hexdigest(), 16) % len(free)
    return [free[(start + i) % len(free)] for i in range(size)]


SHEET = {
    "发展基础": 30,
    "总体思路": 15,
    "重点任务": 30,
    "进度安排": 10,
    "保障措施": 15,
    "领域特色": 10,
}


def scores(applicant: Applicant, expert: Expert) -> dict[str, str]:
    """An expert's marks: the applicant's quality, each expert's own leniency, a little noise."""
    leniency = {
        "E01": 0.02,
        "E02": -0.04,
        "E03": 0.0,
        "E04": 0.03,
        "E05": -0.02,
        "E06": 0.05,
        "E07": -0.01,
    }[expert.expert_id]
    marks = {}
    for section, maximum in SHEET.items():
        noise = (
            int(
                hashlib.sha256(f"{applicant.key}{expert.expert_id}{section}".encode()).hexdigest(),
                16,
            )
            % 7
            / 100
            - 0.03
        )
        share = min(0.98, max(0.4, applicant.quality + leniency + noise))
        marks[section] = f"{maximum * share:.2f}"
    return marks
