"""The registry as it stood at a moment, by business or recording time, from its history (issue 8),
over a real nats-server and the services, on SQLite and PostgreSQL.

Three titles of earlier batches are taken over on one import day of 2026 (ImportTitle, ADR 8);
one of them loses its title for a Ⅱ级 incident on 2028-07-20 (R-REVOKE-INCIDENT). As of
2028-06-01 by business time it is still titled, and each imported title is in effect from its
announcement, not from the import day; by recording time, the registry shows what had been
recorded by a moment. A rebuild gives the same history, digest included.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from demobase.client import registry_get
from demobase.demo.desk import Desk
from services.evaluation.bootstrap import build as build_evaluation
from services.evaluation.config import EvaluationSettings
from services.registry.bootstrap import build as build_registry_service
from services.registry.bootstrap import build_registry
from services.registry.queries import as_of, digest, moment_of
from services.registry.rebuild import rebuild
from shared.bus.connection import connect
from shared.bus.server import EmbeddedNats
from shared.config import Settings
from tests.e2e.test_demo_as_of import as_of as as_of_json
from tests.e2e.test_demo_as_of import demobase
from tests.e2e.test_evaluation_life import FixedClock
from tests.e2e.test_review_selection import review_service
from tests.support import at, running, wait_until

pytestmark = pytest.mark.e2e

TITLES = {
    "长沙经济技术开发区": ("430000", 1, "装备制造(工程机械)", "2010-04-20"),
    "广州黄埔区": ("440000", 8, "装备制造(智能装备)", "2018-02-24"),
    "合肥高新技术产业开发区": ("340000", 10, "电子信息", "2022-03-31"),
}
"""Earlier titles: their province, batch, 示范内容 and announcement day."""


def imported(name: str) -> dict[str, Any]:
    province, batch, showcase, announced = TITLES[name]
    return {
        "programme": "NIID", "batch_number": batch, "province": province, "name": name,
        "showcase": showcase, "announced_on": announced,
        "announcement": {"title": f"第{batch}批国家新型工业化产业示范基地名单"},
    }  # fmt: skip


def statuses(answer: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["status"] for e in answer["entries"]}


async def test_as_of_by_business_time_shows_a_title_revoked_later_as_still_titled(
    nats_server: EmbeddedNats, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings.model_copy(update={"nats_url": nats_server.url, "registry_port": 0})
    monkeypatch.setenv("VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("NATS_URL", nats_server.url)  # the CLI finds the registry's page there
    desk = Desk(nats_server.url)

    async def get(path: str, **query: str) -> Any:
        return await asyncio.to_thread(registry_get, settings, path, **query)

    services = (
        review_service(settings, nats_server.url, at("2026-01-01")),
        build_evaluation(settings, EvaluationSettings(deadline_check_seconds=3600), FixedClock()),
        build_registry_service(settings),
    )
    async with running(*services):
        await wait_until(lambda: (settings.var_dir / "registry.url").exists())
        ids = {}
        for name in TITLES:
            decision = await desk.send("ImportTitle", imported(name), "2026-01-12", what=name)
            ids[name] = str(decision.subject_id)

        async def all_titled() -> bool:
            return len(await get("/api/applications")) == len(TITLES)

        await wait_until(all_titled, timeout=10)
        recorded_before = datetime.now(UTC)
        await asyncio.sleep(0.05)
        polluter = "长沙经济技术开发区"
        await desk.send(
            "ReportIncident",
            {
                "base_id": ids[polluter], "incident_id": "ENV-2028-017", "kind": "environmental",
                "grade": "Ⅱ级", "happened_on": "2028-07-15",
                "description": f"{polluter}内企业发生较大突发环境事件",
            },
            "2028-07-20", province="430000", what=polluter,
        )  # fmt: skip
        await wait_until(lambda: get("/api/revocations"), timeout=10)
        june = await get("/api/as-of/2028-06-01")
        august = await get("/api/as-of/2028-08-01", by="effective")
        in_2015 = await get("/api/as-of/2015-01-01")
        before_import = await get("/api/as-of/2026-01-01")
        then = await get(f"/api/as-of/{recorded_before.isoformat()}", by="recorded")
        now = await get(f"/api/as-of/{datetime.now(UTC).isoformat()}", by="recorded")
        cli = await as_of_json(settings, "2028-06-01", "--effective")
        code, cli_recorded = await demobase(
            settings, "registry", "as-of", recorded_before.isoformat(), "--recorded"
        )
        page = await get_page(settings, "/as-of/2028-06-01")
        live = digest(build_registry(settings).db)

    assert statuses(june) == dict.fromkeys(TITLES, "titled")  # revoked on 2028-07-20: not yet
    assert june["by"] == "effective" and june["history_from"] == 1
    assert statuses(august) == {**statuses(june), polluter: "revoked"}
    revoked = next(e for e in august["entries"] if e["name"] == polluter)
    assert revoked["revoked_rule"] == "R-REVOKE-INCIDENT"
    assert revoked["effective_at"].startswith("2028-07-20T01:00:00")  # 09:00 Beijing, its day
    # Each imported title is in effect from its announcement, not from the import day.
    assert statuses(in_2015) == {polluter: "titled"}
    assert statuses(before_import) == dict.fromkeys(TITLES, "titled")
    announced = {e["name"]: e["since"][:10] for e in june["entries"]}
    assert announced == {name: TITLES[name][3] for name in TITLES}
    assert all(e["effective_at"] < "2023" for e in june["entries"])  # their tier with them
    # By recording time: what had been recorded by then; both times on every entry.
    assert statuses(then) == dict.fromkeys(TITLES, "titled")
    assert statuses(now) == statuses(august)
    assert all(e["effective_at"] and e["recorded_at"] for e in now["entries"])
    assert statuses(cli) == statuses(june)
    assert code == 0 and "by recording time: 3 entries" in cli_recorded, cli_recorded
    assert ids[polluter] in page and "revoked" not in page.split("<table>")[1]

    # A rebuild holds the same history: the same digest, the same answers.
    nc = await connect(nats_server.url, "auditor")
    registry = build_registry(settings)
    result = await rebuild(registry, nc.jetstream())
    await nc.drain()
    assert result.digest == live
    for moment in ("2015-01-01", "2028-06-01", "2028-08-01"):
        rebuilt = as_of(registry.db, moment_of(moment))
        assert statuses(rebuilt) == statuses({"2015-01-01": in_2015, "2028-06-01": june,
                                              "2028-08-01": august}[moment])  # fmt: skip


async def get_page(settings: Settings, path: str) -> str:
    from tests.e2e.test_demo_life import registry_page

    return await asyncio.to_thread(registry_page, settings, path)
