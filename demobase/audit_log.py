"""What ``demobase audit verify`` checks, with the log's public key alone (ADR 16).

It reads every signed tree head on ``CHECKPOINTS`` (the registry's and the witnesses' cosigned
copies), adds the head the auditor saved, and replays ``EVENTS`` from sequence 1, hashing each
event as a leaf of the RFC 9162 tree in stream order (O(n), a batch at a time). Each head's size
reached, the root computed from the log must be the head's root. The verdicts, most serious
first, are :class:`Verdict`; each names the event or the head.
"""

from __future__ import annotations

import enum
import hashlib
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from services.registry.replay import Progress, read_log
from shared.contract.subjects import (
    CHECKPOINTS_STREAM,
    CHECKPOINTS_SUBJECTS,
    EVENTS_STREAM,
    LOG_HEAD_SUBJECT,
)
from shared.transparency.checkpoint import (
    NoteError,
    SignatureError,
    SignedHead,
    Verifier,
    open_head,
)
from shared.transparency.merkle import Frontier, leaf_hash

NAMED = 4096
"""Events before the current one whose bytes are kept, to name the one that differs."""


class Verdict(enum.IntEnum):
    """The exit code of each finding (0: the log holds)."""

    HOLDS = 0
    NO_KEY = 9
    BAD_SIGNATURE = 8
    SPLIT_VIEW = 7
    STREAM_GONE = 5
    SHORTENED = 4
    REUSED = 6
    DIFFERS = 3
    TOO_FEW_WITNESSES = 10
    INCONSISTENT = 11
    NOT_INCLUDED = 12


PRIORITY = (Verdict.NO_KEY, Verdict.BAD_SIGNATURE, Verdict.SPLIT_VIEW, Verdict.STREAM_GONE,
            Verdict.SHORTENED, Verdict.DIFFERS, Verdict.REUSED, Verdict.TOO_FEW_WITNESSES,
            Verdict.INCONSISTENT, Verdict.NOT_INCLUDED)  # fmt: skip


@dataclass(frozen=True)
class Finding:
    verdict: Verdict
    message: str


@dataclass
class Heads:
    """Every valid head by size and root, who cosigned each, and the heads that are not valid."""

    by_size: dict[int, dict[bytes, list[SignedHead]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    cosigners: dict[tuple[int, bytes], set[str]] = field(default_factory=lambda: defaultdict(set))
    forged: list[str] = field(default_factory=list)

    def add(self, head: SignedHead, source: str, witnesses: list[Verifier]) -> None:
        self.by_size[head.size].setdefault(head.root, []).append(head)
        self.cosigners[head.size, head.root].update(head.cosigners(witnesses))
        _ = source

    @property
    def latest(self) -> SignedHead | None:
        if not self.by_size:
            return None
        size = max(self.by_size)
        return next(iter(self.by_size[size].values()))[0]


@dataclass
class Report:
    events: int = 0
    heads: int = 0
    latest: SignedHead | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def verdict(self) -> Verdict:
        found = {f.verdict for f in self.findings}
        return next((v for v in PRIORITY if v in found), Verdict.HOLDS)

    def add(self, verdict: Verdict, message: str) -> None:
        self.findings.append(Finding(verdict, message))


async def read_heads(js: JetStreamContext, log: Verifier, witnesses: list[Verifier]) -> Heads:
    """Every head on ``CHECKPOINTS``: the log's own and the witnesses' cosigned copies."""
    heads = Heads()
    try:
        last = (await js.stream_info(CHECKPOINTS_STREAM)).state.last_seq
    except NotFoundError:
        return heads
    async for batch in read_log(
        js, 1, last, stream=CHECKPOINTS_STREAM, subjects=CHECKPOINTS_SUBJECTS
    ):
        for sequence, data, subject in batch:
            where = f"CHECKPOINTS sequence {sequence} ({subject})"
            try:
                head = open_head(data.decode(), log)
            except SignatureError as error:
                if subject == LOG_HEAD_SUBJECT:
                    heads.forged.append(f"{where}: {error}")
                continue
            except (NoteError, UnicodeDecodeError) as error:
                heads.forged.append(f"{where}: not a signed head ({error})")
                continue
            heads.add(head, where, witnesses)
    return heads


def _at(moment: int) -> datetime:
    return datetime.fromtimestamp(moment + 1, UTC)  # heads' times are whole seconds


def _when(moment: int) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds")


async def verify(
    js: JetStreamContext,
    log: Verifier,
    *,
    saved: SignedHead | None = None,
    witnesses: list[Verifier] | None = None,
    required: int = 0,
    progress: Progress | None = None,
    recorded: Callable[[int], str | None] | None = None,
) -> Report:
    """Check the log against every signed head; ``recorded`` (the registry's event hash of a
    sequence, where it can be asked) names the very event in a range that differs."""
    witnesses = witnesses or []
    report = Report()
    heads = await read_heads(js, log, witnesses)
    for forged in heads.forged:
        report.add(Verdict.BAD_SIGNATURE, f"a head not signed by {log.vkey}: {forged}")
    if saved is not None:
        heads.add(saved, "the saved head", witnesses)
    report.heads = sum(len(h) for roots in heads.by_size.values() for h in roots.values())
    report.latest = heads.latest
    for size, roots in sorted(heads.by_size.items()):
        if len(roots) > 1:
            shown = "; ".join(
                f"root {root.hex()[:16]}… signed at {_when(hs[0].checkpoint.time)}"
                f" cosigned by {sorted(heads.cosigners[size, root]) or 'no witness'}"
                for root, hs in roots.items()
            )
            report.add(Verdict.SPLIT_VIEW, f"two heads of size {size}, other roots: {shown}")
    sizes = sorted(heads.by_size)
    try:
        info = await js.stream_info(EVENTS_STREAM)
    except NotFoundError:
        if sizes and sizes[-1] > 0:
            report.add(Verdict.STREAM_GONE, f"EVENTS is gone; the signed head of size "
                       f"{sizes[-1]} covers {sizes[-1]} events")  # fmt: skip
        return report
    created = info.created
    frontier, expected, checked, agreed = Frontier(), 1, 0, 0
    pending = [s for s in sizes if s > 0]

    def compare() -> bool:
        """Compare the root of the log so far with the heads of this size; False on a mismatch."""
        nonlocal checked, agreed
        root = frontier.root()
        for head_root, hs in heads.by_size.get(frontier.size, {}).items():
            if head_root == root:
                agreed = frontier.size
                continue
            head = hs[0]
            split = any(len(roots) > 1 for roots in heads.by_size.values())
            first = 1 if split else agreed + 1  # a split view: no head below can be trusted
            seen = {s: hashlib.sha256(kept).hexdigest() for s, kept in window}
            named = _first_differing(first, frontier.size, recorded, seen)
            report.add(Verdict.DIFFERS, f"the log differs from the signed head of size "
                       f"{head.size} (root {head.root.hex()[:16]}…): the first event that "
                       f"differs is {named}")  # fmt: skip
            return False
        return True

    # The last events' bytes, hashed only if a head differs: per event, a leaf hash and no more.
    window: deque[tuple[int, bytes]] = deque(maxlen=NAMED + 1)
    keep = window.append if recorded is not None else None
    last = info.state.last_seq
    ok = True
    try:
        async for batch in read_log(js, 1, last):
            for sequence, data, _ in batch:
                if sequence != expected:
                    report.add(Verdict.SHORTENED, f"events {expected}–{sequence - 1} are missing "
                               "from EVENTS (deleted)")  # fmt: skip
                    ok = False
                    break
                if keep is not None:
                    keep((sequence, data))
                frontier.push(leaf_hash(data))
                expected += 1
                if pending and frontier.size == pending[0]:
                    pending.pop(0)
                    if not compare():
                        ok = False
                        break
            if not ok:
                break
            if progress is not None:
                progress(batch[-1][0], last)
    except (NatsError, TimeoutError) as error:
        report.add(Verdict.SHORTENED, f"EVENTS could not be read to its end: {error!r}")
        ok = False
    report.events = frontier.size
    if ok and pending:
        report.add(Verdict.SHORTENED, f"EVENTS holds {frontier.size} events; the signed head of "
                   f"size {pending[-1]} covers {pending[-1]}: events {frontier.size + 1}–"
                   f"{pending[-1]} were removed")  # fmt: skip
    covered = [hs[0] for size in sizes if size for hs in heads.by_size[size].values()]
    signed_before = [h for h in covered if created and created > _at(h.checkpoint.time)]
    if signed_before:
        last_covered = max(h.size for h in signed_before)
        made = created.isoformat(timespec="seconds") if created else "?"
        report.add(Verdict.REUSED, f"sequences 1–{last_covered} reused: EVENTS was created at "
                   f"{made}, after signed heads covered them")  # fmt: skip
    if saved is not None and report.latest is not None and saved.size > report.latest.size:
        report.add(Verdict.INCONSISTENT, f"the saved head (size {saved.size}) is larger than "
                   f"any head the log publishes ({report.latest.size})")  # fmt: skip
    if required:
        best = max(
            ((size, root) for size, roots in heads.by_size.items() for root in roots),
            key=lambda key: (len(heads.cosigners[key]) >= required, key[0]),
            default=None,
        )
        have = sorted(heads.cosigners[best]) if best else []
        if len(have) < required:
            report.add(Verdict.TOO_FEW_WITNESSES, f"{required} witness cosignatures wanted, the "
                       f"best head has {len(have)} ({', '.join(have) or 'none'})")  # fmt: skip
    return report


def _first_differing(
    first: int, last: int, recorded: Callable[[int], str | None] | None, seen: dict[int, str]
) -> str:
    """The first sequence of ``first``–``last`` whose bytes the registry recorded otherwise, or
    the range if no record names one."""
    if recorded is not None:
        for sequence in range(first, last + 1):
            if sequence in seen and recorded(sequence) not in (None, seen[sequence]):
                return f"sequence {sequence}"
    if first == last:
        return f"sequence {first}"
    return f"one of sequences {first}–{last} (no head or record between them)"
