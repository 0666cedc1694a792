"""Selection rules the seeds state, through the intake over a real nats-server (issue 13).

Each test names its rule; each refusal names the rule, the field and what it conflicts with.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from services.submission.bootstrap import build as build_submission
from shared.bus.server import EmbeddedNats
from shared.config import Settings
from shared.contract.envelope import Envelope
from shared.contract.provinces import MINISTRY
from tests.e2e.test_selection_submission import BATCHES, FUJIAN, HUNAN, Desk, rules
from tests.e2e.test_submission_path import log_events, registry_runtime
from tests.support import load_catalogue, park_application, running, wait_until

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
