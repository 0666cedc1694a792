"""`make demo`'s selection, played over a real nats-server into the three services it needs:
both programmes from call to title, every refusal the rules require (issue 3, "Done when")."""

from __future__ import annotations

import pytest

from demobase.demo import selection
from demobase.demo.desk import Desk
from services.registry.bootstrap import build_registry
from services.registry.selection import funnel
from services.registry.titles import title_records
from services.submission.bootstrap import build as build_submission
from shared.bus.server import EmbeddedNats
from shared.config import Settings
from tests.e2e.test_review_selection import review_service
from tests.e2e.test_submission_path import registry_runtime
from tests.support import at, running, wait_until

pytestmark = pytest.mark.e2e


async def test_the_demo_plays_both_batches_from_call_to_title(
    nats_server: EmbeddedNats, sqlite_settings: Settings
) -> None:
    """R-DEADLINES, R-QUOTAS, R-PROCEDURE, R-PUBLICITY, R-TITLE-NAME, R-CREATION-PERIOD."""
    settings = sqlite_settings.model_copy(update={"nats_url": nats_server.url})
    url = nats_server.url
    services = (
        build_submission(settings),
        review_service(settings, url, at("2026-01-01")),  # the scheduler closes nothing by itself
        registry_runtime(settings, url),
    )
    desk = Desk(url)
    async with running(*services):
        await selection.play(desk)
        db = build_registry(settings).db
        await wait_until(lambda: funnel(db, selection.NIID_BATCH)["awarded"] == 3, timeout=20)
        await wait_until(lambda: funnel(db, selection.EIDB_BATCH)["awarded"] == 4, timeout=20)
        niid, eidb = funnel(db, selection.NIID_BATCH), funnel(db, selection.EIDB_BATCH)
        titles = [record["title"] for record in title_records(db).values()]
    refused = [line.split(":")[0] for line in desk.refused]
    assert refused == ["SubmitApplication", "ReviewByCity", "RecommendApplication", "FormPanel",
                       "ClosePublicity"]  # fmt: skip
    assert (niid["recommended"], niid["proposed"], niid["withheld"], niid["awarded"]) == (
        5,
        4,
        1,
        3,
    )
    assert (eidb["city_reviewed"], eidb["recommended"], eidb["awarded"]) == (6, 6, 4)
    assert (eidb["submitted"], eidb["disqualified"], eidb["rejected_by_city"]) == (8, 1, 0)
    assert "国家新型工业化产业示范基地（装备制造(工程机械)·长沙经济技术开发区）" in titles
    assert sum(title.startswith("国家新兴产业发展示范基地创建对象") for title in titles) == 4
