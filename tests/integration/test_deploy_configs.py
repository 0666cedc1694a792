"""The server configurations under ``deploy/`` as nats-server reads them.

DESIGN.md, "Durability is a setting": every configuration with a JetStream block fsyncs each write
(``sync_interval: always``), and the servers say so on ``/varz``. The single node and the three
cluster nodes pass nats-server's own check (``-t``); the accounts file is what the generator writes
from the contract's provinces; the 3-node cluster forms and keeps streams with three replicas; and
Prometheus scrapes the four services where they serve ``/metrics`` by default.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import nats
import pytest
import yaml
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import PubAck
from nats.js.errors import NoStreamResponseError

from services.evaluation.config import DEFAULT_METRICS_PORT as EVALUATION_METRICS_PORT
from services.review.config import DEFAULT_METRICS_PORT as REVIEW_METRICS_PORT
from services.submission.config import DEFAULT_METRICS_PORT as SUBMISSION_METRICS_PORT
from shared.bus.connection import waiting_out_elections
from shared.bus.server import free_port, server_binary
from shared.bus.streams import StreamMisconfiguredError, ensure_streams
from shared.config import Settings
from shared.contract.provinces import PROVINCES
from shared.contract.subjects import INTAKE_STREAM, intake_subject
from tests.support import wait_until

pytestmark = pytest.mark.integration

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NATS_DIR = DEPLOY / "nats"
SINGLE = NATS_DIR / "single.conf"
CLUSTER = tuple(NATS_DIR / "cluster" / f"nats-{n}.conf" for n in (1, 2, 3))


# --- helpers shared with test_deploy_permissions ----------------------------------------------


def generator() -> ModuleType:
    """``deploy/nats/generate_accounts.py``, loaded as a module."""
    spec = importlib.util.spec_from_file_location(
        "generate_accounts", NATS_DIR / "generate_accounts.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dev_env() -> dict[str, str]:
    """The process environment with every password variable set to its dev password."""
    return {**os.environ, **generator().dev_environment()}


def loopback_ports(text: str) -> set[int]:
    return {int(port) for port in re.findall(r"127\.0\.0\.1:(\d+)", text)}


def local_copy(conf: Path, root: Path, ports: dict[int, int], store_dir: Path) -> Path:
    """A copy of ``conf`` under ``root`` (same layout, so includes resolve) with free ports and a
    temporary store; every loopback port the file names must be in ``ports``."""
    text = conf.read_text()
    missing = loopback_ports(text) - ports.keys()
    assert not missing, f"{conf.name} names ports the test does not map: {sorted(missing)}"
    text = re.sub(r"127\.0\.0\.1:(\d+)", lambda m: f"127.0.0.1:{ports[int(m[1])]}", text)
    text, count = re.subn(r'store_dir:\s*"[^"]*"', f'store_dir: "{store_dir}"', text)
    assert count == 1, f"{conf.name} should have exactly one store_dir"
    target = root / conf.relative_to(DEPLOY)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    accounts = root / "nats" / "accounts.conf"
    if not accounts.exists():
        shutil.copy(NATS_DIR / "accounts.conf", accounts)
    return target


def free_ports(wanted: set[int]) -> dict[int, int]:
    """A distinct free loopback port for each port in ``wanted``."""
    mapping: dict[int, int] = {}
    while len(mapping) < len(wanted):
        port = free_port()
        if port not in mapping.values():
            mapping[sorted(wanted)[len(mapping)]] = port
    return mapping


def get_json(url: str) -> dict[str, Any] | None:
    """A monitoring document, or None while the server does not answer."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return dict(json.loads(response.read()))
    except OSError:
        return None


@dataclass
class Node:
    """One nats-server started from a deploy configuration."""

    conf: Path
    client_port: int
    http_port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.client_port}"

    def monitor(self, path: str) -> dict[str, Any] | None:
        return get_json(f"http://127.0.0.1:{self.http_port}{path}")

    def start(self) -> Node:
        log = (self.conf.parent / f"{self.conf.stem}.log").open("ab")
        self.process = subprocess.Popen(
            [server_binary(), "-c", str(self.conf)], env=dev_env(), stdout=log, stderr=log
        )
        return self

    def healthy(self) -> bool:
        assert self.process is not None
        assert self.process.poll() is None, f"nats-server exited; see {self.conf.parent}"
        health = self.monitor("/healthz")
        return health is not None and health.get("status") == "ok"

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def node_from(conf: Path, root: Path, ports: dict[int, int], store_dir: Path) -> Node:
    """A node of a temporary copy of ``conf``: its client port is the one of ``listen:``."""
    text = conf.read_text()
    client = re.search(r"^listen:\s*127\.0\.0\.1:(\d+)", text, re.MULTILINE)
    http = re.search(r"^http:\s*127\.0\.0\.1:(\d+)", text, re.MULTILINE)
    assert client and http, f"{conf.name} should listen and serve monitoring on loopback"
    copy = local_copy(conf, root, ports, store_dir)
    return Node(copy, ports[int(client[1])], ports[int(http[1])])


def check_config(conf: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``nats-server -t -c conf``: parse and check the configuration, then exit."""
    return subprocess.run(
        [server_binary(), "-t", "-c", str(conf)],
        env=env, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip


# --- text ---------------------------------------------------------------------------------------


def without_comments(text: str) -> str:
    """The configuration without ``#`` and ``//`` comments (quoted strings kept as they are)."""
    pattern = r'("(?:[^"\\]|\\.)*"|\'[^\']*\')|(#|//)[^\n]*'
    return re.sub(pattern, lambda m: m[1] or "", text)


def jetstream_blocks(text: str) -> list[str]:
    """The bodies of the ``jetstream { ... }`` blocks (not ``jetstream: enabled`` of an account)."""
    text = without_comments(text)
    blocks = []
    for match in re.finditer(r"\bjetstream\s*[:=]?\s*\{", text):
        depth, end = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            end += 1
        blocks.append(text[match.end() : end - 1])
    return blocks


def test_every_server_configuration_with_jetstream_fsyncs_every_write() -> None:
    with_jetstream = {
        conf: blocks
        for conf in sorted(DEPLOY.rglob("*.conf"))
        if (blocks := jetstream_blocks(conf.read_text()))
    }
    assert {SINGLE, *CLUSTER} <= with_jetstream.keys()
    for conf, blocks in with_jetstream.items():
        for block in blocks:
            assert re.search(r'\bsync_interval\s*[:=]?\s*"?always"?', block), (
                f"{conf.relative_to(DEPLOY)}: a jetstream block without sync_interval: always"
            )


def test_the_accounts_file_is_what_the_generator_writes_from_the_contract() -> None:
    assert (NATS_DIR / "accounts.conf").read_text() == generator().render(), (
        "deploy/nats/accounts.conf is stale: "
        "python deploy/nats/generate_accounts.py > deploy/nats/accounts.conf"
    )


def test_every_provincial_authority_has_an_account_of_its_own() -> None:
    text = without_comments((NATS_DIR / "accounts.conf").read_text())
    for code in PROVINCES:
        assert re.search(rf"\bP{code}\s*\{{", text), f"no account for {code}"
        assert f"user: p{code}," in text
        assert f'publish: {{ allow: ["intake.v1.*.{code}.>"] }}' in text


# --- nats-server -t ------------------------------------------------------------------------------


@pytest.mark.parametrize("conf", [SINGLE, *CLUSTER], ids=lambda conf: conf.name)
def test_nats_server_accepts_the_configuration(conf: Path) -> None:
    result = check_config(conf, dev_env())
    assert result.returncode == 0, result.stderr + result.stdout
    assert "is valid" in result.stderr + result.stdout


def test_nats_server_refuses_the_configuration_when_a_password_variable_is_not_set() -> None:
    env = dev_env()
    del env["PROVINCE_430000_PASSWORD"]
    result = check_config(SINGLE, env)
    assert result.returncode != 0
    assert "PROVINCE_430000_PASSWORD" in result.stderr + result.stdout


# --- the 3-node cluster --------------------------------------------------------------------------


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[list[Node]]:
    """The three cluster nodes on free loopback ports, each with its own temporary store."""
    ports = free_ports(set().union(*(loopback_ports(conf.read_text()) for conf in CLUSTER)))
    nodes = [
        node_from(conf, tmp_path, ports, tmp_path / "store" / conf.stem).start() for conf in CLUSTER
    ]
    try:
        await wait_until(lambda: all(node.healthy() for node in nodes), timeout=30)
        await wait_until(lambda: all(_meta_leader(node) for node in nodes), timeout=30)
        yield nodes
    finally:
        for node in nodes:
            node.stop()


def _meta_leader(node: Node) -> str | None:
    jsz = node.monitor("/jsz")
    meta = (jsz or {}).get("meta_cluster") or {}
    return meta.get("leader") if meta.get("cluster_size") == 3 else None


async def test_the_three_cluster_nodes_form_one_jetstream_cluster_that_fsyncs_every_write(
    cluster: list[Node],
) -> None:
    assert {_meta_leader(node) for node in cluster} == {_meta_leader(cluster[0])}
    for node in cluster:
        varz = node.monitor("/varz")
        assert varz is not None
        assert varz["jetstream"]["config"]["sync_always"] is True


async def test_streams_with_three_replicas_take_a_province_s_attempt_through_any_node(
    cluster: list[Node],
) -> None:
    env = generator().dev_environment()
    ministry = await nats.connect(
        cluster[0].url, user="ministry", password=env["MINISTRY_PASSWORD"]
    )
    province = await nats.connect(
        cluster[2].url, user="p430000", password=env["PROVINCE_430000_PASSWORD"],
        inbox_prefix="_INBOX.p430000",
    )  # fmt: skip
    try:
        js = ministry.jetstream()
        # as every service starts with STREAM_REPLICAS=3, waiting out the cluster's elections
        await waiting_out_elections("streams", lambda: ensure_streams(js, replicas=3))
        await ensure_streams(js, replicas=3)  # and the next one finds them as configured
        with pytest.raises(StreamMisconfiguredError, match=r"num_replicas=3 \(wanted 1\)"):
            await ensure_streams(js, replicas=1)  # a single-node setting on the cluster: refused
        # A new replicated stream takes a moment to elect its leader, and its interest a moment
        # more to reach the other nodes; until then, no responder. The id makes a retry safe.
        await wait_until(lambda: _has_leader(js, INTAKE_STREAM), timeout=20, interval=0.1)

        async def attempt() -> PubAck | None:
            with contextlib.suppress(NoRespondersError, NoStreamResponseError, NatsTimeoutError):
                return await province.jetstream().publish(
                    intake_subject("submission", "430000", "SubmitApplication"), b"{}",
                    stream=INTAKE_STREAM, headers={"Nats-Msg-Id": "cluster-attempt-1"},
                    timeout=2,
                )  # fmt: skip
            return None

        ack = await wait_until(attempt, timeout=20, interval=0.2)
        assert (ack.stream, ack.seq) == (INTAKE_STREAM, 1)
        info = await js.stream_info(INTAKE_STREAM)
        assert info.config.num_replicas == 3
        assert info.cluster is not None and len(info.cluster.replicas or []) == 2
    finally:
        await province.close()
        await ministry.close()


async def _has_leader(js: JetStreamContext, stream: str) -> bool:
    info = await js.stream_info(stream)
    replicas = (info.cluster.replicas or []) if info.cluster else []
    return bool(info.cluster and info.cluster.leader) and all(r.current for r in replicas)


# --- Prometheus ----------------------------------------------------------------------------------


def _scrape_targets() -> Iterator[tuple[str, str, str]]:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    for job in config["scrape_configs"]:
        for static in job["static_configs"]:
            for target in static["targets"]:
                yield job["job_name"], job.get("metrics_path", "/metrics"), target


def test_prometheus_scrapes_the_four_services_where_they_serve_metrics_by_default() -> None:
    registry_port = Settings.model_fields["registry_port"].default
    assert sorted(_scrape_targets()) == [
        ("evaluation", "/metrics", f"127.0.0.1:{EVALUATION_METRICS_PORT}"),
        ("registry", "/metrics", f"127.0.0.1:{registry_port}"),
        ("review", "/metrics", f"127.0.0.1:{REVIEW_METRICS_PORT}"),
        ("submission", "/metrics", f"127.0.0.1:{SUBMISSION_METRICS_PORT}"),
    ]
