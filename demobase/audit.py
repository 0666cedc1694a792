"""``demobase audit``: an auditor checks that the log was not rewritten.

The auditor replays the stream itself, recomputes every event's hash and the chain, compares
them with what the registry recorded, and checks the registry's signed checkpoint against a
public key the auditor keeps (``--public-key``; without it the registry's own key is used, and
the report says so).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any

import typer
from nats.errors import Error as NatsError
from nats.js import JetStreamContext

from demobase.client import ClientError, registry_get
from demobase.terminal import console, fail
from services.registry.audit import AuditReport, ChainVerifier, signature_holds
from services.registry.replay import Progress, read_log, terminal_progress
from shared.bus.connection import connect
from shared.config import Settings, resolve_nats_url
from shared.contract.subjects import EVENTS_STREAM

audit_app = typer.Typer(help="Prove the event log was not rewritten.", no_args_is_help=True)
PAGE = 10_000
"""Sequences per request for the registry's record (its API gives at most 10,001)."""


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(
    public_key: Annotated[
        str | None, typer.Option(help="the registry's key, as you keep it")
    ] = None,
) -> None:
    """Recompute the hash chain from the stream; name the first event that does not match."""
    settings = Settings()
    try:
        checkpoint = registry_get(settings, "/api/audit/checkpoint")
        report = asyncio.run(_replay(settings))
    except (ClientError, OSError) as error:
        raise fail(str(error)) from None
    except (NatsError, TimeoutError) as error:
        raise fail(f"the log could not be replayed: {error!r}") from None
    key = public_key or checkpoint["public_key"]
    signed = signature_holds(checkpoint, key)
    console.print(f"events replayed: {report.events}; head of the chain: {report.head}")
    console.print(
        f"checkpoint at {checkpoint['sequence']}: signature "
        f"{'[green]valid[/green]' if signed else '[red]INVALID[/red]'}"
        f"{'' if public_key else ' (checked with the key the registry offered)'}"
    )
    if report.first_mismatch is not None:
        m = report.first_mismatch
        raise fail(f"the log and the registry differ at sequence {m.sequence}: {m.reason}")
    if not signed:
        raise fail("the checkpoint is not signed by that key")
    if checkpoint["sequence"] == report.events and checkpoint["chain"] != report.head:
        raise fail("the signed head does not match the chain recomputed from the log")
    console.print("[green]the log holds: every event matches the registry's chain[/green]")


Pages = Callable[[int, int], dict[int, tuple[str, str]]]
"""The registry's (event hash, chain) of each sequence in a range: a page of its record."""


async def _replay(settings: Settings) -> AuditReport:
    """Read the stream as the auditor, checking each event as it arrives (memory stays flat)."""
    nc = await connect(resolve_nats_url(settings), "demobase-auditor")
    try:
        with terminal_progress("verifying the chain") as progress:
            return await verify_log(nc.jetstream(), _registry_page(settings), progress)
    finally:
        await nc.drain()


async def verify_log(
    js: JetStreamContext, pages: Pages, progress: Progress | None = None
) -> AuditReport:
    """Recompute the chain over the whole stream, in order, against the registry's record read a
    page at a time; the next page is fetched (in a thread) while this one is checked."""
    last = (await js.stream_info(EVENTS_STREAM)).state.last_seq
    recorded: dict[int, tuple[str, str]] = {}
    verifier = ChainVerifier(recorded.get)
    loaded = 0  # the registry's record is loaded up to this sequence

    def fetch(first: int) -> asyncio.Task[dict[int, tuple[str, str]]]:
        return asyncio.create_task(asyncio.to_thread(pages, first, min(first + PAGE - 1, last)))

    ahead = fetch(1) if last else None
    async for batch in read_log(js, 1, last):
        for sequence, data, _ in batch:
            if sequence > loaded:
                assert ahead is not None
                page = await ahead
                recorded.clear()  # memory stays flat: one page at a time
                recorded.update(page)
                loaded = min(loaded + PAGE, last)
                ahead = fetch(loaded + 1) if loaded < last else None
            if not verifier.feed(sequence, data):
                if ahead is not None:
                    ahead.cancel()
                return verifier.report()
        if progress is not None:
            progress(batch[-1][0], last)
    if ahead is not None:
        ahead.cancel()
    return verifier.report()


def _registry_page(settings: Settings) -> Pages:
    """The registry's record of the chain from its HTTP API, a page at a time."""

    def page(first: int, last: int) -> dict[int, tuple[str, str]]:
        rows: list[Any] = registry_get(
            settings, "/api/audit/chain", first=str(first), last=str(last)
        )
        return {int(s): (str(h), str(c)) for s, h, c in rows}

    return page
