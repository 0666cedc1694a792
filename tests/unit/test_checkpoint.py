"""Signed tree heads as C2SP signed notes, and witness cosignatures."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.transparency.checkpoint import (
    COSIGNATURE,
    Checkpoint,
    Note,
    NoteError,
    SignatureError,
    Signer,
    Verifier,
    open_head,
    sign_head,
)

LOG = "demobase.example/events"


def test_the_signed_note_example_of_the_specification_verifies() -> None:
    """c2sp.org/signed-note, "Example": its vkey verifies its note, and nothing else."""
    vkey = Verifier.parse("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
    note = Note.parse(
        "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppz"
        "i2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
    )
    assert note.signed_by(vkey) == 0
    assert Note(note.text.replace("an", "no"), note.signatures).signed_by(vkey) is None
    with pytest.raises(NoteError):
        Verifier.parse("example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")


def test_a_head_is_signed_by_the_log_and_cosigned_by_witnesses() -> None:
    log = Signer(LOG, Ed25519PrivateKey.generate())
    head = Checkpoint(LOG, 42, bytes(range(32)), 1_790_000_000)
    note = sign_head(head, log)
    assert note.startswith(f"{LOG}\n42\n{base64.b64encode(bytes(range(32))).decode()}\ntime ")
    opened = open_head(note, log.verifier)
    assert opened.checkpoint == head
    witness = Signer("witness.example/w1", Ed25519PrivateKey.generate(), COSIGNATURE)
    cosigned = opened.note.with_signature(witness.sign(opened.note.text, 1_790_000_001))
    again = open_head(cosigned.render(), log.verifier)
    assert again.cosigners([witness.verifier]) == ["witness.example/w1"]
    assert again.note.signed_by(witness.verifier) == 1_790_000_001
    other = Signer("witness.example/w1", Ed25519PrivateKey.generate(), COSIGNATURE)
    assert again.cosigners([other.verifier]) == []
    assert Verifier.parse(witness.verifier.vkey) == witness.verifier


def test_a_head_of_another_key_or_altered_is_refused() -> None:
    log = Signer(LOG, Ed25519PrivateKey.generate())
    note = sign_head(Checkpoint(LOG, 7, b"\x01" * 32, 1), log)
    forger = Signer(LOG, Ed25519PrivateKey.generate())
    with pytest.raises(SignatureError):
        open_head(note, forger.verifier)
    with pytest.raises(SignatureError):
        open_head(note.replace("\n7\n", "\n8\n"), log.verifier)
    with pytest.raises(NoteError):
        open_head("not a note", log.verifier)
