"""A province plugs in with its own credentials on the production configuration (ADR 6):
its tool publishes on its own intake subject, the services (as the ministry) decide, and the
decision reaches the province's own inbox — nothing else is open to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from demobase.client import intake_message
from demobase.clock import ClockedDesk
from services.registry.bootstrap import build_registry
from services.registry.queries import find_entry
from services.submission.bootstrap import build as build_submission
from shared.bus.connection import Credentials
from shared.config import Settings
from tests.e2e.test_submission_path import registry_runtime
from tests.integration.test_deploy_configs import (
    SINGLE,
    Node,
    free_ports,
    generator,
    loopback_ports,
    node_from,
)
from tests.support import at, park_application, running, sample_catalogue_body, wait_until

pytestmark = pytest.mark.e2e
HUNAN = "430000"


@pytest.fixture
async def production(tmp_path: Path) -> AsyncIterator[Node]:
    """deploy/nats/single.conf with its accounts, on free loopback ports."""
    node = node_from(
        SINGLE, tmp_path, free_ports(loopback_ports(SINGLE.read_text())), tmp_path / "store"
    ).start()
    try:
        await wait_until(node.healthy, timeout=20)
        yield node
    finally:
        node.stop()


def credentials(user: str, inbox_prefix: str | None = None) -> Credentials:
    passwords = generator().dev_environment()
    return Credentials(user, passwords[generator().password_variable(user)], inbox_prefix)


async def test_a_province_submits_with_its_own_credentials_and_gets_its_decision(
    production: Node, sqlite_settings: Settings
) -> None:
    """Identity comes from the subject: Hunan's user sends on Hunan's subject and is answered."""
    ministry = credentials("ministry")
    settings = sqlite_settings.model_copy(update={
        "nats_url": production.url, "nats_user": ministry.user,
        "nats_password": ministry.password,
    })  # fmt: skip
    hunan = credentials(f"p{HUNAN}", f"_INBOX.p{HUNAN}")
    async with running(build_submission(settings), registry_runtime(settings, production.url)):
        catalogue = intake_message("LoadZoneCatalogue", sample_catalogue_body(), "000000",
                                   "ministry", at("2026-01-05"))  # fmt: skip
        desk = ClockedDesk(production.url, clock_credentials=ministry)  # the operator's clock
        assert (await desk.send("submission", catalogue, credentials=ministry)).accepted
        application = intake_message("SubmitApplication", park_application(), HUNAN,
                                     f"province:{HUNAN}", at("2026-03-20"))  # fmt: skip
        decision = await desk.send("submission", application, credentials=hunan)
        db = build_registry(settings).db
        entry = await wait_until(lambda: find_entry(db, str(decision.subject_id)))
    assert decision.accepted and decision.recorded == "ApplicationSubmitted"
    assert entry["province"] == HUNAN and entry["status"] == "submitted"
