"""The platform runs through the faults of its distributed deployment (issue 9, item 7).

The deployment as ``deploy/`` describes it, on loopback: the three cluster nodes of
``deploy/nats/cluster`` (streams with three replicas), PostgreSQL, the four services as processes
of their own connected with the node list and the ministry's credentials, and two registry replicas
(ADR 19), each with its own store and durable. A province's tool keeps sending applications through
all three nodes, retrying each under its own ``Nats-Msg-Id`` until acknowledged, while the suite:

1. stops the node leading the ``EVENTS`` stream, and starts it again;
2. terminates every PostgreSQL backend of the services (their stores, the registries, the writer
   locks);
3. stops another node and, meanwhile, restarts the submission service.

Each acknowledged application must then be on the log exactly once (lost = 0, duplicates = 0), no
service may have exited by itself, both registry replicas show the same digest, and a rebuild of a
replica's store from the log gives that digest too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from demobase.client import intake_message
from services.registry import audit
from services.registry.bootstrap import build_registry
from services.registry.rebuild import rebuild
from shared.bus.connection import UNAVAILABLE, Credentials, connect
from shared.config import Settings
from shared.contract.envelope import Envelope
from shared.contract.subjects import EVENTS_STREAM, EVENTS_SUBJECTS, INTAKE_STREAM, intake_subject
from tests.e2e.test_fault_restart import Process
from tests.integration.test_deploy_configs import Node, generator
from tests.integration.test_deploy_configs import cluster as cluster  # the fixture
from tests.support import at, park_application, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.fault]

HUNAN = "430000"
SENDS = 240
"""Applications the province's tool sends over the whole suite (bounded)."""
PACE = 0.05
"""Seconds between two of them: the load lasts about SENDS × PACE, through all three faults."""
SEND_TRIES = 200
"""Tries per application before the tool gives up on it (each waits at most 2 s)."""


def dev_password(user: str) -> str:
    return generator().dev_environment()[generator().password_variable(user)]


@pytest.fixture
def schemas(postgres_conninfo: str) -> Iterator[dict[str, str]]:
    """A PostgreSQL schema for the deciding services and one for each registry replica."""
    names = {role: f"t_{role}_{uuid.uuid4().hex[:8]}" for role in ("services", "east", "west")}
    yield names
    with psycopg.connect(postgres_conninfo, autocommit=True) as connection:
        for name in names.values():
            connection.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def settings_on(postgres_settings: Settings, schema: str, var_dir: Path) -> Settings:
    return postgres_settings.model_copy(update={"postgres_schema": schema, "var_dir": var_dir})


class Deployment:
    """The services of one deployment, as processes, and what they have to say."""

    def __init__(
        self, nodes: list[Node], base: Settings, schemas: dict[str, str], root: Path
    ) -> None:
        self.nodes, self.root = nodes, root
        self.url = ",".join(node.url for node in nodes)
        self.app_name = f"demobase-fault-{uuid.uuid4().hex[:8]}"
        key = root / "ministry-log.pem"
        audit.Signer(key)  # one signing key for both replicas, as in production
        common = {
            "NATS_USER": "ministry", "NATS_PASSWORD": dev_password("ministry"),
            "STREAM_REPLICAS": "3", "PGAPPNAME": self.app_name,
            "REGISTRY_SIGNING_KEY": str(key), "REGISTRY_HEAD_INTERVAL": "0.5",
        }  # fmt: skip
        services = settings_on(base, schemas["services"], root / "services")
        self.replicas = {
            name: settings_on(base, schemas[name], root / name) for name in ("east", "west")
        }
        self.processes: dict[str, Process] = {}
        for service in ("submission", "review", "evaluation"):
            self._add(service, service, services, common)
        for name, replica in self.replicas.items():
            self._add(f"registry-{name}", "registry", replica,
                      {**common, "REGISTRY_REPLICA": name})  # fmt: skip

    def _add(self, key: str, service: str, settings: Settings, env: dict[str, str]) -> None:
        process = Process(service, settings, self.url, self.root / f"{key}.log")
        process.env.update(env)
        self.processes[key] = process

    def start(self) -> None:
        for process in self.processes.values():
            process.start()

    def stop(self) -> None:
        for process in self.processes.values():
            with contextlib.suppress(Exception):
                process.stop()

    def exited(self) -> dict[str, int]:
        return {
            key: code
            for key, process in self.processes.items()
            if process.process is not None and (code := process.process.poll()) is not None
        }

    def registry_url(self, name: str) -> str | None:
        path = self.replicas[name].var_dir / "registry.url"
        return path.read_text().strip() if path.exists() else None

    def digest(self, name: str) -> dict[str, Any] | None:
        url = self.registry_url(name)
        if url is None:
            return None
        try:
            with urllib.request.urlopen(f"{url}/api/digest", timeout=5) as response:
                return dict(json.loads(response.read()))
        except OSError:
            return None

    def terminate_backends(self, conninfo: str) -> int:
        """End every PostgreSQL session of the deployment's processes: their stores'
        connections (``PGAPPNAME``) and their writer locks."""
        pids = [p.process.pid for p in self.processes.values() if p.process is not None]
        locks = [f"demobase % writer (pid {pid})" for pid in pids]
        with psycopg.connect(conninfo, autocommit=True) as admin:
            rows = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE pid <> pg_backend_pid() AND (application_name = %s "
                "OR application_name LIKE ANY (%s))",
                (self.app_name, locks),
            ).fetchall()
        return len(rows)


class Province:
    """A province's tool sending applications through every node in turn, each retried under its
    own id until acknowledged (bounded), as an integrator's tool must on a cluster."""

    def __init__(self, nodes: list[Node]) -> None:
        self.nodes = nodes
        self.acked: list[str] = []
        self.gave_up: list[str] = []

    async def run(self, stop: asyncio.Event) -> None:
        credentials = Credentials("p430000", dev_password("p430000"), "_INBOX.p430000")
        nc = await connect(",".join(n.url for n in self.nodes), "tool-430000", credentials)
        js = nc.jetstream()
        try:
            for index in range(SENDS):
                if stop.is_set():
                    break
                body = park_application(name=f"集群园区{index:04d}")
                message = intake_message("SubmitApplication", body, HUNAN, f"user@{HUNAN}",
                                         at("2026-03-20"))  # fmt: skip
                if await self._send(js, message):
                    self.acked.append(message["command_id"])
                else:
                    self.gave_up.append(message["command_id"])
                await asyncio.sleep(PACE)
        finally:
            with contextlib.suppress(Exception):
                await nc.drain()

    async def _send(self, js: Any, message: dict[str, Any]) -> bool:
        subject = intake_subject("submission", HUNAN, "SubmitApplication")
        for _ in range(SEND_TRIES):
            try:
                await js.publish(
                    subject,
                    json.dumps(message).encode(),
                    stream=INTAKE_STREAM,
                    headers={"Nats-Msg-Id": message["command_id"]},
                    timeout=2,
                )
                return True
            except UNAVAILABLE:
                await asyncio.sleep(0.1)
        return False


async def read_log(url: str, credentials: Credentials) -> list[Envelope]:
    """Every event on ``EVENTS``, read through the cluster."""
    nc = await connect(url, "test-reader", credentials)
    try:
        js = nc.jetstream()
        last = (await js.stream_info(EVENTS_STREAM)).state.last_seq
        events: list[Envelope] = []
        if last:
            sub = await js.subscribe(EVENTS_SUBJECTS, ordered_consumer=True)
            for _ in range(last):
                events.append(Envelope.from_json((await sub.next_msg(timeout=10)).data))
            await sub.unsubscribe()
        return events
    finally:
        await nc.drain()


async def events_leader(url: str, credentials: Credentials) -> str | None:
    nc = await connect(url, "test-leader", credentials)
    try:
        info = await nc.jetstream().stream_info(EVENTS_STREAM)
        return info.cluster.leader if info.cluster else None
    except UNAVAILABLE:
        return None
    finally:
        await nc.drain()


def node_named(nodes: list[Node], name: str) -> Node:
    for node in nodes:
        varz = node.monitor("/varz")
        if varz is not None and varz.get("server_name") == name:
            return node
    raise AssertionError(f"no running node is named {name}")


async def stop_a_while(node: Node, seconds: float) -> None:
    node.stop()
    await asyncio.sleep(seconds)
    node.start()
    await wait_until(node.healthy, timeout=30)


@contextlib.asynccontextmanager
async def deployed(
    nodes: list[Node], settings: Settings, schemas: dict[str, str], root: Path
) -> AsyncIterator[Deployment]:
    deployment = Deployment(nodes, settings, schemas, root)
    deployment.start()
    try:
        yield deployment
    finally:
        deployment.stop()


async def test_the_platform_runs_through_the_cluster_s_faults_losing_and_doubling_nothing(
    cluster: list[Node], postgres_settings: Settings, schemas: dict[str, str], tmp_path: Path
) -> None:
    """Issue 9, item 7: the EVENTS leader stopped, every PostgreSQL backend terminated, a node
    stopped while a service restarts, all under load: every acknowledged application on the log
    once, no service exit, both registry replicas at one digest, equal to a rebuild's."""
    ministry = Credentials("ministry", dev_password("ministry"))
    province = Province(cluster)
    stop_sending = asyncio.Event()
    async with deployed(cluster, postgres_settings, schemas, tmp_path / "deploy") as platform:
        sending = asyncio.create_task(province.run(stop_sending))
        try:
            await wait_until(lambda: len(province.acked) >= 20, timeout=60)

            leader = await wait_until(lambda: events_leader(platform.url, ministry), timeout=30)
            await stop_a_while(node_named(cluster, leader), seconds=3)
            await wait_until(lambda: len(province.acked) >= 80, timeout=90)

            assert platform.terminate_backends(postgres_settings.postgres_conninfo) > 0
            await wait_until(lambda: len(province.acked) >= 140, timeout=90)

            leader = await wait_until(lambda: events_leader(platform.url, ministry), timeout=30)
            other = next(n for n in cluster if n is not node_named(cluster, leader))
            other.stop()
            platform.processes["submission"].stop()  # restarted while a node is away
            platform.processes["submission"].start()
            await asyncio.sleep(3)
            other.start()
            await wait_until(other.healthy, timeout=30)
        finally:
            await asyncio.wait_for(sending, timeout=SENDS * PACE + 120)

        assert province.gave_up == []
        expected = sorted(province.acked)

        def decisions(events: list[Envelope]) -> list[str]:
            """The attempt each decision on the log answers (ApplicationSubmitted or, with no
            catalogue loaded here, ApplicationRejected: one event per attempt either way)."""
            sent = set(expected)
            return [str(e.causation_id) for e in events if str(e.causation_id) in sent]

        async def everything_applied() -> bool:
            events = await read_log(platform.url, ministry)
            if len(set(decisions(events))) < len(expected):
                return False
            digests = [platform.digest(name) for name in ("east", "west")]
            return all(d and d["events"] == len(events) for d in digests)

        await wait_until(everything_applied, timeout=120, interval=0.5)
        events = await read_log(platform.url, ministry)
        causes = decisions(events)
        assert len(causes) == len(set(causes)), "an application decided twice"
        assert sorted(causes) == expected, "an acknowledged application lost"
        assert platform.exited() == {}, "a service exited"
        east, west = platform.digest("east"), platform.digest("west")
        assert east is not None and west is not None and east["digest"] == west["digest"]

        platform.processes["registry-west"].stop()
        nc = await connect(platform.url, "test-rebuild", ministry)
        try:
            started = time.monotonic()
            rebuilt = await rebuild(build_registry(platform.replicas["west"]), nc.jetstream())
            assert time.monotonic() - started < 120
        finally:
            await nc.drain()
        assert rebuilt.digest == east["digest"]
