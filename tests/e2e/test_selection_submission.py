"""Selection in the submission service over a real nats-server: batches, city and provincial
review, deadlines, quotas and suspensions (RULES.md, "Selection")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from demobase.client import intake_message
from demobase.clock import ClockedDesk
from services.registry.bootstrap import build_registry
from services.registry.queries import find_entry
from services.submission.bootstrap import build as build_submission
from shared.bus.server import EmbeddedNats
from shared.config import Settings
from shared.contract.commands import IntakeDecision
from shared.contract.provinces import MINISTRY, province_code
from tests.e2e.test_submission_path import log_events, registry_runtime
from tests.support import at, load_catalogue, park_application, running, wait_until

pytestmark = pytest.mark.e2e
BATCHES = Path(__file__).parents[2] / "examples" / "batches"
FUJIAN, GUANGDONG, HUNAN = "350000", "440000", "430000"
DOCUMENT = {"title": "推荐函"}


class Desk:
    """The people at the ministry, the provinces and the cities, each sending commands."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.desk = ClockedDesk(url)  # each attempt on its business day (P-POSTMARK)

    async def send(self, command: str, body: dict[str, Any], province: str, day: str,
                   actor: str | None = None) -> IntakeDecision:  # fmt: skip
        message = intake_message(command, body, province, actor or f"province:{province}", at(day))
        return await self.desk.send("submission", message)

    async def open_eidb_batch(self) -> None:
        await load_catalogue(self.url)
        for name in ("eidb-2026-1.yaml", "eidb-2026-1-guangdong.yaml", "eidb-2026-1-fujian.yaml"):
            body = yaml.safe_load((BATCHES / name).read_text())
            province = province_code(body.pop("province")) if "province" in body else MINISTRY
            command = "ForwardBatch" if province != MINISTRY else "OpenBatch"
            decision = await self.send(command, body, province, "2026-02-20")
            assert decision.accepted, decision

    async def apply(self, province: str, city: str, name: str, category: str = "park",
                    day: str = "2026-03-20") -> str:  # fmt: skip
        body = park_application(programme="EIDB", category=category, name=name, city=city,
                                domain="新型储能制造", batch_id="EIDB-2026-1")  # fmt: skip
        if category == "enterprise":
            body["uscc"] = "91350100MA2XN0QJ14"
        decision = await self.send("SubmitApplication", body, province, day)
        assert decision.accepted, decision
        return str(decision.subject_id)

    async def city_review(self, province: str, application_id: str, city: str, day: str,
                          rank: int = 1) -> IntakeDecision:  # fmt: skip
        body = {"application_id": application_id, "city": city, "rank": rank}
        return await self.send("ReviewByCity", body, province, day, actor=f"city:{city}")

    async def recommend(self, province: str, application_id: str, day: str) -> IntakeDecision:
        body = {"application_id": application_id, "recommendation": DOCUMENT}
        return await self.send("RecommendApplication", body, province, day)


@pytest.fixture
def platform(nats_server: EmbeddedNats, sqlite_settings: Settings) -> tuple[Any, ...]:
    settings = sqlite_settings.model_copy(update={"nats_url": nats_server.url})
    return build_submission(settings), registry_runtime(settings, nats_server.url)


def rules(decision: IntakeDecision) -> list[str | None]:
    return [problem.rule_id for problem in decision.problems]


async def test_r_deadlines_a_city_review_after_the_provinces_deadline_is_refused_naming_it(
    nats_server: EmbeddedNats, platform: tuple[Any, ...]
) -> None:
    """R-DEADLINES: Guangdong's cities report to the province by 2026-03-30."""
    desk = Desk(nats_server.url)
    async with running(*platform):
        await desk.open_eidb_batch()
        on_time = await desk.apply(GUANGDONG, "广州市", "广州储能园")
        late = await desk.apply(GUANGDONG, "深圳市", "深圳储能园")
        accepted = await desk.city_review(GUANGDONG, on_time, "广州市", "2026-03-30")
        refused = await desk.city_review(GUANGDONG, late, "深圳市", "2026-03-31")
        late_to_ministry = await desk.recommend(GUANGDONG, on_time, "2026-04-11")
    assert accepted.accepted and accepted.recorded == "CityReviewCompleted"
    assert not refused.accepted and rules(refused) == ["R-DEADLINES"]
    assert refused.problems[0].required == "on or before 2026-03-30 (to the province)"
    assert refused.problems[0].given == "2026-03-31"
    assert rules(late_to_ministry) == ["R-DEADLINES"] and "2026-04-10" in str(
        late_to_ministry.problems[0]
    )


async def test_r_deadlines_an_application_after_its_first_deadline_is_refused(
    nats_server: EmbeddedNats, platform: tuple[Any, ...]
) -> None:
    """R-DEADLINES: an application arriving after the city→province deadline cannot make it."""
    desk = Desk(nats_server.url)
    async with running(*platform):
        await desk.open_eidb_batch()
        body = park_application(
            programme="EIDB", domain="软件", city="珠海市", batch_id="EIDB-2026-1"
        )
        late = await desk.send("SubmitApplication", body, GUANGDONG, "2026-03-31")
    assert not late.accepted and late.recorded is None and rules(late) == ["R-DEADLINES"]
    assert all(e.event_type != "ApplicationSubmitted" for e in await log_events(nats_server.url))


async def test_r_quotas_fuzhou_may_put_forward_two_parks_and_the_third_is_refused_with_the_count(
    nats_server: EmbeddedNats, platform: tuple[Any, ...]
) -> None:
    """R-QUOTAS: Fujian's first EIDB batch lets 福州 put forward 1–2 parks (quotas are data)."""
    desk = Desk(nats_server.url)
    async with running(*platform):
        await desk.open_eidb_batch()
        parks = [await desk.apply(FUJIAN, "福州市", f"福州园区{i}") for i in range(3)]
        decisions = [await desk.city_review(FUJIAN, p, "福州市", "2026-04-01", i + 1)
                     for i, p in enumerate(parks)]  # fmt: skip
        other_city = await desk.apply(FUJIAN, "莆田市", "莆田园区")
        elsewhere = await desk.city_review(FUJIAN, other_city, "莆田市", "2026-04-01")
    assert [d.accepted for d in decisions] == [True, True, False]
    [problem] = decisions[2].problems
    assert problem.rule_id == "R-QUOTAS"
    assert problem.required == "at most 2 park(s) from 福州市" and problem.given == "3 (already 2)"
    assert elsewhere.accepted  # other cities' parks are put forward on merit, without a cap


async def test_r_procedure_steps_are_taken_in_order_and_once(
    nats_server: EmbeddedNats, platform: tuple[Any, ...], sqlite_settings: Settings
) -> None:
    """R-PROCEDURE: no recommendation before the city review, none twice; P-AUTHORITY: none by
    another province."""
    desk = Desk(nats_server.url)
    async with running(*platform):
        await desk.open_eidb_batch()
        park = await desk.apply(FUJIAN, "厦门市", "厦门储能园")
        too_early = await desk.recommend(FUJIAN, park, "2026-04-05")
        await desk.city_review(FUJIAN, park, "厦门市", "2026-04-02")
        by_another = await desk.recommend(GUANGDONG, park, "2026-04-05")
        first = await desk.recommend(FUJIAN, park, "2026-04-05")
        second = await desk.recommend(FUJIAN, park, "2026-04-06")
        db = build_registry(sqlite_settings).db
        entry = await wait_until(
            lambda: (e := find_entry(db, park)) and e["status"] == "recommended" and e
        )
    assert rules(too_early) == ["R-PROCEDURE"] and "submitted" in str(too_early.problems[0])
    assert rules(by_another) == ["P-AUTHORITY"]
    assert by_another.problems[0].given == f"{park} of province {FUJIAN}"
    assert first.accepted and first.recorded == "ProvinciallyRecommended"
    assert rules(second) == ["R-PROCEDURE"]
    types = [line["event_type"] for line in entry["timeline"]]
    assert types == ["ApplicationSubmitted", "CityReviewCompleted", "ProvinciallyRecommended"]
    recommended = entry["timeline"][-1]["payload"]
    assert (recommended["serial_no"], recommended["dispatched_on"]) == (1, "2026-04-05")


async def test_r_suspended_province_a_suspended_province_cannot_recommend_in_the_batch(
    nats_server: EmbeddedNats, platform: tuple[Any, ...]
) -> None:
    """R-SUSPENDED-PROVINCE: a province suspended from a batch cannot recommend in it."""
    desk = Desk(nats_server.url)
    batch = {
        "batch_id": "NIID-11", "programme": "NIID", "number": 11, "title": "第十一批",
        "notice": DOCUMENT, "domains": ["装备工业"], "categories": ["park"],
        "deadlines": [{"level": "ministry", "due": "2026-06-30"}],
        "suspended_provinces": [HUNAN],
    }  # fmt: skip
    async with running(*platform):
        await load_catalogue(nats_server.url)
        assert (await desk.send("OpenBatch", batch, MINISTRY, "2026-05-01")).accepted
        hunan = await desk.send("SubmitApplication", park_application(batch_id="NIID-11"),
                                HUNAN, "2026-05-10")  # fmt: skip
        hubei = await desk.send("SubmitApplication", park_application(batch_id="NIID-11",
                                name="武汉经开区"), "420000", "2026-05-10")  # fmt: skip
        refused = await desk.recommend(HUNAN, str(hunan.subject_id), "2026-06-01")
        accepted = await desk.recommend("420000", str(hubei.subject_id), "2026-06-01")
    assert rules(refused) == ["R-SUSPENDED-PROVINCE"] and refused.problems[0].given == HUNAN
    assert accepted.accepted


async def test_a_province_rejects_an_application_with_its_reasons_on_the_log(
    nats_server: EmbeddedNats, platform: tuple[Any, ...]
) -> None:
    """R-PROCEDURE: the provincial preliminary review may turn an application down."""
    desk = Desk(nats_server.url)
    async with running(*platform):
        await desk.open_eidb_batch()
        park = await desk.apply(FUJIAN, "泉州市", "泉州储能园")
        decision = await desk.send("RejectApplication", {"application_id": park, "stage": "city",
                                   "reasons": ["材料不完整"]}, FUJIAN, "2026-04-01",
                                   actor="city:泉州市")  # fmt: skip
        rejected = await wait_until(lambda: _logged(nats_server.url, "ApplicationRejected"))
    assert decision.accepted and decision.recorded == "ApplicationRejected"
    assert rejected[0].payload.model_dump()["stage"] == "city"
    assert rejected[0].payload.model_dump()["reasons"][0]["message"] == "材料不完整"


async def test_r_fraud_found_during_eidb_selection_disqualifies_the_application(
    nats_server: EmbeddedNats, platform: tuple[Any, ...], sqlite_settings: Settings
) -> None:
    """R-FRAUD (002/003 三(一) 一经发现取消申报资格): fraud that the city or the province finds
    rejects the application on the log naming R-FRAUD, and nothing of it goes further."""
    from services.registry.selection import funnel

    desk = Desk(nats_server.url)
    evidence = [{"title": "厦门市统计局核查函"}]
    async with running(*platform):
        await desk.open_eidb_batch()
        park = await desk.apply(FUJIAN, "厦门市", "厦门储能园")
        firm = await desk.apply(FUJIAN, "厦门市", "厦门虚报科技有限公司", category="enterprise")
        await desk.city_review(FUJIAN, park, "厦门市", "2026-04-02")
        by_province = await desk.send("DisqualifyApplication", {
            "application_id": park, "stage": "province", "finding": "营业收入数据虚报",
            "evidence": evidence}, FUJIAN, "2026-04-06")  # fmt: skip
        by_city = await desk.send("DisqualifyApplication", {
            "application_id": firm, "stage": "city", "finding": "专利证书伪造",
            "evidence": evidence}, FUJIAN, "2026-04-01", actor="city:厦门市")  # fmt: skip
        then_recommended = await desk.recommend(FUJIAN, park, "2026-04-08")
        db = build_registry(sqlite_settings).db
        counts = await wait_until(
            lambda: (f := funnel(db, "EIDB-2026-1"))["disqualified"] == 2 and f
        )
        rejected = await wait_until(lambda: _logged(nats_server.url, "ApplicationRejected"))
    assert by_province.recorded == by_city.recorded == "ApplicationRejected"
    assert [(e.payload.model_dump()["stage"], e.payload.model_dump()["reasons"][0]["rule_id"])
            for e in rejected] == [("province", "R-FRAUD"), ("city", "R-FRAUD")]  # fmt: skip
    assert rejected[0].payload.model_dump()["reasons"][0]["given"] == "营业收入数据虚报"
    assert rules(then_recommended) == ["R-PROCEDURE"]
    assert (counts["rejected_by_city"], counts["rejected_by_province"], counts["recommended"]) == (
        0, 0, 0,
    )  # fmt: skip


async def test_r_summary_table_lists_a_provinces_recommendations_and_the_funnel_counts_them(
    nats_server: EmbeddedNats, platform: tuple[Any, ...], sqlite_settings: Settings
) -> None:
    """R-SUMMARY-TABLE: 附件1 (序号, 单位, 名称, 类别, 领域) from the log."""
    from services.registry.selection import funnel, quota_report, summary_table

    desk = Desk(nats_server.url)
    async with running(*platform):
        await desk.open_eidb_batch()
        park = await desk.apply(FUJIAN, "宁德市", "宁德锂电园")
        firm = await desk.apply(FUJIAN, "宁德市", "宁德储能科技有限公司", category="enterprise")
        dropped = await desk.apply(FUJIAN, "宁德市", "宁德另一园区")
        for rank, application in enumerate((park, firm), start=1):
            assert (
                await desk.city_review(FUJIAN, application, "宁德市", "2026-04-02", rank)
            ).accepted
            assert (await desk.recommend(FUJIAN, application, "2026-04-08")).accepted
        await desk.send("RejectApplication", {"application_id": dropped, "stage": "city",
                        "reasons": ["择优未推荐"]}, FUJIAN, "2026-04-02",
                        actor="city:宁德市")  # fmt: skip
        db = build_registry(sqlite_settings).db
        await wait_until(lambda: funnel(db, "EIDB-2026-1")["rejected_by_city"] == 1)
        table = summary_table(db, "EIDB-2026-1", FUJIAN)
        counts = funnel(db, "EIDB-2026-1")
        quotas = quota_report(db, "EIDB-2026-1")
    assert [(r["序号"], r["园区/企业名称"], r["申报类别"], r["申报创建领域"]) for r in table] == [
        (1, "宁德锂电园", "园区", "新型储能制造"),
        (2, "宁德储能科技有限公司", "企业", "新型储能制造"),
    ]
    assert (counts["submitted"], counts["city_reviewed"], counts["recommended"]) == (3, 2, 2)
    assert counts["rejected_by_city"] == 1
    assert {(q["category"], q["put_forward"], q["quota"]) for q in quotas} == {
        ("park", 1, "1–2"), ("enterprise", 1, "3–5"),
    }  # fmt: skip


async def test_r_suspended_province_a_suspension_on_the_log_refuses_the_next_batch(
    nats_server: EmbeddedNats, platform: tuple[Any, ...]
) -> None:
    """R-SUSPENDED-PROVINCE: a ProvinceSuspended fact (from R-FRAUD) is enforced in that batch."""
    from uuid import uuid4

    from shared.bus.connection import connect
    from shared.contract.envelope import new_envelope
    from shared.contract.events import ProvinceSuspended
    from shared.contract.events_common import EventRef

    fraud = EventRef(event_id=uuid4(), stream_sequence=1)
    suspended = ProvinceSuspended(province=HUNAN, programme="NIID", batch_number=12,
                                  reason="弄虚作假", causing_events=(fraud,))  # fmt: skip
    envelope = new_envelope(
        suspended, event_id=uuid4(), occurred_at=at("2026-04-20"), recorded_at=at("2026-04-20"),
        actor="ministry", province=HUNAN, subject_id=HUNAN, correlation_id=uuid4(),
    )  # fmt: skip
    batch = {
        "batch_id": "NIID-12", "programme": "NIID", "number": 12, "title": "第十二批",
        "notice": DOCUMENT, "domains": ["装备工业"], "categories": ["park"],
        "deadlines": [{"level": "ministry", "due": "2026-06-30"}],
    }  # fmt: skip
    desk = Desk(nats_server.url)
    async with running(*platform):
        nc = await connect(nats_server.url, "evaluation-stand-in")
        await nc.jetstream().publish(envelope.subject, envelope.to_json(),
                                     headers={"Nats-Msg-Id": str(envelope.event_id)})  # fmt: skip
        await nc.drain()
        submission = platform[0]
        await wait_until(lambda: submission.consumers[1].position >= 1)  # the fact has arrived
        await load_catalogue(nats_server.url)
        assert (await desk.send("OpenBatch", batch, MINISTRY, "2026-05-01")).accepted
        hunan = await desk.send("SubmitApplication", park_application(batch_id="NIID-12"),
                                HUNAN, "2026-05-10")  # fmt: skip
        refused = await desk.recommend(HUNAN, str(hunan.subject_id), "2026-06-01")
    assert rules(refused) == ["R-SUSPENDED-PROVINCE"]
    assert str(fraud.event_id) in refused.problems[0].reason


async def _logged(url: str, event_type: str) -> list[Any]:
    return [e for e in await log_events(url) if e.event_type == event_type]


async def test_r_eligible_enterprise_a_group_and_its_subsidiary_may_not_both_apply(
    nats_server: EmbeddedNats, platform: tuple[Any, ...]
) -> None:
    """R-ELIGIBLE-ENTERPRISE: the subsidiary applying after its group is rejected, naming both."""
    from stdnum.cn import uscc

    group = "91350100MA2XN0Q" + "JK" + uscc.calc_check_digit("91350100MA2XN0QJK")
    subsidiary = "91350100MA2YY0Q" + "JK" + uscc.calc_check_digit("91350100MA2YY0QJK")
    desk = Desk(nats_server.url)
    async with running(*platform):
        await desk.open_eidb_batch()
        decisions = []
        for name, code, parent in (("储能集团", group, None), ("储能子公司", subsidiary, group)):
            body = park_application(programme="EIDB", category="enterprise", name=name,
                                    city="福州市", domain="新型储能制造", batch_id="EIDB-2026-1",
                                    uscc=code)  # fmt: skip
            body["form"] = {**body["form"], "uscc": code, "name": name, "parent_uscc": parent}
            decisions.append(await desk.send("SubmitApplication", body, FUJIAN, "2026-03-20"))
    assert decisions[0].accepted
    assert not decisions[1].accepted and rules(decisions[1]) == ["R-ELIGIBLE-ENTERPRISE"]
    assert group in str(decisions[1].problems[0]) and subsidiary in str(decisions[1].problems[0])
