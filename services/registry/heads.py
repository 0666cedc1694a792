"""The registry's signed tree heads: signed with the ministry's key, published on ``CHECKPOINTS``
whenever the tree changes, and the log watched for a sequence that goes back (ADR 16).

The signing key is configured (``REGISTRY_SIGNING_KEY``, a PEM file that must exist); only when
none is configured does the registry use a *development* key under ``var/`` (``make run``),
created on first use, with its vkey beside it, and it logs that it does.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import structlog
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from prometheus_client import Gauge

from services.registry import audit
from services.registry.adapters.db import Database
from services.registry.tree import Tree
from shared.config import Settings
from shared.contract.subjects import CHECKPOINTS_STREAM, EVENTS_STREAM, LOG_HEAD_SUBJECT
from shared.transparency.checkpoint import (
    Checkpoint,
    Note,
    NoteError,
    Signer,
    load_private_key,
    sign_head,
)

log = structlog.get_logger()

DEV_KEY = "registry-ed25519.pem"
"""The development key's file under ``var/`` (the one the chain checkpoints have used)."""
DEV_VKEY = "registry-dev.vkey"

REGRESSED = Gauge(
    "registry_log_regressed",
    "1 while EVENTS holds fewer events, or starts later, than the registry has applied",
)


class SigningKeyMissingError(RuntimeError):
    """``REGISTRY_SIGNING_KEY`` names a file that is not there: never replaced by a new key."""


def log_signer(settings: Settings) -> tuple[Signer, bool]:
    """The log's signer and whether it is the development key."""
    configured = settings.registry_signing_key
    if configured is not None:
        path = Path(configured)
        if not path.is_file():
            raise SigningKeyMissingError(
                f"REGISTRY_SIGNING_KEY={path} does not exist: the registry signs with the "
                "ministry's key, and makes none in its place"
            )
        return Signer(settings.registry_log_origin, load_private_key(path.read_bytes())), False
    dev = audit.Signer(settings.var_dir / DEV_KEY)  # created once, 0600
    signer = Signer(settings.registry_log_origin, dev._key)
    (settings.var_dir / DEV_VKEY).write_text(signer.verifier.vkey + "\n")
    log.warning(
        "signing tree heads with a DEVELOPMENT key: set REGISTRY_SIGNING_KEY to the ministry's",
        key=str(settings.var_dir / DEV_KEY), vkey=signer.verifier.vkey,
    )  # fmt: skip
    return signer, True


@dataclass
class Heads:
    """The latest head the registry published, and the alarms of a log that went back."""

    db: Database
    signer: Signer
    clock: Callable[[], float] = time.time
    latest: str | None = None
    published: tuple[int, bytes] | None = None
    alarms: list[str] = field(default_factory=list)

    def sign_current(self) -> tuple[str, int, bytes]:
        size, root = Tree(self.db).head()
        note = sign_head(Checkpoint(self.signer.name, size, root, int(self.clock())), self.signer)
        return note, size, root

    def current(self) -> str:
        """The latest published head, or the tree's head signed now if none was published."""
        return self.latest if self.latest is not None else self.sign_current()[0]

    async def load(self, js: JetStreamContext) -> None:
        """The last head on ``CHECKPOINTS``, so that a restart does not publish it again."""
        try:
            stored = await js.get_last_msg(CHECKPOINTS_STREAM, LOG_HEAD_SUBJECT)
        except NotFoundError:
            return
        try:
            note = stored.data.decode() if stored.data else ""
            checkpoint = Checkpoint.parse(Note.parse(note).text)
        except (NoteError, UnicodeDecodeError):
            return
        self.latest, self.published = note, (checkpoint.size, checkpoint.root)

    async def publish(self, js: JetStreamContext) -> str | None:
        """Sign and publish the tree's head if it differs from the last one published."""
        note, size, root = self.sign_current()
        if self.published == (size, root):
            return None
        # Replicas of the registry sign the same head alike: the duplicate window keeps one.
        head_id = f"head:{size}:{root.hex()}"
        await js.publish(LOG_HEAD_SUBJECT, note.encode(), stream=CHECKPOINTS_STREAM,
                         headers={"Nats-Msg-Id": head_id})  # fmt: skip
        self.latest, self.published = note, (size, root)
        log.info("tree head published", size=size, root=root.hex()[:16])
        return note

    async def watch(self, js: JetStreamContext) -> list[str]:
        """Compare the stream with what the registry applied: a first or last sequence that goes
        back is an alarm (logged, on ``/metrics`` and ``/api/audit/status``), never silence."""
        held = Tree(self.db).head()[0]
        try:
            state = (await js.stream_info(EVENTS_STREAM)).state
            first, last = state.first_seq, state.last_seq
            alarms = []
            if held and last < held:
                alarms.append(f"EVENTS ends at sequence {last}; the registry applied {held}")
            if held and first > 1 and state.messages:
                alarms.append(f"EVENTS starts at sequence {first}; events 1–{first - 1} are gone")
            if held and state.messages < min(last, held):
                alarms.append(f"EVENTS holds {state.messages} events of sequences 1–{last}")
        except NotFoundError:
            alarms = [f"EVENTS is gone; the registry applied {held} events"] if held else []
        if alarms != self.alarms and alarms:
            for alarm in alarms:
                log.error("the log went back", alarm=alarm)
        self.alarms = alarms
        REGRESSED.set(1 if alarms else 0)
        return alarms

    async def run(self, js: Callable[[], JetStreamContext | None], stop: asyncio.Event) -> None:
        """Publish and watch every ``interval`` until ``stop``; a NATS fault waits a tick."""
        loaded = False
        while not stop.is_set():
            context = js()
            if context is not None:
                try:
                    if not loaded:
                        await self.load(context)
                        loaded = True
                    await self.watch(context)
                    if not self.alarms:  # a log that went back is not signed over
                        await self.publish(context)
                except Exception as error:  # the next tick tries again
                    log.warning("tree head not published", error=f"{type(error).__name__}: {error}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.interval)

    interval: float = 1.0
