"""The selection half of the demo: NIID batch 11 and the first EIDB batch, from call to title.

What happens, and which rule it shows:
- the ministry loads the zone catalogue and opens both batches (R-DEADLINES are data of each);
- Guangdong and Fujian forward the EIDB call with their cities' deadlines, Fujian with its
  city quotas (R-QUOTAS); a Guangdong application after 2026-03-30 is refused (R-DEADLINES);
- 福州 puts forward a third park and is refused over its quota of two (R-QUOTAS);
- a late provincial recommendation is refused (R-DEADLINES); a conflicted expert is refused from
  a panel (回避, R-PROCEDURE);
- experts score, the ministry decides the proposed list (R-PRIORITY as the tie-break);
- the NIID list is publicised on 2026-09-28 for 5 working days (R-PUBLICITY, National Day
  counted right); one objection is upheld, one dismissed; the close awards titles (R-TITLE-NAME);
- the EIDB list is publicised on 2026-06-15; its awardees are bases under creation
  (R-CREATION-PERIOD).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from demobase.demo.desk import Desk
from demobase.demo.people import EXPERTS, Applicant, niid_park, panel_for, scores
from services.submission.data.zones import SAMPLE_PATH
from shared.contract.provinces import MINISTRY

BATCHES = Path(__file__).parents[2] / "examples" / "batches"
DOCUMENT = {"title": "推荐文件"}
NIID_BATCH = "NIID-11"
EIDB_BATCH = "EIDB-2026-1"

NIID_APPLICANTS = (
    niid_park("长沙经济技术开发区", "装备工业", "长沙市", quality=0.90),
    niid_park(
        "湖南株洲高新技术产业开发区",
        "装备工业",
        "株洲市",
        zone="株洲高新技术产业开发区",
        quality=0.86,
    ),
    niid_park("武汉东湖新技术开发区", "信息产业", "武汉市", quality=0.88),
    niid_park("青岛经济技术开发区", "装备工业", "青岛市", quality=0.84),
    niid_park(
        "江苏江阴高新技术产业开发区",
        "原材料工业",
        "无锡市",
        zone="江阴高新技术产业开发区",
        quality=0.80,
    ),
    niid_park("武汉经济技术开发区", "装备工业", "武汉市", quality=0.82),
)
NIID_LATE = "武汉经济技术开发区"
"""Hubei recommends this one after the ministry's deadline."""


def eidb_park(name: str, province: str, city: str, zone: str, quality: float) -> Applicant:
    return Applicant(
        key=name,
        programme="EIDB",
        category="park",
        name=name,
        applicant=f"{zone}管理委员会",
        province=province,
        city=city,
        domain="新型储能制造",
        zone=zone,
        quality=quality,
    )


def eidb_firm(name: str, province: str, city: str, quality: float) -> Applicant:
    return Applicant(
        key=name,
        programme="EIDB",
        category="enterprise",
        name=name,
        applicant=name,
        province=province,
        city=city,
        domain="新型储能制造",
        quality=quality,
    )


EIDB_APPLICANTS = (
    eidb_park("广州开发区新型储能产业园", "440000", "广州市", "广州经济技术开发区", 0.87),
    eidb_firm("广州储能系统集成有限公司", "440000", "广州市", 0.78),
    eidb_park("福州经开区储能装备产业园", "350000", "福州市", "福州经济技术开发区", 0.85),
    eidb_park("福州马尾储能材料产业园", "350000", "福州市", "福州经济技术开发区", 0.79),
    eidb_park("福州长乐储能应用产业园", "350000", "福州市", "福州经济技术开发区", 0.74),
    eidb_firm("福州新型储能装备有限公司", "350000", "福州市", 0.83),
    eidb_firm("宁德储能电池科技有限公司", "350000", "宁德市", 0.91),
)
OVER_QUOTA = "福州长乐储能应用产业园"
"""福州's third park: Fujian lets 福州 put forward two."""


async def play(desk: Desk) -> dict[str, str]:
    """Play both batches; return each application's id by its applicant's key."""
    ids: dict[str, str] = {}
    await desk.send(
        "LoadZoneCatalogue",
        {"edition": "样例（非正式目录）", "csv_text": SAMPLE_PATH.read_text(encoding="utf-8")},
        "2026-01-05",
        what="开发区目录（样例）",
    )
    await _eidb(desk, ids)
    await _niid(desk, ids)
    return ids


async def _open(desk: Desk, name: str, day: str) -> None:
    body = yaml.safe_load((BATCHES / name).read_text(encoding="utf-8"))
    province = body.pop("province", None)
    command = "ForwardBatch" if province else "OpenBatch"
    code = {"广东省": "440000", "福建省": "350000"}.get(province or "", MINISTRY)
    await desk.send(command, body, day, province=code, what=body["batch_id"])


async def _eidb(desk: Desk, ids: dict[str, str]) -> None:
    await _open(desk, "eidb-2026-1.yaml", "2026-02-20")
    await _open(desk, "eidb-2026-1-guangdong.yaml", "2026-02-26")
    await _open(desk, "eidb-2026-1-fujian.yaml", "2026-02-27")
    for applicant in EIDB_APPLICANTS:
        ids[applicant.key] = await _submit(desk, applicant, EIDB_BATCH, "2026-03-16")
    # R-FRAUD (002/003 三(一) 一经发现取消申报资格): 厦门 finds its R&D figures invented.
    fraud = eidb_firm("厦门恒储新材料有限公司", "350000", "厦门市", 0.9)
    await desk.send(
        "DisqualifyApplication",
        {
            "application_id": await _submit(desk, fraud, EIDB_BATCH, "2026-03-16"),
            "stage": "city",
            "finding": "研发投入数据与税务申报不符，弄虚作假",
            "evidence": [{"title": "厦门市工业和信息化局核查情况说明"}],
        },
        "2026-03-25",
        province=fraud.province,
        actor="city:厦门市",
        what=f"{fraud.name} (R-FRAUD)",
    )
    late = eidb_firm("珠海储能变流器有限公司", "440000", "珠海市", 0.8)
    await desk.send(
        "SubmitApplication",
        late.body(EIDB_BATCH),
        "2026-03-31",
        province=late.province,
        what=late.name,
        expect=False,
    )
    rank: dict[str, int] = {}
    for applicant in EIDB_APPLICANTS:
        day = "2026-03-27" if applicant.province == "440000" else "2026-04-02"
        rank[applicant.city] = rank.get(applicant.city, 0) + 1
        await desk.send(
            "ReviewByCity",
            {
                "application_id": ids[applicant.key],
                "city": applicant.city,
                "rank": rank[applicant.city],
            },
            day,
            province=applicant.province,
            actor=f"city:{applicant.city}",
            what=applicant.name,
            expect=applicant.key != OVER_QUOTA,
        )
    for applicant in EIDB_APPLICANTS:
        if applicant.key != OVER_QUOTA:
            await _recommend(desk, ids, applicant, "2026-04-08")
    await _review(
        desk,
        ids,
        [a for a in EIDB_APPLICANTS if a.key != OVER_QUOTA],
        EIDB_BATCH,
        propose=4,
        panel_day="2026-05-11",
        decide_day="2026-06-05",
    )
    publicity = await _publicise(desk, EIDB_BATCH, "2026-06-15")
    await _consult(desk, publicity, "2026-06-17")
    await desk.send(
        "ClosePublicity",
        {
            "publicity_id": publicity,
            "announcement": {
                "title": "国家新兴产业发展示范基地创建对象名单",
                "number": "工信部规函〔2026〕EIDB号",
            },
        },
        "2026-06-24",
        what=publicity,
    )


async def _niid(desk: Desk, ids: dict[str, str]) -> None:
    batch = {
        "batch_id": NIID_BATCH,
        "programme": "NIID",
        "number": 11,
        "title": "第十一批国家新型工业化产业示范基地申报",
        "notice": {"title": "关于组织开展第十一批国家新型工业化产业示范基地申报工作的通知"},
        "domains": [
            "装备工业",
            "原材料工业",
            "消费品工业",
            "信息产业",
            "高技术转化应用",
            "产业转移合作",
            "新产业新业态",
        ],
        "categories": ["park"],
        "deadlines": [{"level": "ministry", "due": "2026-07-31"}],
    }
    await desk.send("OpenBatch", batch, "2026-05-06", what=NIID_BATCH)
    for applicant in NIID_APPLICANTS:
        ids[applicant.key] = await _submit(desk, applicant, NIID_BATCH, "2026-06-15")
    for applicant in NIID_APPLICANTS:
        late = applicant.key == NIID_LATE
        await _recommend(
            desk, ids, applicant, "2026-08-03" if late else "2026-07-24", expect=not late
        )
    on_time = [a for a in NIID_APPLICANTS if a.key != NIID_LATE]
    changsha = on_time[0]
    conflicted = [e.as_member() for e in EXPERTS if e.province == changsha.province]
    conflicted += [e.as_member() for e in panel_for(changsha)[:2]]
    await desk.send(
        "FormPanel",
        {"application_id": ids[changsha.key], "experts": conflicted},
        "2026-08-20",
        what=f"{changsha.name} (with a 湖南 expert)",
        expect=False,
    )
    await _review(
        desk, ids, on_time, NIID_BATCH, propose=4, panel_day="2026-08-20", decide_day="2026-09-18"
    )
    publicity = await _publicise(desk, NIID_BATCH, "2026-09-28")
    upheld = await _object(
        desk,
        publicity,
        ids["湖南株洲高新技术产业开发区"],
        "2026-09-30",
        "举报：申报材料中研发投入强度数据与统计年鉴不符",
    )
    dismissed = await _object(
        desk, publicity, ids["武汉东湖新技术开发区"], "2026-10-08", "反映：园区边界与申报材料不一致"
    )
    await _consult(desk, publicity, "2026-10-09")
    await desk.send(
        "ClosePublicity",
        {"publicity_id": publicity},
        "2026-10-09",
        what="before the window ends",
        expect=False,
    )
    await _resolve(
        desk, publicity, upheld, "upheld", "经核实，统计数据有误，不予认定", "2026-10-09"
    )
    await _resolve(
        desk, publicity, dismissed, "dismissed", "经核实，四至范围与目录一致", "2026-10-09"
    )
    await desk.send(
        "ClosePublicity",
        {
            "publicity_id": publicity,
            "announcement": {"title": "第十一批国家新型工业化产业示范基地名单"},
        },
        "2026-10-12",
        what=publicity,
    )


async def _submit(desk: Desk, applicant: Applicant, batch_id: str, day: str) -> str:
    decision = await desk.send(
        "SubmitApplication",
        applicant.body(batch_id),
        day,
        province=applicant.province,
        what=applicant.name,
    )
    return str(decision.subject_id)


async def _recommend(
    desk: Desk, ids: dict[str, str], applicant: Applicant, day: str, expect: bool = True
) -> None:
    await desk.send(
        "RecommendApplication",
        {"application_id": ids[applicant.key], "recommendation": DOCUMENT},
        day,
        province=applicant.province,
        what=applicant.name,
        expect=expect,
    )


async def _review(
    desk: Desk,
    ids: dict[str, str],
    applicants: list[Applicant],
    batch_id: str,
    *,
    propose: int,
    panel_day: str,
    decide_day: str,
) -> None:
    for applicant in applicants:
        panel = panel_for(applicant)
        await desk.send(
            "FormPanel",
            {"application_id": ids[applicant.key], "experts": [e.as_member() for e in panel]},
            panel_day,
            what=applicant.name,
        )
        for expert in panel:
            await desk.send(
                "ScoreApplication",
                {
                    "application_id": ids[applicant.key],
                    "expert_id": expert.expert_id,
                    "sections": scores(applicant, expert),
                },
                panel_day,
                actor=f"expert:{expert.expert_id}",
                what=f"{applicant.name} by {expert.expert_id}",
            )
    await desk.send(
        "DecideProposedList",
        {"batch_id": batch_id, "propose": propose},
        decide_day,
        what=f"{batch_id}: propose {propose}",
    )


async def _publicise(desk: Desk, batch_id: str, day: str) -> str:
    decision = await desk.send(
        "OpenPublicity",
        {"batch_id": batch_id, "notice": {"title": f"{batch_id}拟认定名单公示"}},
        day,
        what=batch_id,
    )
    return str(decision.subject_id)


async def _object(desk: Desk, publicity: str, application_id: str, day: str, grounds: str) -> str:
    decision = await desk.send(
        "FileObjection",
        {
            "publicity_id": publicity,
            "application_id": application_id,
            "source": "public",
            "grounds": grounds,
        },
        day,
        what=application_id,
    )
    return str(decision.subject_id)


async def _resolve(
    desk: Desk, publicity: str, objection: str, outcome: str, reasoning: str, day: str
) -> None:
    await desk.send(
        "ResolveObjection",
        {
            "publicity_id": publicity,
            "objection_id": objection,
            "outcome": outcome,
            "reasoning": reasoning,
        },
        day,
        what=f"{objection} {outcome}",
    )


async def _consult(desk: Desk, publicity: str, day: str) -> None:
    for ministry in ("财政部", "生态环境部", "商务部"):
        await desk.send(
            "RecordConsultation",
            {"publicity_id": publicity, "ministry": ministry, "opinion": "no_objection"},
            day,
            what=ministry,
        )
