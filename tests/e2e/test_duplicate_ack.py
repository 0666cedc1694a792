"""The CLI reads a duplicate acknowledgement truthfully (issue 12).

JetStream keeps one copy per ``Nats-Msg-Id`` within the duplicate window (ADR 4): a second copy
is acknowledged with ``duplicate: true`` and the sequence of the first, and no service ever sees
it. The CLI used to wait for a decision that could not come and then say "no decision", which was
false. Now it says what the intake holds: this very attempt (a resend), another attempt under the
same command id, or, for a province that cannot read the intake, that an attempt with this id is
already there.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import yaml
from typer.testing import CliRunner

from demobase.cli import app
from demobase.client import AlreadyOnIntakeError, intake_message, send_command
from services.registry.bootstrap import build as build_registry_service
from services.submission.bootstrap import build as build_submission
from shared.bus.connection import connect
from shared.bus.server import EmbeddedNats
from shared.config import Settings
from shared.contract.subjects import INTAKE_STREAM
from tests.integration.test_deploy_configs import (
    Node,
)
from tests.support import at, dev_credentials, load_catalogue, park_application, running, wait_until

pytestmark = pytest.mark.e2e

HUNAN = "430000"
EXAMPLES = Path(__file__).parents[2] / "examples"


def application(**body: Any) -> dict[str, Any]:
    return intake_message("SubmitApplication", park_application(**body), HUNAN,
                          f"province:{HUNAN}", at("2026-03-20"))  # fmt: skip


async def intake_last(url: str) -> int:
    nc = await connect(url, "test-intake")
    try:
        return int((await nc.jetstream().stream_info(INTAKE_STREAM)).state.last_seq)
    finally:
        await nc.drain()


async def test_a_resend_of_the_same_attempt_is_reported_as_already_received_at_once(
    nats_server: EmbeddedNats, sqlite_settings: Settings
) -> None:
    """issue 12: the second copy is not waited for; the CLI names the intake sequence of the
    first and says it is a resend, even when the resend was built afresh (new issued_at and
    correlation_id, same command, sender and body)."""
    settings = sqlite_settings.model_copy(update={"nats_url": nats_server.url})
    async with running(build_submission(settings)):
        await load_catalogue(nats_server.url)
        message = application()
        first = await send_command(nats_server.url, "submission", message)
        stored_at = await intake_last(nats_server.url)
        resent = {**message, "issued_at": at("2026-03-21").isoformat(),
                  "correlation_id": str(uuid4())}  # fmt: skip
        for again in (message, resent):
            started = time.monotonic()
            with pytest.raises(AlreadyOnIntakeError) as duplicate:
                await send_command(nats_server.url, "submission", again, timeout=10)
            assert time.monotonic() - started < 3, "it waited for a decision that cannot come"
            assert (duplicate.value.sequence, duplicate.value.same) == (stored_at, True)
            assert f"already received as intake #{stored_at} (a resend of the same attempt" in (
                str(duplicate.value)
            )
            assert "demobase refusals" in str(duplicate.value)
        assert await intake_last(nats_server.url) == stored_at
    assert first.accepted, first


async def test_another_attempt_under_a_used_command_id_is_told_to_choose_a_new_one(
    nats_server: EmbeddedNats, sqlite_settings: Settings
) -> None:
    """issue 12: the stored attempt differs (another park): the CLI says the id was used by
    another attempt and does not show that attempt's payload."""
    settings = sqlite_settings.model_copy(update={"nats_url": nats_server.url})
    async with running(build_submission(settings)):
        await load_catalogue(nats_server.url)
        message = application(name="第一个园区")
        await send_command(nats_server.url, "submission", message)
        stored_at = await intake_last(nats_server.url)
        other = {**application(name="另一个园区"), "command_id": message["command_id"]}
        with pytest.raises(AlreadyOnIntakeError) as duplicate:
            await send_command(nats_server.url, "submission", other)
    text = str(duplicate.value)
    assert (duplicate.value.sequence, duplicate.value.same) == (stored_at, False)
    assert text == (
        f"the command id {message['command_id']} was already used by another attempt "
        f"(intake #{stored_at}); this one was dropped: choose a new command_id"
    )
    assert "第一个园区" not in text


credentials = dev_credentials


async def test_a_province_that_cannot_read_the_intake_is_told_plainly_what_the_ack_means(
    production: Node, sqlite_settings: Settings
) -> None:
    """issue 12: Hunan's user has no JetStream API (ADR 6): the CLI does not try to compare,
    says an attempt with this command id is on the intake at sequence N and where its decision
    went, and suggests where to look."""
    ministry = credentials("ministry")
    settings = sqlite_settings.model_copy(update={
        "nats_url": production.url, "nats_user": ministry.user, "nats_password": ministry.password,
    })  # fmt: skip
    hunan = credentials(f"p{HUNAN}", f"_INBOX.p{HUNAN}")
    async with running(build_submission(settings)):
        message = application()
        first = await send_command(production.url, "submission", message, credentials=hunan)
        started = time.monotonic()
        with pytest.raises(AlreadyOnIntakeError) as duplicate:
            await send_command(production.url, "submission", message, credentials=hunan)
        took = time.monotonic() - started
    sequence = duplicate.value.sequence
    assert first.command_id is not None and duplicate.value.same is None and sequence >= 1
    assert str(duplicate.value).startswith(
        f"an attempt with command id {message['command_id']} is already on the intake at "
        f"sequence {sequence}, so this copy was dropped and no decision comes for it; its "
        "decision was sent to its original sender: see `demobase refusals`"
    )
    assert took < 2, "it waited on an API the province may not call"


def cli(settings: Settings, *args: str) -> tuple[int, str]:
    env = {"NATS_URL": str(settings.nats_url), "VAR_DIR": str(settings.var_dir),
           "COLUMNS": "200"}  # fmt: skip
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


async def test_demobase_submit_sent_twice_with_its_command_id_says_already_received(
    nats_server: EmbeddedNats, sqlite_settings: Settings, tmp_path: Path
) -> None:
    """issue 12: a file with its own ``command_id`` is a resend the second time (exit 3, no
    "no decision"); changed and sent under the same id, it is refused before it is sent."""
    shutil.copytree(EXAMPLES / "forms", tmp_path / "forms")
    document = yaml.safe_load((EXAMPLES / "niid-park-changsha.yaml").read_text(encoding="utf-8"))
    command_id = str(uuid4())
    path = tmp_path / "application.yaml"
    path.write_text(yaml.safe_dump({**document, "command_id": command_id}, allow_unicode=True),
                    encoding="utf-8")  # fmt: skip
    settings = sqlite_settings.model_copy(update={"nats_url": nats_server.url, "registry_port": 0})
    async with running(build_submission(settings), build_registry_service(settings)):
        await wait_until(lambda: (settings.var_dir / "registry.url").exists())
        await load_catalogue(nats_server.url)
        first = await asyncio.to_thread(cli, settings, "submit", str(path))
        stored_at = await intake_last(nats_server.url)
        again = await asyncio.to_thread(cli, settings, "submit", str(path))
        changed = {**document, "command_id": command_id, "name": "另一个名称"}
        path.write_text(yaml.safe_dump(changed, allow_unicode=True), encoding="utf-8")
        other = await asyncio.to_thread(cli, settings, "submit", str(path))
        bad = tmp_path / "bad.yaml"
        bad.write_text(yaml.safe_dump({**document, "command_id": "7"}), encoding="utf-8")
        malformed = await asyncio.to_thread(cli, settings, "submit", str(bad))

    assert first[0] == 0 and "accepted: ApplicationSubmitted NIID-430000-" in first[1], first[1]
    assert again[0] == 3, again[1]
    assert f"already received: already received as intake #{stored_at} (a resend" in again[1]
    assert "no decision" not in again[1]
    assert other[0] == 1 and "was already used by another attempt" in other[1], other[1]
    assert "choose a new command_id" in other[1]
    assert malformed[0] == 1 and "'command_id' must be a UUID" in malformed[1], malformed[1]
