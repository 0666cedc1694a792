"""Selection rules the seeds state, through the intake over a real nats-server (issue 13).

Each test names its rule; each refusal names the rule, the field and what it conflicts with.
"""

from __future__ import annotations

from typing import Any

import pytest

from services.submission.bootstrap import build as build_submission
from shared.bus.server import EmbeddedNats
from shared.config import Settings
from tests.e2e.test_selection_submission import HUNAN, Desk, rules
from tests.e2e.test_submission_path import registry_runtime
from tests.support import load_catalogue, park_application, running

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
