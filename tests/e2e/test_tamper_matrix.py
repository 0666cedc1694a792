"""The tamper matrix (issue 10, "Done when"): on a real NATS server, each case on a fresh stream,
the log is tampered with one way and ``demobase audit verify`` (its core, ``audit_log.verify``,
and the CLI where the key is at stake) detects it, naming the event or the head."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nats.aio.client import Client
from nats.js import JetStreamContext
from typer.testing import CliRunner

from demobase.audit import audit_app
from demobase.audit_log import Report, Verdict, verify
from services.registry.adapters.db import open_database
from services.registry.application import Registry
from services.registry.heads import Heads
from shared.bus.streams import STREAMS, ensure_streams
from shared.config import Settings
from shared.contract.subjects import (
    CHECKPOINTS_STREAM,
    EVENTS_STREAM,
    LOG_HEAD_SUBJECT,
    cosignature_subject,
)
from shared.transparency.checkpoint import (
    COSIGNATURE,
    Checkpoint,
    Signer,
    open_head,
    sign_head,
)
from tests.integration.test_persistence_contract import envelopes_of_applications

pytestmark = pytest.mark.e2e

ORIGIN = "demobase.example/events"
N = 6


def subject(i: int) -> str:
    return f"bases.v1.submission.430000.E{i}"


class Log:
    """A log, its registry (tree and heads, one head per event) and the ministry's key."""

    def __init__(self, js: JetStreamContext, settings: Settings) -> None:
        self.js, self.key = js, Signer(ORIGIN, Ed25519PrivateKey.generate())
        self.registry = Registry(open_database(settings))
        self.heads = Heads(self.registry.db, self.key)
        self.events = envelopes_of_applications(N + 1)

    async def append(self, events: list[bytes], *, sign: bool = True) -> None:
        for data in events:
            ack = await self.js.publish(subject(0), data, stream=EVENTS_STREAM)
            self.registry.apply_batch(EVENTS_STREAM, [(ack.seq, data)])
            if sign:
                await self.heads.publish(self.js)

    async def recreate_events(self, events: list[bytes]) -> None:
        """An admin deletes EVENTS and writes it again: the only way to rewrite a stream."""
        await self.js.delete_stream(EVENTS_STREAM)
        await ensure_streams(self.js)
        for data in events:
            await self.js.publish(subject(0), data, stream=EVENTS_STREAM)

    async def verify(self, **options: object) -> Report:
        return await verify(self.js, self.key.verifier, **options)  # type: ignore[arg-type]


@pytest.fixture
async def log(nc: Client, sqlite_settings: Settings) -> Log:
    js = nc.jetstream()
    await ensure_streams(js)
    made = Log(js, sqlite_settings)
    await made.append(made.events[:N])
    return made


def _named(report: Report, verdict: Verdict, *words: str) -> str:
    assert report.verdict == verdict, report.findings
    message = " ".join(f.message for f in report.findings if f.verdict == verdict)
    for word in words:
        assert word in message, message
    return message


async def test_an_untouched_log_holds(log: Log) -> None:
    report = await log.verify()
    assert report.verdict == Verdict.HOLDS, report.findings
    assert (report.events, report.heads) == (N, N)
    assert {c.name for c in STREAMS} >= {CHECKPOINTS_STREAM}


async def test_a_rewrite_of_one_event_names_it(log: Log) -> None:
    events = list(log.events[:N])
    events[2] = events[2].replace(b'"', b'"', 1) + b" "
    await log.recreate_events(events)
    _named(await log.verify(), Verdict.DIFFERS, "sequence 3", "size 3")


async def test_a_removed_tail_is_named(log: Log) -> None:
    await log.recreate_events(log.events[: N - 2])
    _named(await log.verify(), Verdict.SHORTENED, f"events {N - 1}–{N} were removed")


async def test_a_deleted_stream_is_named(log: Log) -> None:
    await log.js.delete_stream(EVENTS_STREAM)
    _named(await log.verify(), Verdict.STREAM_GONE, f"size {N}")


async def test_a_reordering_names_the_first_event_out_of_place(log: Log) -> None:
    events = list(log.events[:N])
    events[3], events[4] = events[4], events[3]
    await log.recreate_events(events)
    _named(await log.verify(), Verdict.DIFFERS, "sequence 4")


async def test_a_forged_append_with_admin_rights_is_refused_by_its_head(log: Log) -> None:
    """An admin appends an event and a head covering it, signed by a key not the ministry's."""
    forged = log.events[N]
    await log.js.publish(subject(0), forged, stream=EVENTS_STREAM)
    forger = Signer(ORIGIN, Ed25519PrivateKey.generate())
    note = sign_head(Checkpoint(ORIGIN, N + 1, b"\x07" * 32, 1), forger)
    ack = await log.js.publish(LOG_HEAD_SUBJECT, note.encode(), stream=CHECKPOINTS_STREAM)
    _named(await log.verify(), Verdict.BAD_SIGNATURE, f"CHECKPOINTS sequence {ack.seq}")


async def test_a_re_signed_rewrite_is_found_against_a_saved_head(
    log: Log, tmp_path: Path, nc: Client
) -> None:
    """The ministry rewrites event 2, erases the old heads and re-signs a rebuilt registry's:
    the head the auditor saved earlier names the split view."""
    saved = open_head(log.heads.current(), log.key.verifier)
    events = list(log.events[:N])
    events[1] = events[1] + b" "
    await log.recreate_events(events)
    await log.js.delete_stream(CHECKPOINTS_STREAM)
    await ensure_streams(log.js)
    rebuilt = Log(log.js, Settings(var_dir=tmp_path / "rebuilt"))
    rebuilt.key = log.key  # the same key re-signs
    rebuilt.heads = Heads(rebuilt.registry.db, log.key)
    for sequence, data in enumerate(events, start=1):
        rebuilt.registry.apply_batch(EVENTS_STREAM, [(sequence, data)])
        await rebuilt.heads.publish(log.js)
    assert (await log.verify()).verdict == Verdict.HOLDS  # without the saved head, it holds
    report = await log.verify(saved=saved)
    _named(report, Verdict.SPLIT_VIEW, f"two heads of size {N}")
    assert any(f.verdict == Verdict.DIFFERS and f"size {N}" in f.message for f in report.findings)


async def test_a_wrong_key_refuses_every_head(log: Log) -> None:
    other = Signer(ORIGIN, Ed25519PrivateKey.generate())
    report = await verify(log.js, other.verifier)
    _named(report, Verdict.BAD_SIGNATURE, "CHECKPOINTS sequence 1", other.verifier.vkey)


async def test_a_missing_key_is_refused_not_taken_from_the_registry(
    log: Log, tmp_path: Path, nc: Client
) -> None:
    assert nc.connected_url is not None
    env = {"VAR_DIR": str(tmp_path / "empty"), "NATS_URL": nc.connected_url.geturl()}
    result = await asyncio.to_thread(CliRunner().invoke, audit_app, ["verify"], env=env)
    assert result.exit_code == Verdict.NO_KEY, result.output
    assert "no public key" in result.output
    vkey = log.key.verifier.vkey
    arguments = ["verify", "--public-key", vkey]
    result = await asyncio.to_thread(CliRunner().invoke, audit_app, arguments, env=env)
    assert result.exit_code == 0 and "the log holds" in result.output, result.output


async def test_a_split_view_seen_by_two_witnesses_is_named(log: Log) -> None:
    """The key holder shows one head of size N to witness 1, another to witness 2."""
    real = open_head(log.heads.current(), log.key.verifier)
    fork = sign_head(Checkpoint(ORIGIN, N, b"\x42" * 32, real.checkpoint.time), log.key)
    witnesses = [Signer(f"witness.example/w{i}", Ed25519PrivateKey.generate(), COSIGNATURE)
                 for i in (1, 2)]  # fmt: skip
    for witness, note in zip(witnesses, (real.note.render(), fork), strict=True):
        head = open_head(note, log.key.verifier)
        cosigned = head.note.with_signature(witness.sign(head.note.text, head.checkpoint.time))
        await log.js.publish(cosignature_subject(witness.name), cosigned.render().encode(),
                             stream=CHECKPOINTS_STREAM)  # fmt: skip
    known = [w.verifier for w in witnesses]
    report = await log.verify(witnesses=known, required=1)
    _named(report, Verdict.SPLIT_VIEW, f"size {N}", "witness.example/w1", "witness.example/w2")


async def test_too_few_witnesses_is_a_verdict_of_its_own(log: Log) -> None:
    witness = Signer("witness.example/w1", Ed25519PrivateKey.generate(), COSIGNATURE)
    report = await log.verify(witnesses=[witness.verifier], required=1)
    _named(report, Verdict.TOO_FEW_WITNESSES, "1 witness cosignatures wanted")
    head = open_head(log.heads.current(), log.key.verifier)
    cosigned = head.note.with_signature(witness.sign(head.note.text, 5))
    await log.js.publish(cosignature_subject(witness.name), cosigned.render().encode(),
                         stream=CHECKPOINTS_STREAM)  # fmt: skip
    report = await log.verify(witnesses=[witness.verifier], required=1)
    assert report.verdict == Verdict.HOLDS, report.findings
