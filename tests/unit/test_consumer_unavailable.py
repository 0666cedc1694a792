"""A stream that is briefly unavailable (a leader being elected on the cluster, a node away) is
waited out by the consumer, never a service exit (issue 9, item 1).

Wiring only: the fetch raises what nats-py raises during a JetStream leader election
(``ServiceUnavailableError``, ``NoRespondersError``); the consumer waits, rebuilds its durable
consumer from the store's position and goes on.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.errors import ServiceUnavailableError
from prometheus_client import REGISTRY

from shared.bus.consumer import TrackedConsumer
from shared.bus.seam import Seam

pytestmark = pytest.mark.unit


class Handler:
    def position(self, upstream: str) -> int:
        return 7

    def handle(self, delivery: Any) -> None:
        raise AssertionError("no message is delivered in this test")


class Pull:
    """A pull subscription whose fetches fail as during an election, then time out."""

    def __init__(self, faults: list[Exception], stop: asyncio.Event) -> None:
        self.faults, self.stop = faults, stop

    async def fetch(self, batch: int, timeout: float) -> list[Any]:
        if self.faults:
            raise self.faults.pop(0)
        self.stop.set()
        raise NatsTimeoutError

    async def unsubscribe(self) -> None:
        return None


class JetStream:
    def __init__(self, pull: Pull) -> None:
        self.pull = pull
        self.created: list[Any] = []

    async def stream_info(self, stream: str) -> Any:
        return SimpleNamespace(state=SimpleNamespace(last_seq=7), created=None)  # its end

    async def delete_consumer(self, stream: str, durable: str) -> None:
        return None

    async def add_consumer(self, stream: str, config: Any) -> None:
        self.created.append(config)

    async def pull_subscribe_bind(self, durable: str, stream: str) -> Pull:
        return self.pull


class Connection:
    def __init__(self) -> None:
        self.stats = {"reconnects": 0}


def retries() -> float:
    labels = {"service": "test", "stream": "INTAKE"}
    return REGISTRY.get_sample_value("demobase_transient_retries_total", labels) or 0.0


async def test_a_leader_election_is_waited_out_and_the_consumer_rebuilt_from_its_position() -> None:
    stop = asyncio.Event()
    faults: list[Exception] = [ServiceUnavailableError(), NoRespondersError()]
    js = JetStream(Pull(faults, stop))
    seam = Seam("test")
    consumer = TrackedConsumer(
        nc=Connection(), js=js, service="test", stream="INTAKE",  # type: ignore[arg-type]
        filter_subject="intake.v1.>", handler=Handler(), seam=seam, retry_delay=0.01,
    )  # fmt: skip
    before = retries()
    try:
        await asyncio.wait_for(consumer.run(stop), timeout=10)
    finally:
        seam.close()
    assert retries() - before == 2
    assert len(js.created) == 3  # at start, then once after each fault
    assert all(config.opt_start_seq == 8 for config in js.created)  # after the store's position
