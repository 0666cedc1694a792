"""Titles of earlier batches taken over from their announcements (the platform's migration)."""

from __future__ import annotations

import pytest

from demobase.client import intake_message
from demobase.clock import ClockedDesk
from services.registry.bootstrap import build_registry
from services.registry.queries import find_entry
from shared.bus.server import EmbeddedNats
from shared.config import Settings
from tests.e2e.test_review_selection import review_service
from tests.e2e.test_submission_path import registry_runtime
from tests.support import at, running, wait_until

pytestmark = pytest.mark.e2e


async def test_r_title_name_an_imported_title_is_named_by_the_rule_and_found_in_the_registry(
    nats_server: EmbeddedNats, sqlite_settings: Settings
) -> None:
    """R-TITLE-NAME: 国家新型工业化产业示范基地（示范内容·所在地） for a batch-8 base, once."""
    settings = sqlite_settings.model_copy(update={"nats_url": nats_server.url})
    body = {
        "programme": "NIID", "batch_number": 8, "province": "440000",
        "name": "广州黄埔区", "showcase": "装备制造(智能装备)", "announced_on": "2018-02-24",
        "announcement": {"title": "第八批国家新型工业化产业示范基地名单"},
    }  # fmt: skip
    async with running(review_service(settings, nats_server.url, at("2026-01-01")),
                       registry_runtime(settings, nats_server.url)):  # fmt: skip
        first = await ClockedDesk(nats_server.url).send("review", intake_message(
            "ImportTitle", body, "000000", "ministry", at("2026-01-10")))  # fmt: skip
        again = await ClockedDesk(nats_server.url).send("review", intake_message(
            "ImportTitle", body, "000000", "ministry", at("2026-01-10")))  # fmt: skip
        db = build_registry(settings).db
        entry = await wait_until(lambda: find_entry(db, str(first.subject_id)))
    assert first.accepted and again.accepted and first.subject_id == again.subject_id
    assert entry["title"] == "国家新型工业化产业示范基地（装备制造(智能装备)·广州黄埔区）"
    assert entry["status"] == "titled" and entry["province"] == "440000"
    assert [line["event_type"] for line in entry["timeline"]] == ["TitleAwarded"]
