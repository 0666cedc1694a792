"""The demo played into the four services over a real nats-server, kept running while the site's
tests read the registry's pages: one platform for the folder that uses it, in a thread of its
own, so that synchronous Playwright tests and plain HTTP tests can share it."""

from __future__ import annotations

import asyncio
import json
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from demobase.demo import life, selection
from demobase.demo.desk import Desk
from shared.bus.server import EmbeddedNats
from shared.config import Settings

READY_SECONDS = 240
"""How long the demo may take to be played and applied on a loaded machine (bounded)."""


@dataclass(frozen=True)
class DemoSite:
    """The running registry after ``make demo``: its base URL and the ids the demo made."""

    url: str
    ids: dict[str, str]

    def get(self, path: str) -> Any:
        """The JSON the API answers at ``path``."""
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return json.loads(response.read())

    def fetch(self, path: str) -> tuple[int, str, bytes]:
        """Status, content type and body at ``path``, errors included."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return response.status, response.headers["Content-Type"], response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers["Content-Type"], error.read()


def _applied(url: str) -> bool:
    """Whether the registry shows the demo's end: four revocations, the last five-star list."""
    try:
        with urllib.request.urlopen(url + "/api/revocations", timeout=5) as response:
            revoked = len(json.loads(response.read()))
        with urllib.request.urlopen(url + f"/api/years/{life.YEARS[-1]}/five-star") as response:
            listed = len(json.loads(response.read()))
    except OSError:
        return False
    return revoked >= 4 and listed > 0


def _play(settings: Settings, nats_url: str, ready: threading.Event, stop: threading.Event,
          found: dict[str, Any]) -> None:  # fmt: skip
    from tests.e2e.test_demo_life import demo_platform
    from tests.support import running, wait_until

    async def main() -> None:
        async with running(*demo_platform(settings, nats_url)):
            url_file = settings.var_dir / "registry.url"
            await wait_until(url_file.exists, timeout=30)
            url = url_file.read_text().strip()
            desk = Desk(nats_url)
            found["ids"] = await selection.play(desk)
            await life.play(desk, found["ids"])
            await wait_until(lambda: asyncio.to_thread(_applied, url), timeout=60, interval=0.5)
            found["url"] = url
            ready.set()
            await asyncio.to_thread(stop.wait)  # until the session's teardown sets it

    try:
        asyncio.run(main())
    except BaseException as error:  # surfaced to the fixture, which fails with it
        found["error"] = error
        ready.set()


# Package-scoped: it is torn down (its NATS_URL and VAR_DIR taken back from the environment) when
# the folder that uses it is done, before the rest of the suite runs.
@pytest.fixture(scope="package")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    """``make run`` and ``make demo`` over a real nats-server, the registry on a free port."""
    root = tmp_path_factory.mktemp("site")
    server = EmbeddedNats(root / "nats", name="site-demo").start()
    settings = Settings(var_dir=root / "var", persistence_module="eventsourcing.sqlite",
                        nats_url=server.url, registry_port=0)  # fmt: skip
    saved = {key: os.environ.get(key) for key in ("VAR_DIR", "NATS_URL")}
    os.environ.update(VAR_DIR=str(settings.var_dir), NATS_URL=server.url)
    ready, stop, found = threading.Event(), threading.Event(), dict[str, Any]()
    thread = threading.Thread(target=_play, args=(settings, server.url, ready, stop, found),
                              name="site-demo", daemon=True)  # fmt: skip
    thread.start()
    try:
        if not ready.wait(READY_SECONDS):
            pytest.fail(f"the demo was not applied within {READY_SECONDS} s")
        if "error" in found:
            raise found["error"]
        yield DemoSite(found["url"], found["ids"])
    finally:
        stop.set()
        thread.join(timeout=30)
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def screenshot_dir() -> Path | None:
    """Where the browser tests leave their screenshots (``SCREENSHOTS=/tmp/screens``), if set."""
    given = os.environ.get("SCREENSHOTS")
    if not given:
        return None
    folder = Path(given)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
