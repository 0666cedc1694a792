"""The CLI never shows a traceback for a person's mistake or a server that does not answer: one
line naming the cause and what to do, and a non-zero status (issue 11, item 7). These cases need
no server: NATS is down (a port nothing listens on) or not known at all, and the files and
options are wrong before anything is sent."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from demobase.cli import app
from demobase.ids import AmbiguousIdError, Candidate, NotFoundError, resolve

pytestmark = pytest.mark.unit
EXAMPLES = Path(__file__).parents[2] / "examples"


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cli(tmp_path: Path, *args: str, nats: str | None = None) -> tuple[int, str]:
    """The CLI with a VAR_DIR of its own, NATS_URL as given (unset by default), 200 columns."""
    env = {"VAR_DIR": str(tmp_path / "var"), "NATS_URL": nats, "COLUMNS": "200",
           "AUDIT_PUBLIC_KEY": None}  # fmt: skip
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


def one_line_error(output: str) -> str:
    """The output is one error line and no traceback; the line is returned."""
    assert "Traceback" not in output and "╭" not in output, output
    [line] = [text for text in output.splitlines() if text.strip()]
    assert line.startswith("error: "), output
    return line


@pytest.mark.parametrize("command", [["status"], ["registry", "rebuild"], ["refusals"]])
def test_nats_down_is_one_line_naming_the_server(tmp_path: Path, command: list[str]) -> None:
    """`status`, `registry rebuild`, `refusals` with NATS_URL pointing at no server: one line
    with the URL and what to do, status 1, at once (no half-minute of reconnects)."""
    url = f"nats://127.0.0.1:{closed_port()}"
    code, output = cli(tmp_path, *command, nats=url)
    line = one_line_error(output)
    assert code == 1
    assert url in line and "cannot reach NATS" in line and "make run" in line


def test_no_server_known_is_said_and_no_default_port_is_tried(tmp_path: Path) -> None:
    """Without NATS_URL and without the server `make run` recorded in var/nats.url the CLI says
    so; it never falls back to port 4222, which may be another system's server."""
    code, output = cli(tmp_path, "status")
    line = one_line_error(output)
    assert code == 1 and "no NATS server to talk to" in line and "4222" not in line
    assert "nats.url" in line and "NATS_URL" in line


def test_the_recorded_server_of_make_run_is_the_one_used(tmp_path: Path) -> None:
    """var/nats.url, as `make run` writes it, is where the CLI goes when NATS_URL is unset."""
    url = f"nats://127.0.0.1:{closed_port()}"
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "nats.url").write_text(url + "\n")
    code, output = cli(tmp_path, "registry", "rebuild")
    assert code == 1 and url in one_line_error(output)


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("form.xlsx", b"PK\x03\x04\x00\xff\xfe binary", "not a JSON or YAML text"),
        ("notes.yaml", b"name: [unclosed\n", "not valid YAML at line"),
        ("list.yaml", b"- a\n- b\n", "expected a JSON or YAML mapping"),
        ("broken.json", b'{"a": 1,}', "not valid JSON"),
        ("twice.json", b'{"a": 1, "a": 2}', "not valid JSON"),
    ],
)
def test_submit_of_a_file_that_is_not_a_json_or_yaml_mapping(
    tmp_path: Path, name: str, content: bytes, said: str
) -> None:
    """`submit` names the file and why it does not read, before connecting to anything."""
    path = tmp_path / name
    path.write_bytes(content)
    code, output = cli(tmp_path, "submit", str(path))
    line = one_line_error(output)
    assert code == 1 and str(path) in line and said in line


def test_summary_table_of_an_unknown_province_says_what_a_province_is(tmp_path: Path) -> None:
    """`province summary-table --province 火星`: not a province, with how to name one."""
    out = tmp_path / "t.xlsx"
    code, output = cli(tmp_path, "province", "summary-table", "EIDB-2026-1", "--province", "火星",
                       "--output", str(out))  # fmt: skip
    line = one_line_error(output)
    assert code == 1 and "火星" in line and "430000" in line
    assert not out.exists()


@pytest.mark.parametrize(
    "key",
    [
        "demobase+0123abcd+!!!not-base64!!!",
        "A" * 400,  # no "+": once read as a file name, too long for one
        "not a key at all",
    ],
)
def test_audit_verify_with_a_bad_public_key_is_one_line(tmp_path: Path, key: str) -> None:
    """`audit verify --public-key` that is no vkey: one line, status 1, nothing connected."""
    code, output = cli(tmp_path, "audit", "verify", "--public-key", key)
    line = one_line_error(output)
    assert code == 1 and "--public-key" in line and "verifier key" in line
    assert len(line) < 300


def test_a_bad_witness_key_is_one_line(tmp_path: Path) -> None:
    """`audit verify --witness-key` that is no vkey: one line, status 1."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from shared.transparency.checkpoint import ED25519, Signer

    good = Signer("demobase.test/log", Ed25519PrivateKey.generate(), ED25519).verifier.vkey
    code, output = cli(tmp_path, "audit", "verify", "--public-key", good, "--witness-key", "zz")
    assert code == 1 and "--witness-key" in one_line_error(output)


def test_refusals_of_an_unknown_context_or_province(tmp_path: Path) -> None:
    """`refusals --context nope` and `--province 火星` are named, not sent."""
    code, output = cli(tmp_path, "refusals", "--context", "nope")
    assert code == 1 and "--context" in one_line_error(output)
    code, output = cli(tmp_path, "refusals", "--province", "火星")
    assert code == 1 and "火星" in one_line_error(output)


def test_a_bad_setting_is_named(tmp_path: Path) -> None:
    """A setting from the environment that does not read (REGISTRY_PORT=abc) is named."""
    result = CliRunner().invoke(
        app, ["registry", "digest"], env={"VAR_DIR": str(tmp_path), "REGISTRY_PORT": "abc"}
    )
    line = one_line_error(result.output)
    assert result.exit_code == 1 and "registry_port" in line and "abc" in line


def test_ctrl_c_ends_a_command_with_130_and_no_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C during a command (here: while it waits on the bus) prints one word, status 130."""

    def interrupted(_: object, **__: object) -> None:
        getattr(_, "close", lambda: None)()  # the coroutine is never run
        raise KeyboardInterrupt

    monkeypatch.setattr("demobase.cli.asyncio.run", interrupted)
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "nats.url").write_text("nats://127.0.0.1:1\n")
    code, output = cli(tmp_path, "status")
    assert code == 130 and output.strip() == "interrupted"


def test_an_unexpected_error_is_one_line_naming_it_as_a_bug(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error the CLI has no words for is still one line (exit 70), saying how to see where."""

    def broken(_: object, **__: object) -> None:
        getattr(_, "close", lambda: None)()
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("demobase.cli.asyncio.run", broken)
    code, output = cli(tmp_path, "status", nats="nats://127.0.0.1:1")
    line = one_line_error(output)
    assert code == 70 and "ZeroDivisionError" in line and "DEMOBASE_TRACEBACK=1" in line


CANDIDATES = [
    Candidate("NIID-430000-aaaa11112222", ("长沙经济技术开发区",), "长沙经济技术开发区, submitted"),
    Candidate("NIID-430000-bbbb33334444", ("株洲高新区",), "株洲高新区, submitted"),
    Candidate("EIDB-350000-cccc55556666", ("福州新型储能装备有限公司",), "福州, submitted"),
    Candidate("BASE-NIID-110000-dddd", ("北京经开区", "北京旧名"), "北京经开区, titled"),
]


def test_the_one_resolver_takes_a_full_id_a_prefix_or_a_name() -> None:
    """Full id, an unambiguous prefix (case aside), a name, a former name: each resolves."""
    assert resolve("NIID-430000-aaaa11112222", CANDIDATES, "application") == CANDIDATES[0].id
    assert resolve("NIID-430000-b", CANDIDATES, "application") == CANDIDATES[1].id
    assert resolve("eidb-35", CANDIDATES, "application") == CANDIDATES[2].id
    assert resolve("株洲高新区", CANDIDATES, "application") == CANDIDATES[1].id
    assert resolve("北京旧名", CANDIDATES, "base") == CANDIDATES[3].id


def test_an_ambiguous_prefix_lists_its_matches() -> None:
    """A prefix matching several ids is not "not found": the matches are listed, with names."""
    with pytest.raises(AmbiguousIdError) as ambiguous:
        resolve("NIID-430000", CANDIDATES, "application")
    text = str(ambiguous.value)
    assert "matches 2 applications" in text
    assert CANDIDATES[0].id in text and CANDIDATES[1].id in text and "株洲高新区" in text
    assert len(ambiguous.value.matches) == 2


def test_an_unknown_id_says_not_found_and_where_to_look() -> None:
    """Nothing matches: said so, with the command that lists them."""
    with pytest.raises(NotFoundError, match="no batch with id, id prefix or name 'NOPE'"):
        resolve("NOPE", [Candidate("EIDB-2026-1")], "batch")
    with pytest.raises(NotFoundError, match="registry list"):
        resolve("XYZ", CANDIDATES, "application")
