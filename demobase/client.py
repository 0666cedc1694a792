"""What the CLI does over the bus and the registry's HTTP API (never a service's store)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID, uuid4

import yaml
from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.errors import NoRespondersError
from nats.js import JetStreamContext
from nats.js.errors import NoStreamResponseError, NotFoundError

from shared.bus.connection import Credentials, connect, servers
from shared.bus.consumer import REPLY_HEADER
from shared.bus.runtime import status_subject
from shared.config import Settings, nats_url_file
from shared.contract.commands import IntakeDecision
from shared.contract.envelope import loads_strict
from shared.contract.provinces import province_code
from shared.contract.subjects import INTAKE_STREAM, intake_subject, sender_inbox_prefix


class ClientError(Exception):
    """Something the person at the terminal can act on."""


class NatsUnreachableError(ClientError):
    """No NATS server answers where this CLI was told to look (or it was told of none)."""


def nats_url(settings: Settings) -> str:
    """The NATS server this CLI was told of: ``NATS_URL``, else the one ``make run`` started and
    recorded in ``var/nats.url``. Never a guess: a default port could be another system's server
    (another checkout's ``make run``, a ``deploy/`` cluster), and commands sent there would be
    decided by it without a word (issue 11)."""
    if settings.nats_url:
        return settings.nats_url
    recorded = nats_url_file(settings)
    if recorded.is_file():
        url = recorded.read_text().strip()
        if url:
            return url
    raise NatsUnreachableError(
        f"no NATS server to talk to: `make run` is not running from {settings.var_dir} "
        f"(no {recorded}) and NATS_URL is not set; start `make run`, or set NATS_URL"
    )


PROBE_TIMEOUT = 2
"""Seconds to wait for a TCP answer from each server before saying none answers."""


def check_reachable(url: str, timeout: float = PROBE_TIMEOUT) -> None:
    """Fail at once, in one line, when no server of ``url`` (one or several, comma-separated)
    accepts a connection: nats-py would retry each for half a minute, warning every time."""
    reasons = []
    for server in servers(url):
        parts = urlsplit(server if "://" in server else f"nats://{server}")
        try:
            host, port = parts.hostname or "127.0.0.1", parts.port or 4222
        except ValueError as error:  # a port that is not a number
            raise NatsUnreachableError(
                f"NATS_URL {server!r} is not a server URL ({error})"
            ) from None
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return
        except OSError as error:
            reasons.append(f"{host}:{port} {getattr(error, 'strerror', None) or error}")
    raise NatsUnreachableError(
        f"cannot reach NATS at {url} ({'; '.join(reasons) or 'no server given'}); "
        "is `make run` up, or NATS_URL right?"
    )


async def connect_to(url: str, name: str, credentials: Credentials | None = None) -> Client:
    """The CLI's one way onto NATS: the server tried once first, then :func:`connect` with the
    given credentials (``NATS_USER``, ``NATS_PASSWORD``, ``NATS_INBOX_PREFIX``)."""
    await asyncio.to_thread(check_reachable, url)  # a server that is down: said at once
    await first_contact(url, credentials)  # one that refuses the user: said at once too
    try:
        return await connect(url, name, credentials)
    except (NatsError, OSError, TimeoutError) as error:
        raise NatsUnreachableError(
            f"cannot connect to NATS at {url}: {type(error).__name__}: {error}"
        ) from None


async def first_contact(
    url: str, credentials: Credentials | None = None, timeout: int = PROBE_TIMEOUT
) -> None:
    """Connect once, without reconnecting, to each server of ``url`` until one accepts: a
    server that is down, or one that refuses the user, is said at once in one line, where
    :func:`connect` would retry for half a minute, warning each time."""
    user = credentials.user if credentials is not None else None
    options: dict[str, Any] = {}
    if user:
        options.update(user=user, password=credentials.password if credentials else None)

    async def quiet(_: Exception) -> None:  # the one line below says it
        return None

    reasons = []
    for server in servers(url):
        probe = Client()
        try:
            await asyncio.wait_for(
                probe.connect(server, connect_timeout=timeout, allow_reconnect=False,
                              max_reconnect_attempts=0, error_cb=quiet, **options),
                timeout + 1,
            )  # fmt: skip
        except (NatsError, OSError, TimeoutError) as error:
            text = str(error) or type(error).__name__
            if "authorization" in text.lower():
                who = f"the user {user!r}" if user else "a connection without a user"
                raise NatsUnreachableError(
                    f"NATS at {server} refused {who} (Authorization Violation): set NATS_USER "
                    "and NATS_PASSWORD to a user of the server's accounts"
                ) from None
            reasons.append(f"{server}: {getattr(error, 'strerror', None) or text}")
            continue
        await probe.close()
        return
    raise NatsUnreachableError(
        f"cannot reach NATS at {url} ({'; '.join(reasons) or 'no server given'}); "
        "is `make run` up, or NATS_URL right?"
    )


@dataclass(frozen=True)
class Bus:
    """A connection of this CLI and its JetStream context, with the account's API prefix."""

    nc: Client
    url: str
    js_prefix: str | None = None

    def jetstream(self, timeout: float = 5.0) -> JetStreamContext:
        """JetStream under ``NATS_JS_PREFIX`` when set (an account importing the API)."""
        if self.js_prefix:
            return self.nc.jetstream(prefix=self.js_prefix, timeout=timeout)
        return self.nc.jetstream(timeout=timeout)


@contextlib.asynccontextmanager
async def bus(settings: Settings, name: str, url: str | None = None) -> AsyncIterator[Bus]:
    """Every command's connection: the server it was told of (:func:`nats_url`), the account of
    ``NATS_USER``/``NATS_PASSWORD``/``NATS_INBOX_PREFIX`` and JetStream under ``NATS_JS_PREFIX``;
    drained when the block ends."""
    url = url or nats_url(settings)
    nc = await connect_to(url, name, Credentials.from_settings(settings))
    try:
        yield Bus(nc, url, settings.nats_js_prefix)
    finally:
        await nc.drain()


def read_document(path: Path) -> dict[str, Any]:
    """A JSON or YAML document (JSON with duplicate keys is refused); anything else is named
    as such, with where it fails to read."""
    try:
        text = path.read_text(encoding="utf-8")
        data = loads_strict(text) if path.suffix == ".json" else yaml.safe_load(text)
    except UnicodeDecodeError:
        hint = (
            " (a spreadsheet? `demobase forms check` reads .xlsx)" if path.suffix == ".xlsx" else ""
        )
        raise ClientError(f"{path}: not a JSON or YAML text{hint}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "not valid YAML"
        raise ClientError(f"{path}: not valid YAML{where}: {problem}") from None
    except ValueError as error:  # JSON, or a duplicate key
        raise ClientError(f"{path}: not valid JSON: {error}") from None
    except OSError as error:
        raise ClientError(f"{path}: cannot be read: {error.strerror or error}") from None
    if not isinstance(data, dict):
        found = "nothing" if data is None else f"a {type(data).__name__}"
        raise ClientError(
            f"{path}: expected a JSON or YAML mapping (field: value, …) at the top, found {found}"
        )
    return data


def with_form(document: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Inline the form an application names by file: ``form_file`` (JSON/YAML) or ``form_xlsx``."""
    form_file, form_xlsx = document.pop("form_file", None), document.pop("form_xlsx", None)
    if form_file:
        document["form"] = read_document(folder / str(form_file))
    elif form_xlsx:
        from services.submission.forms import read_form_xlsx

        form, issues = read_form_xlsx(
            folder / str(form_xlsx), document["programme"], document["category"]
        )
        if form is None:
            raise ClientError(f"{form_xlsx}: " + "; ".join(str(i) for i in issues))
        document["form"] = form.model_dump(mode="json", exclude_none=True)
    return document


def intake_message(
    command_type: str,
    body: dict[str, Any],
    province: str,
    actor: str,
    issued_at: datetime,
    correlation_id: UUID | None = None,
) -> dict[str, Any]:
    """An intake message as a province's tool would build it; the service validates it."""
    return {
        "command_id": str(uuid4()),
        "command_type": command_type,
        "issued_at": issued_at.isoformat(),
        "actor": actor,
        "province": province,
        "correlation_id": str(correlation_id or uuid4()),
        "body": body,
    }


async def send_command(
    nats_url: str,
    context: str,
    message: dict[str, Any],
    timeout: float = 10.0,
    credentials: Credentials | None = None,
) -> IntakeDecision:
    """Publish one attempt on the intake stream and wait for the owning service's decision.

    As a province's tool does it: with the province's credentials (``NATS_USER`` …), a plain
    publish onto its intake subject (which the intake stream keeps; a province holds no
    JetStream rights), ``Nats-Msg-Id`` set, and a reply subject in its own inboxes: under
    ``_INBOX.p<code>`` for a province, the only inboxes a service answers it on.
    """
    settings = Settings()
    credentials = credentials or Credentials.from_settings(settings)
    nc = await connect_to(nats_url, "demobase-cli", credentials)
    js = Bus(nc, nats_url, settings.nats_js_prefix)
    try:
        inbox = f"{sender_inbox_prefix(message['province'])}.{uuid4().hex}"
        sub = await nc.subscribe(inbox, max_msgs=1)
        subject = intake_subject(context, message["province"], message["command_type"])  # type: ignore[arg-type]
        data = json.dumps(message, ensure_ascii=False, default=str).encode()  # YAML dates as ISO
        headers = {"Nats-Msg-Id": message["command_id"], REPLY_HEADER: inbox}
        try:
            ack = await js.jetstream().publish(subject, data, stream=INTAKE_STREAM, headers=headers)
        except NoStreamResponseError:
            raise ClientError(
                f"no intake stream answers at {nats_url}; is `make run` up (or NATS_URL right)?"
            ) from None
        if ack.duplicate:  # no decision comes: the service decided the first copy, not this one
            raise await _already_on_intake(js, credentials, message, data, int(ack.seq))
        try:
            reply = await sub.next_msg(timeout=timeout)
        except TimeoutError:
            raise ClientError(
                f"no decision within {timeout} s; the attempt is kept on the intake stream "
                f"(command {message['command_id']}); is `make run` up?"
            ) from None
        return IntakeDecision.model_validate_json(reply.data)
    finally:
        await nc.drain()


class AlreadyOnIntakeError(ClientError):
    """The intake already holds an attempt with this command id: JetStream dropped this copy
    (same ``Nats-Msg-Id`` within the duplicate window, ADR 4), so no decision will come for it.

    ``same`` is whether the stored attempt is this one (a resend), ``None`` when this connection
    cannot read the intake (a province has no JetStream API, ADR 6)."""

    def __init__(self, text: str, sequence: int, same: bool | None) -> None:
        super().__init__(text)
        self.sequence, self.same = sequence, same


LOOKUP_TIMEOUT = 2.0
WHERE_DECIDED = "see `demobase refusals` (if it was refused) or the registry (if it was recorded)"


async def _already_on_intake(
    nc: Bus, credentials: Credentials, message: dict[str, Any], data: bytes, sequence: int
) -> AlreadyOnIntakeError:
    """What the duplicate acknowledgement means, said truthfully: the stored attempt at
    ``sequence`` compared with ``data`` where this connection may read it."""
    command = message["command_id"]
    stored = await _stored_attempt(nc, credentials, sequence)
    if stored is None:
        return AlreadyOnIntakeError(
            f"an attempt with command id {command} is already on the intake at sequence "
            f"{sequence}, so this copy was dropped and no decision comes for it; its decision "
            f"was sent to its original sender: {WHERE_DECIDED}. If this is a new attempt, "
            "choose a new command_id",
            sequence, None,
        )  # fmt: skip
    if _same_attempt(stored, data):
        return AlreadyOnIntakeError(
            f"already received as intake #{sequence} (a resend of the same attempt, command "
            f"{command}); it was decided then and its decision sent to the original sender: "
            f"{WHERE_DECIDED}",
            sequence, True,
        )  # fmt: skip
    return AlreadyOnIntakeError(
        f"the command id {command} was already used by another attempt (intake #{sequence}); "
        "this one was dropped: choose a new command_id",
        sequence, False,
    )  # fmt: skip


async def _stored_attempt(nc: Bus, credentials: Credentials, sequence: int) -> bytes | None:
    """The intake's message at ``sequence``, or None where this connection may not read it."""
    if credentials.inbox_prefix:  # a restricted user (a province): no $JS.API right to ask
        return None
    try:
        stored = await nc.jetstream(timeout=LOOKUP_TIMEOUT).get_msg(INTAKE_STREAM, sequence)
    except (NatsError, TimeoutError):
        return None
    return stored.data


SAME_ATTEMPT = ("command_type", "province", "actor", "body")
"""What makes two attempts the same one: who asks for what. ``issued_at`` and
``correlation_id`` are written afresh on every send (``intake_message``), so a resend of the
same file differs there."""


def _same_attempt(stored: bytes, data: bytes) -> bool:
    try:
        first, again = loads_strict(stored), loads_strict(data)
    except ValueError:
        return stored == data
    if not isinstance(first, dict) or not isinstance(again, dict):
        return bool(first == again)
    return all(first.get(key) == again.get(key) for key in SAME_ATTEMPT)


SERVICES = ("submission", "review", "evaluation", "registry")


async def service_status(
    nats_url: str, timeout: float = 2.0, settings: Settings | None = None
) -> list[dict[str, Any]]:
    """Each running service's positions, and the last sequence of each stream it reads."""
    async with bus(settings or Settings(), "demobase-status", nats_url) as link:
        nc, js = link.nc, link.jetstream()
        try:
            last = {
                name: (await js.stream_info(name)).state.last_seq for name in ("EVENTS", "INTAKE")
            }
        except (NotFoundError, NoRespondersError):
            raise ClientError(
                f"NATS at {nats_url} answers but holds no demobase streams (EVENTS, INTAKE): "
                "is it the server `make run` started, or have the services never run on it?"
            ) from None
        found = []
        for service in SERVICES:
            try:
                reply = await nc.request(status_subject(service), b"", timeout=timeout)
            except (TimeoutError, NoRespondersError):
                found.append({"service": service, "running": False, "consumers": []})
                continue
            status = json.loads(reply.data)
            for consumer in status["consumers"]:
                consumer["stream_last"] = last.get(consumer["stream"], 0)
            found.append({**status, "running": True})
        return found


async def caught_up(nats_url: str, service: str, deadline_seconds: float = 30.0) -> None:
    """Wait until ``service`` has published all it recorded and processed the whole log."""
    async with bus(Settings(), "demobase-barrier", nats_url) as link:
        deadline = time.monotonic() + deadline_seconds
        while time.monotonic() < deadline:
            reply = await link.nc.request(status_subject(service), b"", timeout=2)
            status = json.loads(reply.data)
            last = (await link.jetstream().stream_info("EVENTS")).state.last_seq
            readers = [c for c in status["consumers"] if c["filter"] == "bases.v1.>"]
            if not status.get("unpublished") and all(c["processed"] >= last for c in readers):
                return
            await asyncio.sleep(0.1)
        raise ClientError(f"{service} has not caught up with the log in {deadline_seconds} s")


def submit_file(
    path: Path, settings: Settings, url: str | None, effective: datetime | None
) -> IntakeDecision:
    """Read an application file and send it; the file is read before any server is looked for
    (``url``, else :func:`nats_url`), so that a file that does not read is said first."""
    document = with_form(read_document(path), path.parent)
    province = document.pop("province", None)
    if not isinstance(province, str):
        raise ClientError(f"{path}: 'province' (a GB/T 2260 code or a province name) is required")
    code = province_code(province)
    command_id = document.pop("command_id", None)
    message = intake_message(
        "SubmitApplication",
        document,
        code,
        actor=f"province:{code}",
        issued_at=effective or datetime.now(UTC),
    )
    if command_id is not None:  # a tool's own id: sending the same file again is a resend
        try:
            message["command_id"] = str(UUID(str(command_id)))
        except ValueError:
            raise ClientError(f"{path}: 'command_id' must be a UUID, not {command_id!r}") from None
    return asyncio.run(send_on(url or nats_url(settings), "submission", message, effective))


async def send_on(
    nats_url: str, context: str, message: dict[str, Any], effective: datetime | None
) -> IntakeDecision:
    """Send an attempt; with ``effective``, first set the platform's clock of ``context`` to it
    (the ministry's operator only: P-AUTHORITY refuses a province, and this says so)."""
    if effective is None:
        return await send_command(nats_url, context, message)
    from demobase.clock import ClockedDesk  # the clock's commands are built on this module

    return await ClockedDesk(nats_url).send(context, message)


STATUS_QUARANTINE_LINES = 10
"""Quarantined events ``demobase status`` lists one by one; the rest are counted."""


def quarantine_summary(rows: list[dict[str, Any]]) -> str:
    """For ``demobase status``: how many events the registry quarantined, then each with its
    sequence, subject and reason (rows as ``/api/quarantine`` gives them, in log order)."""
    if not rows:
        return "registry quarantine: 0 events"
    first = rows[0]
    lines = [
        f"registry quarantine: {len(rows)} events "
        f"(first at seq {first['sequence']}: {first['reason']})"
    ]
    for row in rows[:STATUS_QUARANTINE_LINES]:
        subject = row.get("subject") or "(subject not kept)"
        lines.append(f"  seq {row['sequence']} on {subject}: {row['reason']}")
    if len(rows) > STATUS_QUARANTINE_LINES:
        lines.append(f"  … and {len(rows) - STATUS_QUARANTINE_LINES} more: see the registry's "
                     "/quarantine page")  # fmt: skip
    return "\n".join(lines)


def registry_url(settings: Settings) -> str:
    recorded = settings.var_dir / "registry.url"
    if recorded.exists():
        return recorded.read_text().strip()
    return f"http://{settings.registry_host}:{settings.registry_port}"


def registry_get(settings: Settings, path: str, **query: str | None) -> Any:
    params = urllib.parse.urlencode({k: v for k, v in query.items() if v})
    quoted = urllib.parse.quote(path, safe="/")  # ids and names may be Chinese
    url = f"{registry_url(settings)}{quoted}" + (f"?{params}" if params else "")
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        detail = json.loads(error.read() or b"{}").get("detail", error.reason)
        raise ClientError(f"registry: {detail}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise ClientError(
            f"registry not reachable at {url} ({reason}); is `make run` up?"
        ) from None
