"""NATS_URL may name several servers, comma-separated, as a cluster's nodes (issue 9, item 2):
every process connects through `shared.bus.connection.connect`, which hands nats-py the list, so
a node that is down is passed over for one that answers."""

from __future__ import annotations

import pytest

from shared.bus.connection import connect, servers
from shared.bus.server import EmbeddedNats, free_port

pytestmark = pytest.mark.integration


def test_a_comma_separated_url_is_a_list_of_servers() -> None:
    assert servers(" nats://a:4222, nats://b:4223 ,") == ["nats://a:4222", "nats://b:4223"]
    assert servers("nats://a:4222") == ["nats://a:4222"]


async def test_a_server_that_is_down_is_passed_over_for_one_that_answers(
    nats_server: EmbeddedNats,
) -> None:
    down = f"nats://127.0.0.1:{free_port()}"
    client = await connect(f"{down},{nats_server.url}", "test-server-list")
    try:
        assert client.is_connected
        assert client.connected_url is not None
        assert client.connected_url.port == nats_server.port
        assert len(client.servers) >= 2  # both are in its pool, for its reconnects
    finally:
        await client.close()
