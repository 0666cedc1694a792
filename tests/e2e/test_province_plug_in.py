"""A province plugs in with its own credentials on the production configuration (ADR 6):
its tool publishes on its own intake subject, the services (as the ministry) decide, and the
decision reaches the province's own inbox — nothing else is open to it."""

from __future__ import annotations

import pytest

from demobase.client import intake_message
from demobase.clock import ClockedDesk
from services.registry.bootstrap import build_registry
from services.registry.queries import find_entry
from services.submission.bootstrap import build as build_submission
from shared.config import Settings
from tests.e2e.test_submission_path import registry_runtime
from tests.integration.test_deploy_configs import (
    Node,
)
from tests.support import (
    at,
    dev_credentials,
    park_application,
    running,
    sample_catalogue_body,
    wait_until,
)

pytestmark = pytest.mark.e2e
HUNAN = "430000"


credentials = dev_credentials


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
