"""``demobase audit``: an auditor checks, with the log's public key alone, that the log was not
rewritten (ADR 16).

``head`` prints the latest signed tree head (to save), ``prove`` an event's inclusion proof,
``consistency`` that a newer head extends an older one, ``verify`` replays the log against every
signed head, ``witness`` cosigns heads it has checked, ``keygen`` makes a key. Every command
works with the read-only auditor account (``NATS_USER``, ``NATS_INBOX_PREFIX``,
``NATS_JS_PREFIX``); none trusts the key the registry offers.
"""

from __future__ import annotations

import asyncio
import base64
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.js import JetStreamContext

from demobase.audit_log import Report, Verdict
from demobase.audit_log import verify as verify_heads
from demobase.client import Bus, ClientError, connect_to, nats_url, registry_get
from demobase.terminal import console, fail
from services.registry.audit import AuditReport, ChainVerifier
from services.registry.heads import DEV_VKEY
from services.registry.replay import Progress, read_log, terminal_progress
from shared.bus.connection import Credentials
from shared.config import Settings
from shared.contract.subjects import (
    CHECKPOINTS_STREAM,
    EVENTS_STREAM,
    LOG_HEAD_SUBJECT,
    cosignature_subject,
)
from shared.transparency.checkpoint import (
    COSIGNATURE,
    ED25519,
    NoteError,
    SignatureError,
    SignedHead,
    Signer,
    Verifier,
    load_private_key,
    open_head,
    private_pem,
)
from shared.transparency.merkle import ProofError, leaf_hash, verify_consistency, verify_inclusion

audit_app = typer.Typer(help="Prove the event log was not rewritten.", no_args_is_help=True)
PAGE = 10_000
"""Sequences per request for the registry's record (its API gives at most 10,001)."""


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")


VKEY_HELP = "the registry's verifier key (vkey, or a file holding it), as you keep it"


def _trusted_key(settings: Settings, given: str | None) -> tuple[Verifier, str]:
    """The log's verifier key: given, from AUDIT_PUBLIC_KEY, or (labelled) the dev key of var/;
    never the key the registry offers. Exit NO_KEY if there is none."""
    source, text = "the key you gave", given or settings.audit_public_key
    dev = settings.var_dir / DEV_VKEY
    if text is None and dev.is_file():
        source, text = f"the DEVELOPMENT key of {dev}, not one you keep", dev.read_text()
    if text is None:
        console.print("[red]no public key: give --public-key VKEY (or AUDIT_PUBLIC_KEY)[/red]")
        raise typer.Exit(Verdict.NO_KEY)
    try:
        return Verifier.parse(_key_text(text)), source
    except NoteError as error:
        raise fail(f"--public-key: {error}; a vkey reads name+hex id+base64 key") from None


def _key_text(given: str) -> str:
    """A vkey as given, or the text of the file it names (a vkey always holds a ``+``)."""
    if "+" in given:
        return given
    try:
        path = Path(given)
        return path.read_text() if path.is_file() else given
    except (OSError, ValueError):  # not a file name at all (too long, a NUL)
        return given


def _head_file(path: Path, log: Verifier) -> SignedHead:
    try:
        return open_head(path.read_text(), log)
    except SignatureError as error:
        console.print(f"[red]{path}: {error}[/red]")
        raise typer.Exit(Verdict.BAD_SIGNATURE) from None
    except (NoteError, OSError) as error:
        raise fail(f"{path}: {error}") from None


async def _js(settings: Settings, name: str) -> tuple[Client, JetStreamContext]:
    """The auditor's connection: its credentials, inbox prefix and JetStream API prefix (the
    CLI's one connection, :func:`demobase.client.connect_to`); the caller drains it."""
    url = nats_url(settings)
    nc = await connect_to(url, name, Credentials.from_settings(settings))
    return nc, Bus(nc, url, settings.nats_js_prefix).jetstream()


async def _latest(settings: Settings, log: Verifier) -> SignedHead:
    nc, js = await _js(settings, "demobase-auditor")
    try:
        stored = await js.get_last_msg(CHECKPOINTS_STREAM, LOG_HEAD_SUBJECT)
    finally:
        await nc.drain()
    return open_head((stored.data or b"").decode(), log)


def _head(settings: Settings, log: Verifier, which: str) -> SignedHead:
    """``latest`` (the last head on CHECKPOINTS) or a saved head's file, its signature checked."""
    if which != "latest":
        return _head_file(Path(which), log)
    try:
        return asyncio.run(_latest(settings, log))
    except SignatureError as error:
        console.print(f"[red]the latest head: {error}[/red]")
        raise typer.Exit(Verdict.BAD_SIGNATURE) from None
    except (NatsError, NoteError, OSError) as error:
        raise fail(f"no signed head on CHECKPOINTS: {error!r}") from None


PublicKey = Annotated[str | None, typer.Option("--public-key", help=VKEY_HELP)]


@audit_app.command("head")
def audit_head(public_key: PublicKey = None) -> None:
    """Print the latest signed tree head, its signature checked: save it to verify against."""
    settings = Settings()
    log, _ = _trusted_key(settings, public_key)
    head = _head(settings, log, "latest")
    sys.stdout.write(head.note.render())


@audit_app.command("prove")
def audit_prove(
    event: Annotated[str, typer.Argument(help="an event id (or a stream sequence)")],
    public_key: PublicKey = None,
    head: Annotated[str, typer.Option(help="`latest`, or a saved head's file")] = "latest",
) -> None:
    """Print and check the inclusion proof of an event under a signed tree head."""
    settings = Settings()
    log, _ = _trusted_key(settings, public_key)
    signed = _head(settings, log, head)
    try:
        proof = registry_get(settings, f"/api/audit/proof/{event}", size=str(signed.size))
        data = asyncio.run(_event_bytes(settings, int(proof["sequence"])))
    except ClientError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(Verdict.NOT_INCLUDED) from None
    except (NatsError, OSError) as error:
        raise fail(f"the event could not be read from EVENTS: {error!r}") from None
    path = [base64.b64decode(p) for p in proof["proof"]]
    index, hashed = int(proof["leaf_index"]), leaf_hash(data)
    console.print(f"event {event}: sequence {proof['sequence']}, leaf {index} of {signed.size}")
    console.print(f"leaf hash (from EVENTS): {base64.b64encode(hashed).decode()}")
    for step, node in enumerate(proof["proof"]):
        console.print(f"  proof[{step}] {node}")
    try:
        verify_inclusion(index, signed.size, hashed, path, signed.root)
    except ProofError as error:
        console.print(f"[red]NOT included: {error}[/red]")
        raise typer.Exit(Verdict.NOT_INCLUDED) from None
    root = base64.b64encode(signed.root).decode()
    console.print(f"[green]included in the head of size {signed.size} (root {root})[/green]")


async def _event_bytes(settings: Settings, sequence: int) -> bytes:
    nc, js = await _js(settings, "demobase-auditor")
    try:
        return (await js.get_msg(EVENTS_STREAM, sequence)).data or b""
    finally:
        await nc.drain()


def _consistent(settings: Settings, old: SignedHead, new: SignedHead) -> str | None:
    """None if ``new`` extends ``old``, else why not."""
    if old.size > new.size:
        old, new = new, old
    if old.size == new.size:
        return None if old.root == new.root else f"two heads of size {old.size}, other roots"
    try:
        proof = registry_get(
            settings, "/api/audit/consistency", old=str(old.size), new=str(new.size)
        )["proof"]
        verify_consistency(
            old.size, new.size, old.root, new.root, [base64.b64decode(p) for p in proof]
        )
    except (ClientError, ProofError) as error:
        return str(error)
    return None


@audit_app.command("consistency")
def audit_consistency(
    old: Annotated[str, typer.Argument(help="a saved head's file")],
    new: Annotated[str, typer.Argument(help="`latest`, or a saved head's file")] = "latest",
    public_key: PublicKey = None,
) -> None:
    """Prove that the newer head extends the older one (RFC 9162 consistency proof)."""
    settings = Settings()
    log, _ = _trusted_key(settings, public_key)
    first, second = _head(settings, log, old), _head(settings, log, new)
    problem = _consistent(settings, first, second)
    if problem is not None:
        split = first.size == second.size
        console.print(f"[red]{'split view' if split else 'NOT consistent'}: {problem}[/red]")
        raise typer.Exit(Verdict.SPLIT_VIEW if split else Verdict.INCONSISTENT)
    console.print(f"[green]the head of size {max(first.size, second.size)} extends the head of "
                  f"size {min(first.size, second.size)}[/green]")  # fmt: skip


@audit_app.command("verify")
def audit_verify(
    public_key: PublicKey = None,
    since: Annotated[Path | None, typer.Option(help="a head you saved earlier")] = None,
    witnesses: Annotated[int, typer.Option(help="cosignatures by known witnesses wanted")] = 0,
    witness_key: Annotated[
        list[str] | None, typer.Option(help="a witness's vkey (repeat for each)")
    ] = None,
) -> None:
    """Replay the log, hash every event as a leaf, check it against every signed head (and the
    one saved), and name the first event or head that differs. The exit code tells the verdict:
    0 holds, 3 an event differs, 4 shortened, 5 stream gone, 6 a sequence reused, 7 split view,
    8 a head not signed by the key, 9 no key, 10 too few witnesses, 11 inconsistent."""
    settings = Settings()
    log, source = _trusted_key(settings, public_key)
    saved = _head_file(since, log) if since is not None else None
    try:
        known = [Verifier.parse(_key_text(k)) for k in witness_key or []]
    except NoteError as error:
        raise fail(f"--witness-key: {error}") from None
    try:
        report = asyncio.run(_verify(settings, log, saved, known, witnesses))
    except (NatsError, TimeoutError, OSError) as error:
        raise fail(f"the log could not be replayed: {error!r}") from None
    latest = report.latest
    console.print(f"events replayed: {report.events}; signed heads read: {report.heads} "
                  f"(key {log.name}+{log.id.hex()}, {source})")  # fmt: skip
    if latest is not None:
        root = base64.b64encode(latest.root).decode()
        console.print(f"latest head: size {latest.size}, root {root}")
        if report.events > latest.size:
            console.print(f"{report.events - latest.size} event(s) after the latest head")
    for finding in report.findings:
        console.print(f"[red]{finding.verdict.name}[/red]: {finding.message}")
    if report.verdict != Verdict.HOLDS:
        raise typer.Exit(report.verdict)
    console.print("[green]the log holds: every event matches the signed heads[/green]")


async def _verify(
    settings: Settings, log: Verifier, saved: SignedHead | None, known: list[Verifier], n: int
) -> Report:
    nc, js = await _js(settings, "demobase-auditor")
    try:
        with terminal_progress("verifying the log") as progress:
            return await verify_heads(js, log, saved=saved, witnesses=known, required=n,
                                      progress=progress, recorded=_recorded(settings))  # fmt: skip
    finally:
        await nc.drain()


def _recorded(settings: Settings) -> Callable[[int], str | None]:
    """The registry's event hash of a sequence, if the registry answers (to name an event)."""
    page: dict[int, str] = {}

    def recorded(sequence: int) -> str | None:
        if sequence not in page:
            try:
                rows = registry_get(settings, "/api/audit/chain", first=str(sequence),
                                    last=str(sequence + 999))  # fmt: skip
            except ClientError:
                return None
            page.clear()
            page.update({int(s): str(h) for s, h, _ in rows})
        return page.get(sequence)

    return recorded


@audit_app.command("witness")
def audit_witness(
    key: Annotated[Path, typer.Option(help="the witness's Ed25519 key (PEM)")],
    name: Annotated[str, typer.Option(help="the witness's key name, e.g. witness.example/w1")],
    state: Annotated[Path, typer.Option(help="where the last head it cosigned is kept")],
    public_key: PublicKey = None,
    head: Annotated[str, typer.Option(help="`latest`, or a head handed to it")] = "latest",
) -> None:
    """Check that the log's head extends the last one this witness saw, cosign it and publish
    the cosignature on CHECKPOINTS. Exit 7 on a split view, 11 on an inconsistent head."""
    settings = Settings()
    log, _ = _trusted_key(settings, public_key)
    signed = _head(settings, log, head)
    if state.is_file():
        seen = _head_file(state, log)
        problem = _consistent(settings, seen, signed)
        if seen.size > signed.size:
            problem = f"the head of size {signed.size} is older than one seen ({seen.size})"
        if problem is not None:
            split = seen.size == signed.size
            console.print(f"[red]{'split view' if split else 'NOT consistent'}: {problem}; "
                          "not cosigned[/red]")  # fmt: skip
            raise typer.Exit(Verdict.SPLIT_VIEW if split else Verdict.INCONSISTENT)
    witness = Signer(name, load_private_key(key.read_bytes()), COSIGNATURE)
    cosigned = signed.note.with_signature(witness.sign(signed.note.text, int(time.time())))
    try:
        asyncio.run(_publish_cosignature(settings, name, cosigned.render()))
    except (NatsError, OSError) as error:
        raise fail(f"the cosignature could not be published: {error!r}") from None
    state.write_text(cosigned.render())
    console.print(f"[green]cosigned the head of size {signed.size} as {name}[/green]")


async def _publish_cosignature(settings: Settings, name: str, note: str) -> None:
    nc, js = await _js(settings, "demobase-witness")
    try:
        await js.publish(cosignature_subject(name), note.encode(), stream=CHECKPOINTS_STREAM)
    finally:
        await nc.drain()


@audit_app.command("keygen")
def audit_keygen(
    path: Annotated[Path, typer.Argument(help="where to write the private key (0600)")],
    name: Annotated[str, typer.Option(help="the key name (a log's origin or a witness's name)")],
    witness: Annotated[bool, typer.Option(help="a witness's cosigning key")] = False,
) -> None:
    """Make an Ed25519 key for a log or a witness; print its verifier key (vkey)."""
    private = Ed25519PrivateKey.generate()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(private_pem(private))
    print(Signer(name, private, COSIGNATURE if witness else ED25519).verifier.vkey)


Pages = Callable[[int, int], dict[int, tuple[str, str]]]
"""The registry's (event hash, chain) of each sequence in a range: a page of its record."""


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
