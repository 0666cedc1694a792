"""Selection rules the seeds state, through the intake over a real nats-server (issue 13).

Each test names its rule; each refusal names the rule, the field and what it conflicts with.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from stdnum.cn import uscc as gb32100

from demobase.client import intake_message
from demobase.clock import ClockedDesk
from services.evaluation.bootstrap import build as build_evaluation
from services.evaluation.config import EvaluationSettings
from services.evaluation.domain import Base as EvaluationBase
from services.review.domain import Candidate, ProgrammeCalls
from services.submission.bootstrap import build as build_submission
from services.submission.domain import Batch, ProvinceSuspensions
from shared.bus.runtime import ServiceRuntime
from shared.bus.server import EmbeddedNats
from shared.config import Settings
from shared.contract.commands import IntakeDecision
from shared.contract.envelope import Envelope
from shared.contract.provinces import MINISTRY
from tests.e2e.test_evaluation_life import FixedClock
from tests.e2e.test_review_selection import review_service
from tests.e2e.test_selection_submission import BATCHES, FUJIAN, HUNAN, Desk, rules
from tests.e2e.test_submission_path import log_events, registry_runtime
from tests.support import at, load_catalogue, park_application, running, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def platform(nats_server: EmbeddedNats, sqlite_settings: Settings) -> tuple[Any, ...]:
    settings = sqlite_settings.model_copy(update={"nats_url": nats_server.url})
    return build_submission(settings), registry_runtime(settings, nats_server.url)


async def test_r_thresholds_a_data_centre_below_200_mbps_per_rack_is_accepted_for_the_experts(
    nats_server: EmbeddedNats, platform: tuple[Any, ...]
) -> None:
    """R-THRESHOLDS: 001 附件 puts 200 Mbps per rack inside 特色指标 21 (安全可靠、网络及服务能力),
    typed 定性: a data-centre base at 150 Mbps is received for the experts to weigh."""
    desk = Desk(nats_server.url)
    body = park_application(domain="信息产业")
    body["form"] = {
        **body["form"], "demonstration_content": "数据中心",
        "data_centre": {"design_racks": 3200, "build": "全部建成投产", "it_load_pct": 55,
                        "annual_pue": 1.25, "bandwidth_mbps_per_rack": 150,
                        "green_certified": True},
    }  # fmt: skip
    async with running(*platform):
        await load_catalogue(nats_server.url)
        decision = await desk.send("SubmitApplication", body, HUNAN, "2026-03-20")
    assert decision.accepted and decision.recorded == "ApplicationSubmitted", decision
    assert rules(decision) == []


async def test_r_materials_an_application_with_an_empty_evidence_list_is_rejected_on_the_log(
    nats_server: EmbeddedNats, platform: tuple[Any, ...]
) -> None:
    """R-MATERIALS (001 第十条(三) 有关说明或证明材料; 002/003 附件2/3 三、附件清单): an NIID park
    and an EIDB enterprise listing no supporting evidence are rejected, naming the field."""
    desk = Desk(nats_server.url)
    niid = park_application()
    niid["form"] = {**niid["form"], "attachments": []}
    eidb = park_application(programme="EIDB", category="enterprise", name="福州储能装备公司",
                            city="福州市", domain="新型储能制造", batch_id="EIDB-2026-1",
                            uscc="91350100MA2XN0QJ14")  # fmt: skip
    eidb["form"] = {k: v for k, v in eidb["form"].items() if k != "attachments"}
    async with running(*platform):
        await desk.open_eidb_batch()
        decisions = [await desk.send("SubmitApplication", niid, HUNAN, "2026-03-20"),
                     await desk.send("SubmitApplication", eidb, FUJIAN, "2026-03-20")]  # fmt: skip
        rejected = await wait_until(lambda: _logged(nats_server.url, "ApplicationRejected", 2))
    for decision in decisions:
        assert not decision.accepted and decision.recorded == "ApplicationRejected"
        [problem] = decision.problems
        assert (problem.rule_id, problem.field) == ("R-MATERIALS", "form.attachments")
        assert problem.given == "none listed"
    assert [e.payload.model_dump()["reasons"][0]["field"] for e in rejected] == [
        "form.attachments", "form.attachments",
    ]  # fmt: skip


async def _logged(url: str, event_type: str, count: int = 1) -> list[Envelope] | None:
    """The events of ``event_type`` on the log once there are ``count`` of them."""
    found = [e for e in await log_events(url) if e.event_type == event_type]
    return found if len(found) >= count else None


def eidb_batch(**changes: Any) -> dict[str, Any]:
    """The first EIDB batch as the ministry opens it (examples/batches), with ``changes``."""
    body = yaml.safe_load((BATCHES / "eidb-2026-1.yaml").read_text(encoding="utf-8"))
    return {**body, **changes}


async def open_batch(desk: Desk, **changes: Any) -> None:
    """The ministry opens the first EIDB batch with ``changes``; Fujian forwards it."""
    await load_catalogue(desk.url)
    opened = await desk.send("OpenBatch", eidb_batch(**changes), MINISTRY, "2026-02-20")
    assert opened.accepted, opened
    body = yaml.safe_load((BATCHES / "eidb-2026-1-fujian.yaml").read_text(encoding="utf-8"))
    body.pop("province")
    assert (await desk.send("ForwardBatch", body, FUJIAN, "2026-02-27")).accepted


CONDITIONS = {
    "verified": True, "source": "创建基本条件（测试批次）",
    "park": {"smart_factory_share_pct": "20"},
}  # fmt: skip
"""A batch's 创建基本条件: 智能工厂占比 ≥ 20 % for parks (the example park has 14.06 %)."""


async def test_r_no_smart_factory_the_batchs_basic_conditions_are_checked_on_arrival(
    nats_server: EmbeddedNats, platform: tuple[Any, ...]
) -> None:
    """R-THRESHOLDS, R-NO-SMART-FACTORY (003 四(二)): the ministry opens the batch with its
    创建基本条件 (on the log in BatchOpened); a 新型储能制造 park below 智能工厂占比 is rejected
    naming the figure, the same park in 软件 is not assessed on it and is received."""
    desk = Desk(nats_server.url)
    async with running(*platform):
        await open_batch(desk, conditions=CONDITIONS)
        storage, software = [
            await desk.send("SubmitApplication", park_application(
                programme="EIDB", name=f"厦门{domain}园", city="厦门市", domain=domain,
                batch_id="EIDB-2026-1"), FUJIAN, "2026-03-20")
            for domain in ("新型储能制造", "软件")
        ]  # fmt: skip
        [opened] = await wait_until(lambda: _logged(nats_server.url, "BatchOpened"))
    assert not storage.accepted and storage.recorded == "ApplicationRejected"
    assert [(p.rule_id, p.field, p.required, p.given) for p in storage.problems] == [
        ("R-THRESHOLDS", "smart_factory_share_pct", "≥ 20", "14.0625")
    ]
    assert software.accepted and software.recorded == "ApplicationSubmitted", software
    conditions = opened.payload.model_dump(mode="json")["conditions"]
    assert conditions["park"] == {"smart_factory_share_pct": "20"} and conditions["verified"]


async def test_r_thresholds_conditions_no_form_can_be_held_to_refuse_the_batch(
    nats_server: EmbeddedNats, platform: tuple[Any, ...]
) -> None:
    """R-THRESHOLDS: a minimum on a weighted count without the batch's own weights, or
    conditions for an NIID batch, refuse the OpenBatch naming the field; nothing is opened."""
    desk = Desk(nats_server.url)
    weighted = {**CONDITIONS, "park": {"patents": "30"}}
    niid = {"batch_id": "NIID-11", "programme": "NIID", "number": 11, "title": "第十一批",
            "notice": {"title": "通知"}, "domains": ["装备工业"], "categories": ["park"],
            "deadlines": [{"level": "ministry", "due": "2026-06-30"}],
            "conditions": CONDITIONS}  # fmt: skip
    async with running(*platform):
        unweighted = await desk.send("OpenBatch", eidb_batch(conditions=weighted), MINISTRY,
                                     "2026-02-20")  # fmt: skip
        for_niid = await desk.send("OpenBatch", niid, MINISTRY, "2026-02-20")
    assert not unweighted.accepted and unweighted.recorded is None
    assert [(p.rule_id, p.field) for p in unweighted.problems] == [("R-THRESHOLDS", "conditions")]
    assert "weighted count patents" in unweighted.problems[0].reason
    assert not for_niid.accepted and "创建基本条件 are EIDB's" in str(for_niid.problems[0])
    assert [e for e in await log_events(nats_server.url) if e.event_type == "BatchOpened"] == []


FIRM_USCC = "91350100MA2XN0QJ14"
OTHER_USCC = "91350100MA2YY0QJK" + gb32100.calc_check_digit("91350100MA2YY0QJK")


def firm(domain: str, name: str = "福州储能装备公司") -> dict[str, Any]:
    """An EIDB enterprise application of Fujian (the example form) in ``domain``."""
    return park_application(programme="EIDB", category="enterprise", name=name, city="福州市",
                            domain=domain, batch_id="EIDB-2026-1", uscc=FIRM_USCC)  # fmt: skip


def park(domain: str, name: str = "福州储能产业园") -> dict[str, Any]:
    return park_application(programme="EIDB", name=name, city="福州市", domain=domain,
                            batch_id="EIDB-2026-1")  # fmt: skip


async def test_r_one_domain_a_second_domain_of_one_applicant_in_a_batch_needs_the_ministry(
    nats_server: EmbeddedNats, platform: tuple[Any, ...]
) -> None:
    """R-ONE-DOMAIN (002/003 四(一) 每个申报对象原则上限申报 1 个创建领域): the same enterprise
    (its 统一社会信用代码) and the same park applying again in another domain of the batch are
    rejected naming the first application; once the ministry records its exception
    (AllowSecondDomain, on the log as SecondDomainAllowed) the enterprise's second domain is
    received, and no province can record one."""
    desk = Desk(nats_server.url)
    allow = {"batch_id": "EIDB-2026-1", "province": FUJIAN, "category": "enterprise",
             "name": "福州储能装备公司", "uscc": FIRM_USCC, "domain": "软件",
             "reasoning": "储能管理软件与装备制造均居全国前列，部审定允许增报软件领域"}  # fmt: skip
    async with running(*platform):
        await desk.open_eidb_batch()
        first_firm = await desk.send(
            "SubmitApplication", firm("新型储能制造"), FUJIAN, "2026-03-16"
        )
        first_park = await desk.send(
            "SubmitApplication", park("新型储能制造"), FUJIAN, "2026-03-16"
        )
        second_firm = await desk.send("SubmitApplication", firm("软件", name="福州储能（软件）"),
                                      FUJIAN, "2026-03-17")  # fmt: skip
        second_park = await desk.send("SubmitApplication", park("人工智能", name="福州 储能产业园"),
                                      FUJIAN, "2026-03-17")  # fmt: skip
        by_province = await desk.send("AllowSecondDomain", allow, FUJIAN, "2026-03-18")
        allowed = await desk.send("AllowSecondDomain", allow, MINISTRY, "2026-03-18",
                                  actor="ministry:planning")  # fmt: skip
        again = await desk.send("SubmitApplication", firm("软件"), FUJIAN, "2026-03-19")
        third = await desk.send("SubmitApplication", firm("人工智能"), FUJIAN, "2026-03-19")
        [logged] = await wait_until(lambda: _logged(nats_server.url, "SecondDomainAllowed"))
    assert first_firm.accepted and first_park.accepted
    for refused, first in ((second_firm, first_firm), (second_park, first_park)):
        assert refused.recorded == "ApplicationRejected" and rules(refused) == ["R-ONE-DOMAIN"]
        [problem] = refused.problems
        assert problem.field == "domain" and f"earlier: {first.subject_id} in 新型储能制造" in str(
            problem.given
        )
    assert rules(by_province) == ["P-AUTHORITY"]
    assert allowed.accepted and allowed.recorded == "SecondDomainAllowed"
    assert again.accepted and again.recorded == "ApplicationSubmitted", again
    assert rules(third) == ["R-ONE-DOMAIN"] and str(again.subject_id) in str(third.problems[0])
    assert (logged.province, logged.subject_id) == (FUJIAN, "EIDB-2026-1")
    assert logged.payload.model_dump()["reasoning"].startswith("储能管理软件")


async def test_r_fraud_an_applicant_disqualified_in_the_call_is_rejected_under_any_new_id(
    nats_server: EmbeddedNats, platform: tuple[Any, ...]
) -> None:
    """R-FRAUD (002/003 三(一) 有弄虚作假行为的，一经发现取消申报资格): after 福州 disqualifies an
    enterprise, its next application in the batch (a new id, even another name) is rejected
    naming the finding and the disqualified application; another enterprise is not."""
    desk = Desk(nats_server.url)
    async with running(*platform):
        await desk.open_eidb_batch()
        first = await desk.send("SubmitApplication", firm("新型储能制造"), FUJIAN, "2026-03-16")
        disqualified = await desk.send("DisqualifyApplication", {
            "application_id": first.subject_id, "stage": "city", "finding": "专利证书伪造",
            "evidence": [{"title": "福州市工业和信息化局核查情况说明"}]}, FUJIAN, "2026-03-20",
            actor="city:福州市")  # fmt: skip
        again = await desk.send("SubmitApplication", firm("新型储能制造", name="福州储能新公司"),
                                FUJIAN, "2026-03-23")  # fmt: skip
        other = firm("新型储能制造", name="福州另一家公司")
        other["uscc"] = other["form"]["uscc"] = OTHER_USCC
        elsewhere = await desk.send("SubmitApplication", other, FUJIAN, "2026-03-23")
    assert disqualified.accepted and disqualified.recorded == "ApplicationRejected"
    assert not again.accepted and again.recorded == "ApplicationRejected"
    [problem] = again.problems
    assert (problem.rule_id, problem.field) == ("R-FRAUD", "uscc")
    assert problem.given == f"福州储能新公司 ({FIRM_USCC}): disqualified as {first.subject_id} " \
        "on 2026-03-20"  # fmt: skip
    assert "专利证书伪造" in problem.reason and "by the city" in problem.reason
    assert elsewhere.accepted, elsewhere


async def test_r_fraud_found_by_the_ministry_in_review_also_bars_the_applicant_from_the_call(
    nats_server: EmbeddedNats, sqlite_settings: Settings
) -> None:
    """R-FRAUD: the ministry's finding (DisqualifyCandidate → CandidateDisqualified on the log)
    takes away the applicant's right to apply in the call, as the city's or province's does."""
    settings = sqlite_settings.model_copy(update={"nats_url": nats_server.url})
    submission = build_submission(settings)
    review = review_service(settings, nats_server.url, at("2026-04-03"))
    desk = Desk(nats_server.url)
    async with running(submission, review):
        await desk.open_eidb_batch()
        first = await desk.send("SubmitApplication", firm("新型储能制造"), FUJIAN, "2026-03-16")
        application_id = str(first.subject_id)
        assert (await desk.city_review(FUJIAN, application_id, "福州市", "2026-04-01")).accepted
        assert (await desk.recommend(FUJIAN, application_id, "2026-04-02")).accepted
        await wait_until(lambda: _in_review(review, application_id))
        finding = {"application_id": application_id, "finding": "营业收入数据与税务申报不符",
                   "evidence": [{"title": "工业和信息化部核查报告"}]}  # fmt: skip
        decided = await ClockedDesk(nats_server.url).send("review", intake_message(
            "DisqualifyCandidate", finding, MINISTRY, "ministry", at("2026-04-03")))  # fmt: skip
        assert decided.accepted and decided.recorded == "CandidateDisqualified", decided
        await wait_until(lambda: _barred(submission, "EIDB-2026-1"))
        again = await desk.send("SubmitApplication", firm("新型储能制造"), FUJIAN, "2026-04-03")
    assert rules(again) == ["R-FRAUD"]
    assert f"disqualified as {application_id} on 2026-04-03" in str(again.problems[0].given)
    assert "by the ministry" in again.problems[0].reason


def _in_review(review: ServiceRuntime, application_id: str) -> bool:
    """The review service holds the recommended candidate (it read the recommendation)."""
    assert review.app is not None
    candidate = review.app.find(Candidate.create_id(application_id))
    return candidate is not None and candidate.status == "recommended"


def _barred(submission: ServiceRuntime, batch_id: str) -> bool:
    """The submission service recorded a disqualification in the batch (it read the finding)."""
    assert submission.app is not None
    batch = submission.app.find(Batch.create_id(batch_id))
    return batch is not None and bool(batch.disqualified)


# --- batches before the platform (ADR 15) ------------------------------------------------------

IMPORTED = {
    "programme": "NIID", "batch_number": 8, "province": HUNAN, "name": "湘潭经济技术开发区",
    "showcase": "装备制造(能源装备)", "announced_on": "2018-02-24",
    "announcement": {"title": "第八批国家新型工业化产业示范基地名单"},
}  # fmt: skip
"""A title of NIID batch 8, as the ministry takes it over (ImportTitle, ADR 8)."""

NIID_11 = {
    "batch_id": "NIID-11", "programme": "NIID", "number": 11, "title": "第十一批",
    "notice": {"title": "关于组织开展第十一批国家新型工业化产业示范基地申报工作的通知"},
    "domains": ["装备工业"], "categories": ["park"],
    "deadlines": [{"level": "ministry", "due": "2026-07-31"}],
}  # fmt: skip


async def import_title(url: str, body: dict[str, Any], day: str = "2026-01-12") -> IntakeDecision:
    message = intake_message("ImportTitle", body, MINISTRY, "ministry", at(day))
    return await ClockedDesk(url).send("review", message)


async def test_r_procedure_no_eidb_title_is_taken_over_and_review_keeps_running(
    nats_server: EmbeddedNats, sqlite_settings: Settings
) -> None:
    """R-PROCEDURE (ADR 15): EIDB's first batch is the 2026 call (002: 第一批), so an ImportTitle of
    an "earlier EIDB batch" is refused naming the programme; nothing is recorded, so nothing the
    relay cannot publish: the review service goes on deciding, and starts again on its store."""
    settings = sqlite_settings.model_copy(update={"nats_url": nats_server.url})
    eidb = {**IMPORTED, "programme": "EIDB", "batch_number": 1, "name": "某某储能产业园",
            "showcase": "新型储能制造"}  # fmt: skip
    async with running(review_service(settings, nats_server.url, at("2026-01-12"))):
        refused = await import_title(nats_server.url, eidb)
        without_batch = await import_title(nats_server.url, {**eidb, "batch_number": None})
        taken_over = await import_title(nats_server.url, IMPORTED)
    async with running(review_service(settings, nats_server.url, at("2026-01-13"))) as (again,):
        still = await import_title(
            nats_server.url, {**IMPORTED, "name": "株洲高新区"}, "2026-01-13"
        )
        assert again.relay is not None
        awarded = await wait_until(lambda: _awarded(nats_server.url, 2))  # relayed before stop
    for decision in (refused, without_batch):
        assert not decision.accepted and decision.recorded is None
        assert [(p.rule_id, p.field, p.given) for p in decision.problems] == [
            ("R-PROCEDURE", "programme", "EIDB")
        ]
    assert taken_over.accepted and still.accepted
    assert [e.payload.model_dump()["programme"] for e in awarded] == ["NIID", "NIID"]


async def _awarded(url: str, count: int) -> list[Any] | None:
    found = [e for e in await log_events(url) if e.event_type == "TitleAwarded"]
    return found if len(found) >= count else None


async def test_r_procedure_a_title_of_a_batch_the_platform_runs_is_not_taken_over(
    nats_server: EmbeddedNats, sqlite_settings: Settings
) -> None:
    """R-PROCEDURE: with NIID-11 opened on the platform, an ImportTitle of NIID batch 11 would skip
    expert review and publicity: refused naming NIID-11; batch 10's title is taken over."""
    settings = sqlite_settings.model_copy(update={"nats_url": nats_server.url})
    review = review_service(settings, nats_server.url, at("2026-05-07"))
    desk = Desk(nats_server.url)
    async with running(build_submission(settings), review):
        assert (await desk.send("OpenBatch", NIID_11, MINISTRY, "2026-05-06")).accepted
        await wait_until(lambda: _called(review, "NIID", 11))
        of_11 = await import_title(nats_server.url, {**IMPORTED, "batch_number": 11}, "2026-05-07")
        of_10 = await import_title(nats_server.url, {**IMPORTED, "batch_number": 10}, "2026-05-07")
        history = await desk.send("OpenBatch", {**NIID_11, "batch_id": "NIID-10", "number": 10},
                                  MINISTRY, "2026-05-07")  # fmt: skip
    assert not of_11.accepted and of_11.recorded is None
    [problem] = of_11.problems
    assert (problem.rule_id, problem.field, problem.given) == ("R-PROCEDURE", "batch_number", "11")
    assert "NIID-11, called on the platform" in problem.reason
    assert of_10.accepted and of_10.recorded == "TitleAwarded"
    assert [(p.rule_id, p.field) for p in history.problems] == [("R-PROCEDURE", "number")]


async def test_r_suspended_province_fraud_before_any_platform_batch_suspends_niid_batch_11(
    nats_server: EmbeddedNats, sqlite_settings: Settings
) -> None:
    """R-SUSPENDED-PROVINCE (001 第二十五条 暂停所在省下一批的申报工作): fraud found on a base of
    batch 8 before the platform called any NIID batch suspends Hunan from batch 11, the next one
    the programme calls (batches 1–10 are history): its recommendation in NIID-11 is refused,
    naming the fraud, and Hubei's is not."""
    settings = sqlite_settings.model_copy(update={"nats_url": nats_server.url})
    submission = build_submission(settings)
    evaluation = build_evaluation(settings, EvaluationSettings(deadline_check_seconds=3600),
                                  clock=FixedClock())  # fmt: skip
    desk = Desk(nats_server.url)
    async with running(submission, review_service(settings, nats_server.url, at("2026-01-12")),
                       evaluation):  # fmt: skip
        imported = await import_title(nats_server.url, IMPORTED)
        base_id = str(imported.subject_id)
        assert evaluation.app is not None
        await wait_until(lambda: evaluation.app.find(EvaluationBase.create_id(base_id)))
        fraud = await ClockedDesk(nats_server.url).send("evaluation", intake_message(
            "ReportFraud", {"base_id": base_id, "description": "虚报年度营业收入",
                            "evidence": [{"title": "核查报告"}]},
            MINISTRY, "ministry", at("2026-02-02")))  # fmt: skip
        [suspended] = await wait_until(lambda: _logged(nats_server.url, "ProvinceSuspended"))
        await wait_until(lambda: _suspended(submission, HUNAN))
        await load_catalogue(nats_server.url, "2026-05-01")
        assert (await desk.send("OpenBatch", NIID_11, MINISTRY, "2026-05-06")).accepted
        hunan = await desk.send("SubmitApplication", park_application(batch_id="NIID-11"),
                                HUNAN, "2026-06-15")  # fmt: skip
        hubei = await desk.send("SubmitApplication", park_application(
            batch_id="NIID-11", name="武汉经济技术开发区", zone="武汉经济技术开发区",
            city="武汉市"), "420000", "2026-06-15")  # fmt: skip
        refused = await desk.recommend(HUNAN, str(hunan.subject_id), "2026-07-24")
        accepted = await desk.recommend("420000", str(hubei.subject_id), "2026-07-24")
    assert fraud.accepted and fraud.recorded == "FraudDetected"
    assert suspended.payload.model_dump()["batch_number"] == 11
    assert rules(refused) == ["R-SUSPENDED-PROVINCE"]
    assert "NIID-11" in refused.problems[0].reason and "R-FRAUD" in refused.problems[0].reason
    assert accepted.accepted, accepted


def _called(review: ServiceRuntime, programme: str, number: int) -> bool:
    """The review service has read that the platform called this batch."""
    assert review.app is not None
    calls = review.app.find(ProgrammeCalls.create_id(programme))
    return calls is not None and calls.batch_numbered(number) is not None


def _suspended(submission: ServiceRuntime, province: str) -> bool:
    """The submission service has recorded the province's suspension from a NIID batch."""
    assert submission.app is not None
    return submission.app.find(ProvinceSuspensions.create_id(province, "NIID")) is not None
