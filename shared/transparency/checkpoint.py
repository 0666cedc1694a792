"""Signed tree heads as C2SP signed notes (c2sp.org/signed-note, c2sp.org/tlog-checkpoint) and
witness cosignatures (c2sp.org/tlog-cosignature).

A checkpoint's note text is the origin, the tree size, the base64 root hash, and one extension
line ``time <POSIX seconds>``: when the registry signed it. The log signs it with Ed25519
(signature type 0x01); a witness cosigns it with a timestamped Ed25519 signature (type 0x04) over
``cosignature/v1``, ``time <t>`` and the note text. Keys are exchanged as *vkeys*
(``<name>+<hex key ID>+<base64(type || public key)>``); a signature line is
``— <name> base64(key ID || signature)``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519, COSIGNATURE = 0x01, 0x04
DASH = "\u2014"
MAX_SIGNATURES = 64


class NoteError(ValueError):
    """Not a well-formed signed note, checkpoint or key."""


def key_id(name: str, kind: int, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([kind]) + public).digest()[:4]


def _check_name(name: str) -> str:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise NoteError(f"not a key name: {name!r}")
    return name


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class Verifier:
    """A public key by which notes are checked: a log's (0x01) or a witness's (0x04)."""

    name: str
    kind: int
    public: bytes

    @property
    def id(self) -> bytes:
        return key_id(self.name, self.kind, self.public)

    @property
    def vkey(self) -> str:
        encoded = base64.b64encode(bytes([self.kind]) + self.public).decode()
        return f"{self.name}+{self.id.hex()}+{encoded}"

    @classmethod
    def parse(cls, vkey: str) -> Verifier:
        try:
            name, hexid, encoded = vkey.strip().split("+", 2)
            material = base64.b64decode(encoded, validate=True)
        except (ValueError, binascii.Error):
            raise NoteError(f"not a verifier key: {vkey[:80]!r}") from None
        if len(material) != 33 or material[0] not in (ED25519, COSIGNATURE):
            raise NoteError("a verifier key must be an Ed25519 key (type 0x01 or 0x04)")
        verifier = cls(_check_name(name), material[0], material[1:])
        if verifier.id.hex() != hexid.lower():
            raise NoteError(f"the key ID {hexid} does not match the key {name}")
        return verifier

    def check(self, text: str, signature: bytes) -> int | None:
        """The signature's time (0 for a plain Ed25519 one) if it is this key's over ``text``,
        else None."""
        if signature[:4] != self.id:
            return None
        key = Ed25519PublicKey.from_public_bytes(self.public)
        if self.kind == COSIGNATURE:
            if len(signature) != 4 + 8 + 64:
                return None
            (moment,) = struct.unpack(">Q", signature[4:12])
            message, signed = cosigned_message(text, moment), signature[12:]
        else:
            moment, message, signed = 0, text.encode(), signature[4:]
        try:
            key.verify(signed, message)
        except (InvalidSignature, ValueError):
            return None
        return int(moment)


def cosigned_message(text: str, moment: int) -> bytes:
    return f"cosignature/v1\ntime {moment}\n{text}".encode()


@dataclass(frozen=True)
class Signer:
    """A private key that signs notes under a name: the log's (0x01) or a witness's (0x04)."""

    name: str
    key: Ed25519PrivateKey
    kind: int = ED25519

    @property
    def verifier(self) -> Verifier:
        return Verifier(_check_name(self.name), self.kind, _raw(self.key.public_key()))

    def sign(self, text: str, moment: int = 0) -> str:
        """One signature line over the note text ``text``."""
        verifier = self.verifier
        if self.kind == COSIGNATURE:
            signature = struct.pack(">Q", moment) + self.key.sign(cosigned_message(text, moment))
        else:
            signature = self.key.sign(text.encode())
        encoded = base64.b64encode(verifier.id + signature).decode()
        return f"{DASH} {self.name} {encoded}\n"


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise NoteError("the key is not an Ed25519 private key")
    return key


def private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )  # fmt: skip


@dataclass(frozen=True)
class Note:
    """A note text and its signature lines (name, raw signature bytes)."""

    text: str
    signatures: tuple[tuple[str, bytes], ...]

    @classmethod
    def parse(cls, note: str) -> Note:
        if any(ord(c) < 0x20 and c != "\n" for c in note):
            raise NoteError("a note holds no control characters but newlines")
        text, separator, lines = note.rpartition("\n\n")
        if not separator or not lines.endswith("\n"):
            raise NoteError("a signed note is a text, a blank line and signature lines")
        signatures = []
        for line in lines[:-1].split("\n"):
            dash, _, rest = line.partition(" ")
            name, _, encoded = rest.partition(" ")
            try:
                signature = base64.b64decode(encoded, validate=True)
            except binascii.Error:
                raise NoteError(f"not a signature line: {line[:80]!r}") from None
            if dash != DASH or not name or len(signature) < 5:
                raise NoteError(f"not a signature line: {line[:80]!r}")
            signatures.append((name, signature))
        if len(signatures) > MAX_SIGNATURES:
            raise NoteError("too many signatures")
        return cls(text + "\n", tuple(signatures))

    def signed_by(self, verifier: Verifier) -> int | None:
        """The time of ``verifier``'s valid signature (0 if untimed), or None if it has none."""
        for name, signature in self.signatures:
            if name == verifier.name and signature[:4] == verifier.id:
                return verifier.check(self.text, signature)
        return None

    def render(self) -> str:
        lines = "".join(
            f"{DASH} {name} {base64.b64encode(sig).decode()}\n" for name, sig in self.signatures
        )
        return f"{self.text}\n{lines}"

    def with_signature(self, line: str) -> Note:
        extra = Note.parse(f"{self.text}\n{line}")
        known = {name for name, _ in self.signatures}
        added = tuple(s for s in extra.signatures if s[0] not in known)
        return Note(self.text, self.signatures + added)


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head's content: which log, how many leaves, their root, and when."""

    origin: str
    size: int
    root: bytes
    time: int

    def text(self) -> str:
        root = base64.b64encode(self.root).decode()
        return f"{self.origin}\n{self.size}\n{root}\ntime {self.time}\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 5 or lines[-1] != "" or not lines[0]:
            raise NoteError("a checkpoint is an origin, a size, a root hash and its time")
        size, encoded, moment = lines[1], lines[2], lines[3]
        if not size.isdigit() or (size != "0" and size.startswith("0")):
            raise NoteError(f"not a tree size: {size!r}")
        try:
            root = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise NoteError("the root hash is not base64") from None
        if len(root) != 32 or not moment.startswith("time ") or not moment[5:].isdigit():
            raise NoteError("a checkpoint needs a 32-byte root hash and a time line")
        return cls(lines[0], int(size), root, int(moment[5:]))


@dataclass(frozen=True)
class SignedHead:
    """A checkpoint whose note bears a valid signature of the log's key."""

    checkpoint: Checkpoint
    note: Note

    @property
    def size(self) -> int:
        return self.checkpoint.size

    @property
    def root(self) -> bytes:
        return self.checkpoint.root

    def cosigners(self, witnesses: list[Verifier]) -> list[str]:
        """The names of ``witnesses`` whose cosignature on this head is valid."""
        return [w.name for w in witnesses if self.note.signed_by(w) is not None]


class SignatureError(NoteError):
    """A note not signed by the expected key."""


def open_head(note: str, log: Verifier) -> SignedHead:
    """The checkpoint of ``note`` if the log's key signed it; :class:`SignatureError` if not."""
    parsed = Note.parse(note)
    if parsed.signed_by(log) is None:
        names = ", ".join(sorted({name for name, _ in parsed.signatures}))
        raise SignatureError(f"the head is not signed by {log.name} ({log.id.hex()}): {names}")
    checkpoint = Checkpoint.parse(parsed.text)
    if checkpoint.origin != log.name:
        raise SignatureError(f"the head is of {checkpoint.origin!r}, not of {log.name!r}")
    return SignedHead(checkpoint, parsed)


def sign_head(checkpoint: Checkpoint, log: Signer) -> str:
    """The signed note of ``checkpoint`` (the log's key name is the origin)."""
    text = checkpoint.text()
    return f"{text}\n{log.sign(text)}"
