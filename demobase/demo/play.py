"""Running the demo against a running system and printing what the registry shows."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from rich.table import Table

from demobase.client import ClientError, check_reachable, nats_url, registry_get
from demobase.demo import life, selection
from demobase.demo.desk import Desk
from demobase.terminal import console
from shared.config import Settings

AFRESH = "`make reset` then `make run` starts afresh (or run both with a fresh VAR_DIR)"
"""What to do on a system the demo has already been played into."""


def check_fresh(settings: Settings) -> None:
    """The demo opens its batches itself: on a system that already holds one of them (a demo
    played before, the README's tour) it would be refused half-way. Say so before sending."""
    opened = {str(b["batch_id"]) for b in registry_get(settings, "/api/batches")}
    held = sorted(opened & {selection.NIID_BATCH, selection.EIDB_BATCH})
    if held:
        raise ClientError(
            f"this system already holds the demo's batch{'es' if len(held) > 1 else ''} "
            f"{', '.join(held)} (batch already open): the demo plays into a fresh system; {AFRESH}"
        )


def play() -> None:
    settings = Settings()
    url = nats_url(settings)
    check_reachable(url)
    check_fresh(settings)
    desk = Desk(url)

    async def both_halves() -> None:
        ids = await selection.play(desk)
        await life.play(desk, ids)

    asyncio.run(both_halves())
    console.print(f"\n{len(desk.refused)} command(s) refused, as the rules require.")
    for batch_id in (selection.EIDB_BATCH, selection.NIID_BATCH):
        print_funnel(settings, batch_id)
    print_stars(settings)
    print_revocations(settings)


def print_funnel(settings: Settings, batch_id: str) -> None:
    funnel = _settled(settings, f"/api/batches/{batch_id}/funnel")
    table = Table("stage", "applications", title=f"funnel of {batch_id}")
    for stage, count in funnel.items():
        table.add_row(stage.replace("_", " "), str(count))
    console.print(table)


def print_stars(settings: Settings) -> None:
    table = Table(
        "year",
        "5★",
        "4★",
        "3★",
        "2★",
        "1★",
        "rated",
        "five-star list",
        title="stars by year (R-STARS, R-FIVE-STAR-LIST)",
    )
    for year in life.YEARS:
        by_province: dict[str, dict[str, int]] = _settled(settings, f"/api/years/{year}/stars")
        totals = {
            str(n): sum(row.get(str(n), 0) for row in by_province.values()) for n in range(1, 6)
        }
        listed = registry_get(settings, f"/api/years/{year}/five-star")
        table.add_row(
            str(year),
            *(str(totals[str(n)]) for n in range(5, 0, -1)),
            str(sum(totals.values())),
            str(len(listed)),
        )
    console.print(table)


def print_revocations(settings: Settings) -> None:
    """Each revoked title with its rule, its reason and the events that caused it."""
    console.print("\n[bold]revoked titles[/] (`demobase registry show ID` for the whole record)")
    for row in _settled(settings, "/api/revocations"):
        causes = ", ".join(f"#{c['stream_sequence']}" for c in row["causing_events"])
        console.print(f"  [bold]{row['rule_id']}[/]  {_showcase(row['title'])}  {row['base_id']}")
        console.print(f"      {row['reason']}; caused by {causes}", style="dim")


def _showcase(title: str) -> str:
    """What tells titles apart: 示范内容·所在地, the part of the canonical name in （）."""
    start, end = title.find("（"), title.rfind("）")
    return title[start + 1 : end] if 0 <= start < end else title


def _settled(settings: Settings, path: str) -> Any:
    """The registry once it has caught up: it applies the log a moment after it is written."""
    deadline = time.monotonic() + 15
    previous = None
    while True:
        current = registry_get(settings, path)
        if current == previous or time.monotonic() > deadline:
            return current
        previous = current
        time.sleep(0.5)
