"""The CLI over a running system: one id resolver for every command (full id, unambiguous prefix,
name; an ambiguous one lists its matches), `batch funnel NOPE` not found, tables that fit the
terminal without cutting ids, `--json`, and `make demo` on a used system saying what to do
(issue 11, item 7)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from demobase.cli import app
from services.registry.bootstrap import build as build_registry_service
from services.submission.bootstrap import build as build_submission
from services.submission.data.zones import SAMPLE_PATH
from shared.bus.connection import connect
from shared.bus.server import EmbeddedNats
from shared.config import Settings
from shared.contract.subjects import INTAKE_STREAM, intake_subject
from tests.support import running, wait_until

pytestmark = pytest.mark.e2e
EXAMPLES = Path(__file__).parents[2] / "examples"
FUZHOU_FIRM = "福州新型储能装备有限公司"


class Cli:
    """The one CLI against the test's server and registry, at a given terminal width."""

    def __init__(self, settings: Settings, url: str) -> None:
        self.settings, self.url = settings, url

    async def __call__(self, *args: str, columns: int = 200) -> tuple[int, str]:
        env = {"NATS_URL": self.url, "VAR_DIR": str(self.settings.var_dir),
               "COLUMNS": str(columns)}  # fmt: skip
        result = await asyncio.to_thread(CliRunner().invoke, app, list(args), env=env)
        assert "Traceback" not in result.output, result.output
        return result.exit_code, result.output

    async def ok(self, *args: str) -> str:
        code, output = await self(*args)
        assert code == 0, (args, output)
        return output

    async def last_attempt(self, province: str, command: str) -> dict[str, Any]:
        """The last attempt on the intake for ``command`` of ``province``, as it was sent."""
        nc = await connect(self.url, "test-intake-reader")
        try:
            subject = intake_subject("submission", province, command)
            stored = await nc.jetstream().get_last_msg(INTAKE_STREAM, subject)
            return dict(json.loads(stored.data or b"{}"))
        finally:
            await nc.drain()


def json_of(output: str) -> Any:
    """The JSON document of a `--json` answer (the services of this process log on stdout too)."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line in ("{", "[", "[]", "{}"))
    end = max(i for i, line in enumerate(lines) if line in ("}", "]", "[]", "{}"))
    return json.loads("\n".join(lines[start : end + 1]))


def second_hunan_park(folder: Path) -> Path:
    """Another NIID park in Hunan: its id shares the prefix NIID-430000 with Changsha's."""
    text = (EXAMPLES / "niid-park-changsha.yaml").read_text(encoding="utf-8")
    text = text.replace("name: 长沙经济技术开发区", "name: 长沙高新技术产业开发区")
    text = text.replace("zone: 长沙经济技术开发区", "zone: 长沙高新技术产业开发区")
    text = text.replace("form_file: forms/", f"form_file: {EXAMPLES / 'forms'}/")
    path = folder / "niid-park-changsha-high-tech.yaml"
    path.write_text(text, encoding="utf-8")
    return path


async def test_every_command_takes_a_short_id_or_a_name_and_says_when_it_is_ambiguous(
    nats_server: EmbeddedNats, sqlite_settings: Settings, tmp_path: Path
) -> None:
    """`city review` and `province recommend` send the full id of a prefix or a name; two
    applications under one prefix are listed, not "not found"; `batch funnel NOPE` fails
    naming it; `registry list` fits 60 columns with every id whole; `demo` on a system that
    holds its batch says `make reset`."""
    settings = sqlite_settings.model_copy(update={"nats_url": nats_server.url, "registry_port": 0})
    cli = Cli(settings, nats_server.url)
    batches = EXAMPLES / "batches"
    async with running(build_submission(settings), build_registry_service(settings)):
        await wait_until(lambda: (settings.var_dir / "registry.url").exists())
        await cli.ok("catalogue", "load", str(SAMPLE_PATH), "--effective-date", "2026-02-02")
        await cli.ok("batch", "open", str(batches / "eidb-2026-1.yaml"),
                     "--effective-date", "2026-03-02")  # fmt: skip
        await cli.ok("batch", "forward", str(batches / "eidb-2026-1-fujian.yaml"),
                     "--effective-date", "2026-03-05")  # fmt: skip
        submitted = await cli.ok("submit", str(batches / "application-fuzhou-enterprise.json"),
                                 "--effective-date", "2026-03-10")  # fmt: skip
        firm = submitted.split("accepted: ApplicationSubmitted ")[1].split()[0]

        reviewed = await cli("city", "review", firm[:14], "--city", "福州市",
                             "--effective-date", "2026-03-20", "--json")  # fmt: skip
        by_city = await cli.last_attempt("350000", "ReviewByCity")
        recommended = await cli("province", "recommend", FUZHOU_FIRM, "--document", "推荐文件",
                                "--effective-date", "2026-03-30")  # fmt: skip
        by_province = await cli.last_attempt("350000", "RecommendApplication")

        await cli.ok("submit", str(EXAMPLES / "niid-park-changsha.yaml"))
        await cli.ok("submit", str(second_hunan_park(tmp_path)))
        ambiguous = await cli("province", "recommend", "NIID-430000", "--document", "推荐文件")
        shown_ambiguous = await cli("registry", "show", "niid-430000")
        by_name = await cli.ok("registry", "show", "长沙高新技术产业开发区")
        missing = await cli("registry", "show", "NOPE")
        funnel_nope = await cli("batch", "funnel", "NOPE")
        funnel = await cli.ok("batch", "funnel", "EIDB", "--json")
        listed = await cli.ok("registry", "list", "--json")
        narrow = await cli("registry", "list", columns=60)
        demo = await cli("demo")

    assert reviewed[0] in (0, 2) and json_of(reviewed[1])["command_id"] == by_city["command_id"]
    assert by_city["body"]["application_id"] == firm
    assert recommended[0] in (0, 2) and by_province["body"]["application_id"] == firm

    assert ambiguous[0] == 1 and "matches 2 applications" in ambiguous[1]
    assert "长沙经济技术开发区" in ambiguous[1] and "长沙高新技术产业开发区" in ambiguous[1]
    assert shown_ambiguous[0] == 1 and "matches 2" in shown_ambiguous[1]
    assert "长沙高新技术产业开发区" in by_name and "ApplicationSubmitted" in by_name
    assert (
        missing[0] == 1
        and "no application or base with id, id prefix or name 'NOPE'" in (missing[1])
    )
    assert funnel_nope[0] == 1 and "no batch with id, id prefix or name 'NOPE'" in funnel_nope[1]
    assert json_of(funnel)["batch_id"] == "EIDB-2026-1"

    ids = [entry["id"] for entry in json_of(listed)]
    assert narrow[0] == 0 and len(ids) == 3
    assert all(cell_len(line) <= 60 for line in narrow[1].splitlines()), narrow[1]
    assert all(entry_id in narrow[1] for entry_id in ids), narrow[1]

    assert demo[0] == 1 and "EIDB-2026-1" in demo[1] and "make reset" in demo[1]
