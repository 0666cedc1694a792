"""Connecting to NATS, the same way in every process."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import nats
from nats.aio.client import Client

from shared.config import Settings


@dataclass(frozen=True)
class Credentials:
    """Who connects: a user of ``deploy/nats/accounts.conf`` and its inbox prefix.

    A province connects as ``p<code>`` with the inbox prefix ``_INBOX.p<code>``: the only
    inboxes its account receives (ADR 6). The embedded development server needs none.
    """

    user: str | None = None
    password: str | None = None
    inbox_prefix: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Credentials:
        """``NATS_USER``, ``NATS_PASSWORD``, ``NATS_INBOX_PREFIX``."""
        return cls(settings.nats_user, settings.nats_password, settings.nats_inbox_prefix)


async def connect(url: str, name: str, credentials: Credentials | None = None) -> Client:
    """Connect with a client name (visible in the server's ``/connz``) and bounded reconnects."""
    options: dict[str, Any] = {}
    if credentials is not None and credentials.user:
        options.update(user=credentials.user, password=credentials.password)
    if credentials is not None and credentials.inbox_prefix:
        options.update(inbox_prefix=credentials.inbox_prefix)
    return await nats.connect(
        url,
        name=name,
        connect_timeout=5,
        max_reconnect_attempts=60,
        reconnect_time_wait=0.5,
        allow_reconnect=True,
        **options,
    )
