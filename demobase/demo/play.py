"""Running the demo against a running system and printing what the registry shows."""

from __future__ import annotations

import asyncio

from rich.table import Table

from demobase.client import registry_get
from demobase.demo import selection
from demobase.demo.desk import Desk
from demobase.terminal import console
from shared.config import Settings, resolve_nats_url


def play() -> None:
    settings = Settings()
    desk = Desk(resolve_nats_url(settings))
    asyncio.run(selection.play(desk))
    console.print(f"\n{len(desk.refused)} command(s) refused, as the rules require.")
    for batch_id in (selection.EIDB_BATCH, selection.NIID_BATCH):
        print_funnel(settings, batch_id)


def print_funnel(settings: Settings, batch_id: str) -> None:
    funnel = _eventually(settings, f"/api/batches/{batch_id}/funnel")
    table = Table("stage", "applications", title=f"funnel of {batch_id}")
    for stage, count in funnel.items():
        table.add_row(stage.replace("_", " "), str(count))
    console.print(table)


def _eventually(settings: Settings, path: str) -> dict[str, int]:
    """The registry a moment later: it applies the log as the services record it."""
    import time

    deadline = time.monotonic() + 10
    previous: dict[str, int] = {}
    while True:
        current = dict(registry_get(settings, path))
        if current == previous or time.monotonic() > deadline:
            return current
        previous = current
        time.sleep(0.5)
