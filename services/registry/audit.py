"""Proving the log was not rewritten: the hash chain recomputed from the stream, and signed
checkpoints of its head (DESIGN.md, "The log is tamper-evident").

Each event's hash is SHA-256 of its bytes as the stream holds them; the chain links them in stream
order (``projections.chain_link``). The registry signs its head with an Ed25519 key of its own; an
auditor who holds the public key can check a checkpoint, then recompute the chain from the stream
and find the first event that differs from what the registry recorded.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from services.registry.adapters.db import Database
from services.registry.projections import GENESIS, chain_link, event_hash
from shared.contract.subjects import EVENTS_STREAM


def checkpoint_message(sequence: int, chain: str) -> bytes:
    """The exact bytes a checkpoint signs."""
    return f"demobase-checkpoint:v1:{sequence}:{chain}".encode()


class Signer:
    """The registry's checkpoint key: created once under ``var/``, readable by its owner only."""

    def __init__(self, path: Path) -> None:
        if path.exists():
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            assert isinstance(key, Ed25519PrivateKey)
        else:
            key = Ed25519PrivateKey.generate()
            path.parent.mkdir(parents=True, exist_ok=True)
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as out:
                out.write(pem)
        self._key = key

    @property
    def public_key(self) -> str:
        """The public key, base64 of its 32 raw bytes: what an auditor keeps."""
        raw = self._key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return base64.b64encode(raw).decode()

    def checkpoint(self, sequence: int, chain: str) -> dict[str, Any]:
        signature = self._key.sign(checkpoint_message(sequence, chain))
        return {
            "sequence": sequence,
            "chain": chain,
            "public_key": self.public_key,
            "signature": base64.b64encode(signature).decode(),
        }


def signature_holds(checkpoint: dict[str, Any], public_key: str) -> bool:
    """Whether ``checkpoint`` was signed by the holder of ``public_key``."""
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key))
    message = checkpoint_message(int(checkpoint["sequence"]), str(checkpoint["chain"]))
    try:
        key.verify(base64.b64decode(checkpoint["signature"]), message)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Mismatch:
    sequence: int
    reason: str


@dataclass(frozen=True)
class AuditReport:
    events: int
    head: str
    first_mismatch: Mismatch | None

    @property
    def holds(self) -> bool:
        return self.first_mismatch is None


Recorded = Callable[[int], tuple[str, str] | None]
"""The registry's (event hash, chain) at a sequence, or None if it has none."""


class ChainVerifier:
    """Recomputes the chain one event at a time, in stream order, against the registry's record."""

    def __init__(self, recorded: Recorded) -> None:
        self.recorded, self.chain, self.events = recorded, GENESIS, 0
        self.first_mismatch: Mismatch | None = None

    def feed(self, sequence: int, data: bytes) -> bool:
        """Check one event; False once a mismatch is found (the first one is kept)."""
        self.events += 1
        hashed = event_hash(data)
        self.chain = chain_link(self.chain, hashed, sequence)
        self.first_mismatch = _compare(sequence, hashed, self.chain, self.recorded(sequence))
        return self.first_mismatch is None

    def report(self) -> AuditReport:
        return AuditReport(self.events, self.chain, self.first_mismatch)


def verify_chain(log: Iterator[tuple[int, bytes]], recorded: Recorded) -> AuditReport:
    """Recompute the chain over the log in order; name the first event the registry disagrees on."""
    verifier = ChainVerifier(recorded)
    for sequence, data in log:
        if not verifier.feed(sequence, data):
            break
    return verifier.report()


def _compare(
    sequence: int, hashed: str, chain: str, found: tuple[str, str] | None
) -> Mismatch | None:
    if found is None:
        return Mismatch(sequence, "the registry has no record of this event")
    if found[0] != hashed:
        return Mismatch(
            sequence, f"event hash differs: log {hashed[:16]}…, registry {found[0][:16]}…"
        )
    if found[1] != chain:
        return Mismatch(sequence, f"chain differs: log {chain[:16]}…, registry {found[1][:16]}…")
    return None


def recorded_chain(db: Database, first: int, last: int) -> dict[int, tuple[str, str]]:
    """The registry's event hashes and chain links for a range of sequences: the timeline's, and
    the quarantine's (an event it could not apply still holds its place in the chain)."""
    p = db.table_prefix
    with db.snapshot() as cursor:
        cursor.execute(
            f"SELECT sequence, event_hash, chain FROM {p}timeline WHERE sequence BETWEEN ? AND ? "
            f"UNION ALL SELECT sequence, event_hash, chain FROM {p}quarantine "
            "WHERE stream = ? AND sequence BETWEEN ? AND ? ORDER BY 1",
            (first, last, EVENTS_STREAM, first, last),
        )
        return {int(s): (str(h), str(c)) for s, h, c in cursor.fetchall()}
