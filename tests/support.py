"""Test support: run services in-process against a real server, and wait with a deadline."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import yaml

from services.submission.data.zones import SAMPLE_PATH
from shared.bus.connection import Credentials
from shared.bus.runtime import ServiceRuntime

T = TypeVar("T")


@contextlib.asynccontextmanager
async def running(*runtimes: ServiceRuntime) -> AsyncIterator[tuple[ServiceRuntime, ...]]:
    """Run the services until the block ends; a service that fails makes the block fail."""
    stop = asyncio.Event()
    tasks = [asyncio.create_task(runtime.run(stop)) for runtime in runtimes]
    try:
        await wait_until(lambda: all(r.consumers for r in runtimes) or _failed(tasks), timeout=10)
        _raise_failures(tasks)
        yield runtimes
        _raise_failures(tasks)
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout=15)


def _failed(tasks: list[asyncio.Task[None]]) -> bool:
    return any(task.done() for task in tasks)


def _raise_failures(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]


def log_says(log: Path, *words: str) -> bool:
    """Whether one line of the log file at ``log`` holds every one of ``words``."""
    text = log.read_text() if log.exists() else ""
    return any(all(word in line for word in words) for line in text.splitlines())


async def wait_until(
    condition: Callable[[], Any | Awaitable[Any]], *, timeout: float = 10.0, interval: float = 0.02
) -> Any:
    """Poll ``condition`` until it is truthy; fail with a clear message after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if asyncio.iscoroutine(value) or isinstance(value, Awaitable):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)


def at(day: str) -> datetime:
    """A business time on ``day`` (YYYY-MM-DD), 09:00 UTC."""
    return datetime.fromisoformat(f"{day}T09:00:00+00:00").astimezone(UTC)


EXAMPLES = Path(__file__).parents[1] / "examples"
FORMS = {
    ("NIID", "park"): "forms/niid-park-changsha.yaml",
    ("EIDB", "park"): "forms/eidb-park-xiamen-storage.json",
    ("EIDB", "enterprise"): "forms/eidb-enterprise-fuzhou.json",
}


@functools.cache
def example_form(programme: str, category: str) -> dict[str, Any]:
    """The example form of a programme and category, as a province's tool would send it."""
    path = EXAMPLES / FORMS[(programme, category)]
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text) if path.suffix == ".yaml" else json.loads(text)
    return json.loads(json.dumps(data, default=str))  # dates as ISO strings, like JSON on the bus


def park_application(**overrides: Any) -> dict[str, Any]:
    """A valid application body (NIID park by default) with the matching example form."""
    body: dict[str, Any] = {
        "programme": "NIID", "category": "park", "name": "长沙经济技术开发区",
        "applicant": "长沙经济技术开发区管理委员会", "city": "长沙市",
        "zone": "长沙经济技术开发区", "domain": "装备工业",
    }  # fmt: skip
    body.update(overrides)
    if "form" not in overrides:
        key = (body["programme"], body["category"])
        body["form"] = {**example_form(*key), "domain": body["domain"]} if key in FORMS else {}
    return body


def sample_catalogue_body() -> dict[str, Any]:
    """The sample zone catalogue, as the ministry loads it (R-ELIGIBLE-ZONE)."""
    return {"edition": "sample", "csv_text": SAMPLE_PATH.read_text(encoding="utf-8")}


async def load_catalogue(
    url: str, day: str = "2026-01-05", credentials: Credentials | None = None
) -> None:
    """The ministry loads the sample zone catalogue, as an operator does before a batch; the
    platform's clock of the submission context is set to ``day`` (one PlatformClockSet)."""
    from demobase.client import intake_message
    from demobase.clock import ClockedDesk

    message = intake_message("LoadZoneCatalogue", sample_catalogue_body(), "000000", "ministry",
                             at(day))  # fmt: skip
    desk = ClockedDesk(url, clock_credentials=credentials)
    decision = await desk.send("submission", message, credentials=credentials)
    assert decision.accepted, decision


def dev_credentials(user: str, inbox_prefix: str | None = None) -> Credentials:
    """The credentials of a ``deploy/`` user with the development passwords (tests only)."""
    from tests.integration.test_deploy_configs import generator

    passwords = generator().dev_environment()
    return Credentials(user, passwords[generator().password_variable(user)], inbox_prefix)
