"""Every CLI command connects one way (demobase.client.bus): the server it was told of, with
NATS_USER, NATS_PASSWORD, NATS_INBOX_PREFIX and NATS_JS_PREFIX honoured (issue 11, item 7). On
deploy/'s single node, which has no anonymous user: `status` as the ministry, `registry rebuild`
as the read-only auditor through its JetStream API prefix; without them, one line each."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from demobase.cli import app
from tests.integration import test_deploy_permissions as permissions
from tests.integration.test_deploy_configs import Node, generator

server, login, ministry = permissions.server, permissions.login, permissions.ministry

pytestmark = pytest.mark.integration


async def cli(
    tmp_path: Path, node: Node, user: str | None, *args: str, **env: str
) -> tuple[int, str]:
    passwords = generator().dev_environment()
    environment: dict[str, str | None] = {
        "NATS_URL": node.url, "VAR_DIR": str(tmp_path / "var"), "COLUMNS": "200",
        "NATS_USER": user, "NATS_PASSWORD": passwords[generator().password_variable(user)]
        if user else None, "NATS_INBOX_PREFIX": None, "NATS_JS_PREFIX": None, **env,
    }  # fmt: skip
    result = await asyncio.to_thread(CliRunner().invoke, app, list(args), env=environment)
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


async def test_status_goes_as_the_user_it_is_given(
    tmp_path: Path, server: Node, ministry: permissions.Connected
) -> None:
    """`status` as NATS_USER=ministry reads the streams; with no user the node refuses it, and
    the CLI says so in one line."""
    code, output = await cli(tmp_path, server, "ministry", "status")
    assert code == 0 and "not running" in output, output
    code, output = await cli(tmp_path, server, None, "status")
    assert code == 1 and output.startswith("error: ") and len(output.splitlines()) == 1, output


async def test_rebuild_goes_as_the_auditor_through_its_api_prefix(
    tmp_path: Path, server: Node, ministry: permissions.Connected
) -> None:
    """`registry rebuild` as the auditor: its inbox prefix and NATS_JS_PREFIX, or no JetStream
    answers it (one line)."""
    auditor = {"NATS_INBOX_PREFIX": "_INBOX.auditor", "REGISTRY_PORT": "0"}
    code, output = await cli(tmp_path, server, "auditor", "registry", "rebuild",
                             NATS_JS_PREFIX=generator().AUDITOR_JS_API, **auditor)  # fmt: skip
    assert code == 0 and "events: 0" in output, output
    code, output = await cli(tmp_path, server, "auditor", "registry", "rebuild", **auditor)
    assert code == 1 and "error: " in output and "Traceback" not in output, output
