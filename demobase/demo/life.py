"""The life half of the demo: three evaluation years (2027–2029) over the NIID bases.

The bases are the titles of earlier batches, taken over from their announcements (real names,
provinces and 示范内容 of ``data/bases.csv``), and the three awarded in the selection half. The
round's star cut-offs are set so that the proportions resemble the ministry's published results
(2019: 30 five-star of 381; 2021: 28 five-star, 240 four-star: about 8 % and 55 %). In three years:
- one base is rated two stars or fewer two years running and loses its title (R-REVOKE-2STARS);
- one has a Ⅱ级 environmental incident and loses its title at once (R-REVOKE-INCIDENT);
- one misses its rectification deadline (R-REVOKE-RECTIFY);
- one is found to have committed fraud (R-FRAUD): its province is suspended from NIID batch 12,
  and its recommendation there is refused (R-SUSPENDED-PROVINCE);
- one is renamed when its zone is renamed (R-RENAME), another's rename is refused because its
  boundaries changed; one moves into the excellence plan (R-TIERS); one files its plan
  (R-ACTION-PLAN).
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from demobase.client import caught_up, registry_get
from demobase.demo.desk import Desk
from demobase.demo.people import niid_park
from demobase.demo.selection import NIID_APPLICANTS
from shared.config import Settings
from shared.contract.provinces import province_code

DATA = Path(__file__).parent / "data"
YEARS = (2027, 2028, 2029)
ANNOUNCED = {
    "1": "2010-04-20",
    "2": "2011-04-26",
    "3": "2012-03-12",
    "4": "2013-03-05",
    "5": "2014-03-20",
    "6": "2015-03-17",
    "7": "2016-06-21",
    "8": "2018-02-24",
    "9": "2020-03-04",
    "10": "2022-03-31",
}
"""Announcement dates of NIID batches 1–10; where the record names no batch, batch 10's is the
latest the base can have been announced, and it is used as such."""
STAR_MAPPING = {"method": "cut_offs", "five": "90", "four": "52", "three": "20", "two": "10"}
"""Cut-offs set, as a round's data, so that the proportions resemble the published ones."""
WEIGHTS = {
    "quantitative": "0.5",
    "qualitative": "0.2",
    "innovation": "0.1",
    "green": "0.1",
    "digital": "0.1",
    "indicators": dict.fromkeys(
        (
            "sales_revenue",
            "value_added_growth",
            "leading_industry_share",
            "output_per_land",
            "rd_intensity",
            "invention_patents",
            "digital_tools_share",
            "energy_intensity",
        ),
        "1",
    ),
}


@dataclass
class TitledBase:
    base_id: str
    province: str
    name: str
    quality: float


def legacy_rows() -> list[dict[str, str]]:
    """The bases of data/bases.csv whose 示范内容 and place are both on record."""
    with (DATA / "bases.csv").open(encoding="utf-8") as rows:
        return [row for row in csv.DictReader(rows) if row["domain"] and row["location"]]


def quality(name: str) -> float:
    """A stable, spread-out quality for a base (its figures and marks follow from it)."""
    return 0.35 + int(hashlib.sha256(name.encode()).hexdigest(), 16) % 60 / 100


async def play(desk: Desk, awarded: dict[str, str]) -> list[TitledBase]:
    """Take over the earlier titles, then play 2027–2029; return the bases it rated."""
    bases = await _import(desk) + _awarded(awarded)
    story = Story.of(bases)
    for year in YEARS:
        await _round(desk, bases, story, year)
        await story.between_rounds(desk, year)
    return bases


async def _import(desk: Desk) -> list[TitledBase]:
    bases = []
    applied_again = {applicant.zone for applicant in NIID_APPLICANTS}
    for row in legacy_rows():
        if row["location"] in applied_again:
            continue  # applied in the demo's batch 11: titled there
        batch = row["batch"] if row["batch"] in ANNOUNCED else ""
        body = {
            "programme": "NIID",
            "batch_number": int(batch) if batch else None,
            "province": province_code(row["province"]),
            "name": row["location"],
            "showcase": row["domain"],
            "announced_on": ANNOUNCED[batch or "10"],
            "announcement": {
                "title": f"第{batch or '一至十'}批国家新型工业化产业示范基地名单",
                "url": row["source"].split(" ")[0],
            },
        }
        decision = await desk.send("ImportTitle", body, "2026-01-12", what=row["location"])
        province = province_code(row["province"])
        bases.append(
            TitledBase(
                str(decision.subject_id), province, row["location"], quality(row["location"])
            )
        )
    return bases


def _awarded(awarded: dict[str, str]) -> list[TitledBase]:
    """The NIID bases the selection half awarded (their application ids → base ids)."""
    found = []
    for applicant in NIID_APPLICANTS:
        application_id = awarded.get(applicant.key)
        if application_id and applicant.key in AWARDED_IN_DEMO:
            found.append(
                TitledBase(
                    f"BASE-{application_id}", applicant.province, applicant.name, applicant.quality
                )
            )
    return found


AWARDED_IN_DEMO = {"长沙经济技术开发区", "武汉东湖新技术开发区", "青岛经济技术开发区"}


async def revoked_bases() -> set[str]:
    """The bases the registry shows as revoked, whatever revoked them."""
    rows = await asyncio.to_thread(registry_get, Settings(), "/api/revocations")
    return {row["base_id"] for row in rows}


def yearly(base: TitledBase, year: int, spread: int = 15) -> float:
    """The base's quality in one year: its own level, and a year's ups and downs."""
    if base.quality <= WEAKEST:
        return base.quality
    drift = (
        int(hashlib.sha256(f"{base.name}{year}".encode()).hexdigest(), 16) % (2 * spread + 1)
        - spread
    ) / 100
    return min(0.99, max(0.1, base.quality + drift))


WEAKEST = 0.05


def figures(level: float) -> dict[str, str]:
    """An annual report form of a base of quality ``level`` (0–1)."""
    q = Decimal(str(round(level, 2)))
    return {
        "sales_revenue": str(150 + 800 * q),
        "value_added_growth": str(3 + 8 * q),
        "leading_industry_share": str(45 + 30 * q),
        "output_per_land": str(3000 + 4000 * q),
        "rd_intensity": str(Decimal("1.5") + 3 * q),
        "invention_patents": str(1 + 4 * q),
        "digital_tools_share": str(55 + 40 * q),
        "energy_intensity": str(Decimal("0.9") - q / 2),
    }


def marks(base: TitledBase, year: int) -> dict[str, str]:
    mark = str(round(100 * yearly(base, year), 2))
    return {
        "base_id": base.base_id,
        "qualitative": mark,
        "innovation": mark,
        "green": mark,
        "digital": mark,
    }


async def _round(desk: Desk, bases: list[TitledBase], story: Story, year: int) -> None:
    round_id = f"NIID-EVAL-{year}"
    body = {
        "round_id": round_id,
        "programme": "NIID",
        "evaluation_year": year,
        "notice": {"title": f"关于开展{year}年度国家新型工业化产业示范基地发展质量评价工作的通知"},
        "deadlines": [
            {"level": "province", "due": f"{year + 1}-03-15"},
            {"level": "ministry", "due": f"{year + 1}-03-31"},
        ],
        "non_filer_rule": "one_star",
        "star_mapping": STAR_MAPPING,
        "weights": WEIGHTS,
    }
    await caught_up(desk.nats_url, "evaluation")  # it knows every title and revocation so far
    await caught_up(desk.nats_url, "registry")
    story.revoked |= await revoked_bases()  # including those the results themselves revoked
    await desk.send("OpenEvaluationRound", body, f"{year + 1}-01-10", what=round_id)
    for base in bases:
        if base.base_id in story.revoked or base.base_id == story.silent.get(year):
            continue
        await _materials(desk, round_id, base, year)
    silent = story.silent.get(year)  # filed nothing: rated by the round's rule, without marks
    rated = [b for b in bases if b.base_id not in story.revoked and b.base_id != silent]
    await desk.send(
        "RateRound",
        {
            "round_id": round_id,
            "notice": {"title": f"{year}年度示范基地发展质量评价结果"},
            "five_star_notice": {"title": f"{year}年度五星级示范基地名单"},
            "assessments": [marks(b, year) for b in rated],
        },
        f"{year + 1}-04-20",
        what=f"{round_id}: {len(rated)} bases",
    )


async def _materials(desk: Desk, round_id: str, base: TitledBase, year: int) -> None:
    report = {"sections": [{"heading": "年度发展情况", "text": f"{base.name}{year}年度发展报告"}]}
    level = yearly(base, year)
    await desk.send(
        "FileAnnualMaterials",
        {
            "round_id": round_id,
            "base_id": base.base_id,
            "report_form": figures(level),
            "development_report": report,
        },
        f"{year + 1}-03-01",
        province=base.province,
        what=base.name,
        quiet=True,
    )
    await desk.send(
        "ReviewAnnualMaterials",
        {"round_id": round_id, "base_id": base.base_id, "outcome": "forward"},
        f"{year + 1}-03-20",
        province=base.province,
        what=base.name,
        quiet=True,
    )


@dataclass
class Story:
    """Which bases the years single out, and what happens to them between rounds."""

    weak: TitledBase
    polluter: TitledBase
    inspected: TitledBase
    fraudster: TitledBase
    renamed: TitledBase
    excellent: TitledBase
    revoked: set[str]
    silent: dict[int, str]

    @classmethod
    def of(cls, bases: list[TitledBase]) -> Story:
        by_quality = sorted(bases, key=lambda b: (b.quality, b.base_id))
        weak = by_quality[0]
        weak.quality = WEAKEST  # ranked last, two years running
        named = {b.name: b for b in bases}
        return cls(
            weak=weak,
            polluter=by_quality[len(bases) // 3],
            inspected=by_quality[len(bases) // 2],
            fraudster=by_quality[len(bases) // 4],
            renamed=named.get("长沙经济技术开发区", by_quality[-2]),
            excellent=by_quality[-1],
            revoked=set(),
            silent={2028: by_quality[len(bases) * 2 // 3].base_id},
        )

    async def between_rounds(self, desk: Desk, year: int) -> None:
        if year == 2027:
            await self._first_year(desk)
        elif year == 2028:
            await self._open_batch_12(desk)

    async def _first_year(self, desk: Desk) -> None:
        b = self.polluter
        await desk.send(
            "ReportIncident",
            {
                "base_id": b.base_id,
                "incident_id": "ENV-2028-017",
                "kind": "environmental",
                "grade": "Ⅱ级",
                "happened_on": "2028-07-15",
                "description": f"{b.name}内企业发生较大突发环境事件",
            },
            "2028-07-20",
            province=b.province,
            what=f"{b.name} Ⅱ级",
        )
        i = self.inspected
        await desk.send(
            "RecordInspectionFinding",
            {
                "base_id": i.base_id,
                "finding_id": "INSP-2028-03",
                "inspection": "中央生态环境保护督察",
                "area": "生态环保",
                "description": "园区污水集中处理设施未按期建成",
                "rectify_by": "2028-10-31",
            },
            "2028-06-10",
            what=i.name,
        )
        await caught_up(desk.nats_url, "evaluation")  # the finding has reached it from the log
        await desk.send("CheckRectificationDeadlines", {}, "2028-11-01", what="due deadlines")
        f = self.fraudster
        await desk.send(
            "ReportFraud",
            {
                "base_id": f.base_id,
                "description": "申报和年度评价材料中统计数据弄虚作假",
                "evidence": [{"title": "核查报告"}],
            },
            "2028-09-05",
            what=f"{f.name} (弄虚作假)",
        )
        r = self.renamed
        await desk.send(
            "RequestRename",
            {
                "base_id": r.base_id,
                "new_title": "国家新型工业化产业示范基地（装备制造(工程机械)·长沙经开区）",
                "cause": "开发区名称变更",
                "leading_industry_changed": False,
                "boundaries_changed": False,
                "request": {"title": "更名申请"},
            },
            "2028-05-10",
            province=r.province,
            what=r.name,
        )
        await desk.send(
            "DecideRename",
            {"base_id": r.base_id, "approved": True, "decision": {"title": "同意更名的复函"}},
            "2028-06-01",
            what=r.name,
        )
        e = self.excellent
        await desk.send(
            "RequestRename",
            {
                "base_id": e.base_id,
                "new_title": f"{e.name}（扩区）",
                "cause": "开发区范围变更",
                "leading_industry_changed": False,
                "boundaries_changed": True,
                "request": {"title": "更名申请"},
            },
            "2028-05-12",
            province=e.province,
            what=f"{e.name} (四至 changed)",
            expect=False,
        )
        await desk.send(
            "ChangeTier",
            {"base_id": e.base_id, "to_tier": "卓越提升计划", "reason": "连续两年五星级"},
            "2028-06-15",
            what=e.name,
        )
        await desk.send(
            "FileActionPlan",
            {
                "base_id": e.base_id,
                "first_year": 2028,
                "plan": {"title": f"{e.name}发展提升三年行动计划（2028—2030年）"},
            },
            "2028-05-20",
            province=e.province,
            what=e.name,
        )

    async def _open_batch_12(self, desk: Desk) -> None:
        """The fraud's province is suspended from the next batch: its recommendation is refused."""
        batch = {
            "batch_id": "NIID-12",
            "programme": "NIID",
            "number": 12,
            "title": "第十二批国家新型工业化产业示范基地申报",
            "notice": {"title": "关于组织开展第十二批国家新型工业化产业示范基地申报工作的通知"},
            "domains": ["装备工业", "原材料工业", "信息产业"],
            "categories": ["park"],
            "deadlines": [{"level": "ministry", "due": "2029-07-31"}],
        }
        await desk.send("OpenBatch", batch, "2029-05-06", what="NIID-12")
        province = self.fraudster.province
        applicant = niid_park("长沙经济技术开发区", "装备工业", "长沙市", quality=0.8)
        body = {**applicant.body("NIID-12"), "name": f"{province}新申报园区"}
        decision = await desk.send(
            "SubmitApplication", body, "2029-06-10", province=province, what=body["name"]
        )
        await desk.send(
            "RecommendApplication",
            {"application_id": str(decision.subject_id), "recommendation": {"title": "推荐文件"}},
            "2029-07-20",
            province=province,
            what=f"{body['name']} (suspended province)",
            expect=False,
        )
