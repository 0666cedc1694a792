"""Connecting to NATS, the same way in every process."""

from __future__ import annotations

import nats
from nats.aio.client import Client


async def connect(url: str, name: str) -> Client:
    """Connect with a client name (visible in the server's ``/connz``) and bounded reconnects."""
    return await nats.connect(
        url,
        name=name,
        connect_timeout=5,
        max_reconnect_attempts=60,
        reconnect_time_wait=0.5,
        allow_reconnect=True,
    )
