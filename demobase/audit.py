"""``demobase audit``: an auditor checks that the log was not rewritten.

The auditor replays the stream itself, recomputes every event's hash and the chain, compares
them with what the registry recorded, and checks the registry's signed checkpoint against a
public key the auditor keeps (``--public-key``; without it the registry's own key is used, and
the report says so).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer
from nats.js.api import DeliverPolicy

from demobase.client import ClientError, registry_get
from demobase.terminal import console, fail
from services.registry.audit import AuditReport, ChainVerifier, Recorded, signature_holds
from shared.bus.connection import connect
from shared.config import Settings, resolve_nats_url
from shared.contract.subjects import EVENTS_STREAM, EVENTS_SUBJECTS

audit_app = typer.Typer(help="Prove the event log was not rewritten.", no_args_is_help=True)
PAGE = 5000


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


async def _replay(settings: Settings) -> AuditReport:
    """Read the stream as the auditor, checking each event as it arrives (memory stays flat)."""
    verifier = ChainVerifier(_registry_pages(settings))
    nc = await connect(resolve_nats_url(settings), "demobase-auditor")
    try:
        js = nc.jetstream()
        last = (await js.stream_info(EVENTS_STREAM)).state.last_seq
        if last:
            sub = await js.subscribe(
                EVENTS_SUBJECTS,
                stream=EVENTS_STREAM,
                ordered_consumer=True,
                deliver_policy=DeliverPolicy.ALL,
            )
            for _ in range(last):
                message = await sub.next_msg(timeout=10)
                if not verifier.feed(int(message.metadata.sequence.stream), message.data):
                    break
            await sub.unsubscribe()
    finally:
        await nc.drain()
    return verifier.report()


def _registry_pages(settings: Settings) -> Recorded:
    """The registry's record of the chain, fetched a page at a time."""
    pages: dict[int, tuple[str, str]] = {}

    def recorded(sequence: int) -> tuple[str, str] | None:
        if sequence not in pages:
            rows: list[Any] = registry_get(
                settings, "/api/audit/chain", first=str(sequence), last=str(sequence + PAGE - 1)
            )
            pages.clear()
            pages.update({int(s): (str(h), str(c)) for s, h, c in rows})
        return pages.get(sequence)

    return recorded
