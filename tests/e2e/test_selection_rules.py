"""Selection rules the seeds state, through the intake over a real nats-server (issue 13).

Each test names its rule; each refusal names the rule, the field and what it conflicts with.
"""

from __future__ import annotations

from typing import Any

import pytest

from services.submission.bootstrap import build as build_submission
from shared.bus.server import EmbeddedNats
from shared.config import Settings
from shared.contract.envelope import Envelope
from tests.e2e.test_selection_submission import FUJIAN, HUNAN, Desk, rules
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
