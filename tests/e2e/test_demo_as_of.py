"""`make demo`, then `demobase registry as-of` (issue 8, "Done when"): the demo plays 2026–2029 in
seconds, so its years are all recorded today. By business time, as of 2028-06-01 the bases whose
titles the years 2028–29 revoke are still titled; by recording time, a moment between the two
halves of the demo shows what had been recorded by then: the selection, none of the titles taken
over, no revocation."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime
from typing import Any

import pytest

from demobase.client import caught_up, registry_get
from demobase.demo import life, selection
from demobase.demo.desk import Desk
from shared.bus.server import EmbeddedNats
from shared.config import Settings
from tests.e2e.test_demo_life import demo_platform
from tests.support import running, wait_until

pytestmark = [pytest.mark.e2e]


async def demobase(settings: Settings, *args: str) -> tuple[int, str]:
    """The ``demobase`` command in a process of its own, as an operator types it (its output
    is its own: the services' logs of this process do not mix in)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from demobase.cli import main; main()", *args,
        env={**os.environ, "VAR_DIR": str(settings.var_dir), "COLUMNS": "250"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await process.communicate()
    return int(process.returncode or 0), out.decode()


async def as_of(settings: Settings, *args: str) -> dict[str, Any]:
    """``demobase registry as-of … --json``."""
    code, out = await demobase(settings, "registry", "as-of", *args, "--json")
    assert code == 0, out
    answer: dict[str, Any] = json.loads(out)
    return answer


def by_id(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in answer["entries"]}


async def test_as_of_2028_06_01_by_business_time_shows_the_bases_revoked_later_as_titled(
    nats_server: EmbeddedNats, sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = sqlite_settings.model_copy(update={"nats_url": nats_server.url, "registry_port": 0})
    monkeypatch.setenv("VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("NATS_URL", nats_server.url)
    services = demo_platform(settings, nats_server.url)
    desk = Desk(nats_server.url)
    async with running(*services):
        await wait_until(lambda: (settings.var_dir / "registry.url").exists())
        ids = await selection.play(desk)
        await caught_up(nats_server.url, "registry")
        between = datetime.now(UTC)  # the selection recorded; the life of titles not yet
        await asyncio.sleep(0.05)
        await life.play(desk, ids)

        async def revoked() -> Any:
            rows = await asyncio.to_thread(registry_get, settings, "/api/revocations")
            return len(rows) >= 4 and rows

        revocations = await wait_until(revoked, timeout=20)
        await caught_up(nats_server.url, "registry")
        june_2028 = await as_of(settings, "2028-06-01", "--effective")
        by_default = await as_of(settings, "2028-06-01")
        after = await as_of(settings, "2031-01-01")
        then = await as_of(settings, between.isoformat(), "--recorded")
        recorded_now = await as_of(settings, datetime.now(UTC).isoformat(), "--recorded")
        code, shown = await demobase(settings, "registry", "as-of", "2028-06-01")

    revoked_later = {r["base_id"]: r["rule_id"] for r in revocations}
    assert sorted(revoked_later.values()) == [
        "R-FRAUD", "R-REVOKE-2STARS", "R-REVOKE-INCIDENT", "R-REVOKE-RECTIFY",
    ]  # fmt: skip
    june = by_id(june_2028)
    assert june_2028["by"] == "effective" and by_default == june_2028
    for base_id in revoked_later:  # revoked between 2028-07-20 and 2029-04-20: titled in June
        assert june[base_id]["status"] == "titled", june[base_id]
        assert june[base_id]["revoked_rule"] is None and june[base_id]["effective_at"] < "2028-06"
    later = by_id(after)
    for base_id, rule in revoked_later.items():
        assert later[base_id]["status"] == "revoked" and later[base_id]["revoked_rule"] == rule
        assert later[base_id]["effective_at"] > "2028-06"
    # The titles taken over are in effect from their announcements (2010–2022), not the import day.
    imported = [e for e in june.values() if e["kind"] == "base" and e["since"] < "2026"]
    assert len(imported) > 50
    announced = {e["since"][:10] for e in imported}
    assert len(announced) >= 5 and announced <= set(life.ANNOUNCED.values())
    # By recording time, between the halves: the selection only, nothing taken over or revoked.
    recorded_then = by_id(then)
    assert recorded_then and all(e["recorded_at"] <= then["moment"] for e in then["entries"])
    assert not any(e["status"] == "revoked" for e in recorded_then.values())
    assert not any(e["kind"] == "base" and e["since"] < "2026" for e in recorded_then.values())
    assert {e["status"] for e in by_id(recorded_now).values() if e["id"] in revoked_later} == {
        "revoked"
    }
    # Both times on every entry, in the table an operator reads.
    assert code == 0, shown
    assert "by business time" in shown and "took effect (UTC)" in shown
    assert all(base_id in shown for base_id in revoked_later)
