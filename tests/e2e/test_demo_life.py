"""`make demo` in full over a real nats-server and the four services: selection, then three
evaluation years (issue 4, "Done when"). Fraud on one base suspends its province, whose
recommendation in the next batch is then refused by another service."""

from __future__ import annotations

import asyncio
import urllib.parse
import urllib.request
from typing import Any

import pytest

from demobase.client import registry_get, registry_url
from demobase.demo import life, selection
from demobase.demo.desk import Desk
from services.evaluation.bootstrap import build as build_evaluation
from services.evaluation.config import EvaluationSettings
from services.registry.bootstrap import build as build_registry_service
from services.submission.bootstrap import build as build_submission
from shared.bus.server import EmbeddedNats
from shared.config import Settings
from tests.e2e.test_evaluation_life import FixedClock
from tests.e2e.test_review_selection import review_service
from tests.support import at, running, wait_until

pytestmark = [pytest.mark.e2e]


def demo_platform(settings: Settings, url: str) -> tuple[Any, ...]:
    """The four services as ``make run`` builds them, with clocks the demo does not race."""
    return (
        build_submission(settings),
        review_service(settings, url, at("2026-01-01")),
        build_evaluation(settings, EvaluationSettings(deadline_check_seconds=3600), FixedClock()),
        build_registry_service(settings),
    )


async def test_three_years_revoke_one_title_by_each_rule_and_fraud_suspends_the_province(
    nats_server: EmbeddedNats, sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R-REVOKE-2STARS, R-REVOKE-INCIDENT, R-REVOKE-RECTIFY, R-FRAUD → R-SUSPENDED-PROVINCE,
    R-RENAME, R-STARS, R-FIVE-STAR-LIST, R-EVAL-YEARLY, R-TIERS, R-ACTION-PLAN, end to end."""
    settings = sqlite_settings.model_copy(update={"nats_url": nats_server.url, "registry_port": 0})
    monkeypatch.setenv("VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("NATS_URL", nats_server.url)
    services = demo_platform(settings, nats_server.url)
    desk = Desk(nats_server.url)
    async with running(*services):
        await wait_until(lambda: (settings.var_dir / "registry.url").exists())
        ids = await selection.play(desk)
        await life.play(desk, ids)

        async def get(path: str) -> Any:
            return await asyncio.to_thread(registry_get, settings, path)

        async def revoked() -> Any:
            return len(rows := await get("/api/revocations")) >= 4 and rows

        revocations = await wait_until(revoked, timeout=20)
        await wait_until(lambda: get(f"/api/years/{life.YEARS[-1]}/five-star"), timeout=20)
        five_star = {y: await get(f"/api/years/{y}/five-star") for y in life.YEARS}
        renamed = await get("/api/applications/长沙经济技术开发区")
        rated_five = await asyncio.to_thread(
            registry_get, settings, "/api/applications", stars="5", year=str(life.YEARS[1])
        )
        latest_three = await asyncio.to_thread(
            registry_get, settings, "/api/applications", stars="3"
        )
        fraud = next(r for r in revocations if r["rule_id"] == "R-FRAUD")
        traced = await get(f"/api/trace/{fraud['causing_events'][0]['event_id']}")
        page = await asyncio.to_thread(
            registry_page, settings, f"/?stars=5&year={life.YEARS[1]}&domain=电子信息"
        )
    assert sorted(r["rule_id"] for r in revocations) == [
        "R-FRAUD", "R-REVOKE-2STARS", "R-REVOKE-INCIDENT", "R-REVOKE-RECTIFY",
    ]  # fmt: skip
    assert all(c["stream_sequence"] >= 1 for r in revocations for c in r["causing_events"])
    two_stars = next(r for r in revocations if r["rule_id"] == "R-REVOKE-2STARS")
    assert len(two_stars["causing_events"]) == 2  # the two StarRated events, by id and sequence
    suspended = [line for line in desk.refused if "R-SUSPENDED-PROVINCE" in line]
    assert suspended and suspended[0].startswith("RecommendApplication")
    assert all(five_star[year] for year in life.YEARS)
    assert renamed["former_names"] == [
        "国家新型工业化产业示范基地（装备制造(工程机械)·长沙经济技术开发区）"
    ]
    assert renamed["title"] == "国家新型工业化产业示范基地（装备制造(工程机械)·长沙经开区）"
    # The list filters by stars (DESIGN.md, "Interfaces"): the five-star bases of a year are its
    # five-star list (R-FIVE-STAR-LIST); without a year, the latest year's ratings count.
    assert rated_five and latest_three
    assert {e["id"] for e in rated_five} == {b["base_id"] for b in five_star[life.YEARS[1]]}
    assert all(e["stars_by_year"][str(life.YEARS[-1])] == 3 for e in latest_three)
    shown = [e for e in rated_five if e["domain"] == "电子信息"]
    assert f'<p class="count">共 {len(shown)} 条' in page  # the site in Chinese (issue 11)
    assert all(e["id"] in page for e in shown)

    # R-FRAUD across two services, followed by one id: the finding, the revocation it caused and
    # the suspension of the province's next batch share the finding's correlation id.
    assert [line["event_type"] for line in traced] == [
        "FraudDetected", "TitleRevoked", "ProvinceSuspended",
    ]  # fmt: skip
    assert traced[1]["causation_id"] == traced[2]["causation_id"] == traced[0]["event_id"]


def registry_page(settings: Settings, path: str) -> str:
    """The registry's web page at ``path``, as a browser gets it."""
    url = registry_url(settings) + urllib.parse.quote(path, safe="/?=&")
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode())
