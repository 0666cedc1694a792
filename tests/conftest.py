"""Fixtures shared by every level: a real nats-server per test, settings over a temporary var/,
and PostgreSQL from ``POSTGRES_*`` (skipped with a reason where none is reachable, failing instead
when ``REQUIRE_POSTGRES=1``)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest
from nats.aio.client import Client

from shared.bus.connection import connect
from shared.bus.server import EmbeddedNats
from shared.config import Settings

if TYPE_CHECKING:
    from tests.integration.test_deploy_configs import Node


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[EmbeddedNats]:
    """A nats-server with JetStream on a free loopback port, its store in a temporary folder."""
    server = EmbeddedNats(tmp_path / "nats", name=f"test-{uuid.uuid4().hex[:8]}").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def production(tmp_path: Path) -> AsyncIterator[Node]:
    """deploy/nats/single.conf with its accounts and the dev passwords, on free loopback ports."""
    from tests.integration.test_deploy_configs import SINGLE, free_ports, loopback_ports, node_from
    from tests.support import wait_until

    node = node_from(
        SINGLE, tmp_path, free_ports(loopback_ports(SINGLE.read_text())), tmp_path / "store"
    ).start()
    try:
        await wait_until(node.healthy, timeout=20)
        yield node
    finally:
        node.stop()


@pytest.fixture
async def nc(nats_server: EmbeddedNats) -> AsyncIterator[Client]:
    """A client of that server (no stream created: each test says which it needs)."""
    client = await connect(nats_server.url, "test")
    try:
        yield client
    finally:
        await client.drain()


def _postgres_env() -> dict[str, str]:
    return {
        "host": os.environ.get("POSTGRES_HOST", "127.0.0.1"),
        "port": os.environ.get("POSTGRES_PORT", "5432"),
        "user": os.environ.get("POSTGRES_USER", "postgres"),
        "password": os.environ.get("POSTGRES_PASSWORD", ""),
        "dbname": os.environ.get("POSTGRES_DBNAME", "postgres"),
    }


@pytest.fixture(scope="session")
def postgres_conninfo() -> str:
    """A reachable PostgreSQL, or a skip (a failure when REQUIRE_POSTGRES=1)."""
    env = _postgres_env()
    conninfo = psycopg.conninfo.make_conninfo(**{k: v for k, v in env.items() if v})
    try:
        with psycopg.connect(conninfo, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.OperationalError as error:
        reason = f"PostgreSQL not reachable at {env['host']}:{env['port']} ({error})"
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(reason)
    return conninfo


@pytest.fixture
def postgres_schema(postgres_conninfo: str) -> Iterator[str]:
    """A fresh schema of its own for one test, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema
    finally:
        with psycopg.connect(postgres_conninfo, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(var_dir=tmp_path / "var", persistence_module="eventsourcing.sqlite")


@pytest.fixture
def postgres_settings(tmp_path: Path, postgres_schema: str) -> Settings:
    env = _postgres_env()
    return Settings(
        var_dir=tmp_path / "var",
        persistence_module="eventsourcing.postgres",
        postgres_host=env["host"],
        postgres_port=int(env["port"]),
        postgres_user=env["user"],
        postgres_password=env["password"],
        postgres_dbname=env["dbname"],
        postgres_schema=postgres_schema,
    )


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request: pytest.FixtureRequest) -> Settings:
    """Settings for each persistence adapter: the contract suites run once per adapter."""
    name = "sqlite_settings" if request.param == "sqlite" else "postgres_settings"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]
