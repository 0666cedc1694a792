"""The README's tour through the one CLI: submit the examples, list and show the registry,
compare the live digest with a rebuild (issue 2, items 6–8)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from demobase.cli import app
from services.registry.bootstrap import build as build_registry_service
from services.submission.bootstrap import build as build_submission
from services.submission.data.zones import SAMPLE_PATH
from shared.bus.server import EmbeddedNats
from shared.config import Settings
from tests.support import running, wait_until

pytestmark = pytest.mark.e2e
EXAMPLES = Path(__file__).parents[2] / "examples"


def cli(settings: Settings, url: str, *args: str) -> tuple[int, str]:
    env = {"NATS_URL": url, "VAR_DIR": str(settings.var_dir), "COLUMNS": "200"}
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


async def test_the_readme_tour_submits_lists_shows_and_rebuilds_to_the_same_digest(
    nats_server: EmbeddedNats, sqlite_settings: Settings
) -> None:
    """Both example applications are accepted and appear with their timelines."""
    settings = sqlite_settings.model_copy(update={"nats_url": nats_server.url, "registry_port": 0})
    url = nats_server.url
    async with running(build_submission(settings), build_registry_service(settings)):
        await wait_until(lambda: (settings.var_dir / "registry.url").exists())
        zones = str(SAMPLE_PATH)
        loaded = await asyncio.to_thread(cli, settings, url, "catalogue", "load", zones)
        assert loaded[0] == 0, loaded[1]
        park = await asyncio.to_thread(
            cli, settings, url, "submit", str(EXAMPLES / "niid-park-changsha.yaml")
        )
        firm = await asyncio.to_thread(
            cli, settings, url, "submit", str(EXAMPLES / "eidb-enterprise-fuzhou.json")
        )
        code, listed = await asyncio.to_thread(cli, settings, url, "registry", "list", "--json")
        shown = await asyncio.to_thread(cli, settings, url, "registry", "show", "NIID-430000")
        live = await asyncio.to_thread(cli, settings, url, "registry", "digest")
        rebuilt = await asyncio.to_thread(cli, settings, url, "registry", "rebuild")
        audited = await asyncio.to_thread(cli, settings, url, "audit", "verify")
    assert park[0] == 0 and "accepted: ApplicationSubmitted NIID-430000-" in park[1]
    assert firm[0] == 0 and "accepted: ApplicationSubmitted EIDB-350000-" in firm[1]
    entries = json.loads(listed)
    assert code == 0
    assert {(e["programme"], e["province"], e["status"]) for e in entries} == {
        ("NIID", "430000", "submitted"), ("EIDB", "350000", "submitted"),
    }  # fmt: skip
    assert {"id", "name", "province", "programme", "status"} <= set(entries[0])
    assert shown[0] == 0 and "长沙经济技术开发区" in shown[1] and "ApplicationSubmitted" in shown[1]
    assert live[0] == 0 and live[1].startswith("events: 2\ndigest: ")
    assert rebuilt[0] == 0 and rebuilt[1].splitlines()[-2:] == live[1].splitlines()
    assert audited[0] == 0 and "the log holds" in audited[1], audited[1]


def test_every_command_has_help() -> None:
    """`--help` works on every command of the one CLI."""
    commands = [
        [], ["run"], ["submit"], ["demo"], ["registry"], ["registry", "list"], ["registry", "show"],
        ["registry", "digest"], ["registry", "rebuild"], ["contract", "asyncapi"],
        ["catalogue", "load"], ["forms", "template"], ["forms", "check"], ["batch", "open"],
        ["batch", "forward"], ["batch", "list"], ["batch", "funnel"], ["city", "review"],
        ["province", "recommend"], ["province", "reject"], ["province", "summary-table"],
        ["send"], ["calendar", "window"], ["calendar", "check"], ["audit", "verify"],
        ["registry", "as-of"], ["status"],
    ]  # fmt: skip
    for args in ([*command, "--help"] for command in commands):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
        assert "Usage" in result.output
