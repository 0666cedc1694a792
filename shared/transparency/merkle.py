"""The Merkle tree of RFC 9162 (section 2.1) over the event log, in stream order.

Leaves are hashed ``SHA-256(0x00 || data)`` and interior nodes ``SHA-256(0x01 || left || right)``,
so that no leaf can pass for a node (RFC 9162, 2.1.1). The proofs are generated as 2.1.3.1 and
2.1.4.1 define them (``PATH`` and ``PROOF``), over any source of subtree hashes, and verified as
2.1.3.2 and 2.1.4.2 specify, with the public inputs alone.

A tree is kept by its *perfect* subtrees: a node at ``level`` and ``index`` covers the leaves
``[index * 2**level, (index + 1) * 2**level)``. Appending a leaf completes at most ``log2 n`` of
them (:class:`Frontier`); the hash of any range the proofs need is a few of them combined
(:func:`range_hash`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

LEAF, NODE = b"\x00", b"\x01"
HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The root of the empty tree: the hash of the empty string (RFC 9162, 2.1.1)."""


class ProofError(ValueError):
    """A proof does not verify, or was asked of sizes that have none."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(LEAF + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE + left + right).digest()


def split(size: int) -> int:
    """The largest power of two smaller than ``size`` (``size`` > 1)."""
    return 1 << ((size - 1).bit_length() - 1)


# --- computing hashes -----------------------------------------------------------------------

Node = tuple[int, int, bytes]
"""A perfect subtree: its level, its index within the level, and its hash."""

PerfectHash = Callable[[int, int], bytes]
"""The hash of the perfect subtree at (level, index)."""


def range_hash(start: int, end: int, perfect: PerfectHash) -> bytes:
    """MTH of the leaves ``[start, end)``, where ``start`` is a multiple of the largest power of
    two below ``end - start`` (every range the RFC's recursions ask for is): the perfect subtrees
    it is made of, combined right to left."""
    size = end - start
    if size == 0:
        return EMPTY_ROOT
    if size & (size - 1) == 0 and start % size == 0:
        level = size.bit_length() - 1
        return perfect(level, start >> level)
    k = split(size)
    return node_hash(range_hash(start, start + k, perfect), range_hash(start + k, end, perfect))


def root_of(leaves: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes, straight from the definition (for tests and small trees)."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node_hash(root_of(leaves[:k]), root_of(leaves[k:]))


def in_memory(leaves: Sequence[bytes]) -> PerfectHash:
    """Perfect subtree hashes of an in-memory list of leaf hashes."""

    def perfect(level: int, index: int) -> bytes:
        return root_of(leaves[index << level : (index + 1) << level])

    return perfect


@dataclass
class Frontier:
    """The right edge of a tree (a compact range from 0): the perfect subtree of each set bit of
    ``size``, highest first. Appending is O(log n); so is the root."""

    size: int = 0
    nodes: list[bytes] = field(default_factory=list)

    @classmethod
    def levels_of(cls, size: int) -> list[tuple[int, int]]:
        """(level, index) of the perfect subtrees that make a tree of ``size``, highest first."""
        found, start = [], 0
        for level in range(size.bit_length() - 1, -1, -1):
            if size >> level & 1:
                found.append((level, start >> level))
                start += 1 << level
        return found

    def append(self, leaf: bytes) -> list[Node]:
        """Add a leaf hash; return every perfect subtree it completes, the leaf first."""
        index, level, hashed = self.size, 0, leaf
        made: list[Node] = [(0, index, leaf)]
        while index & 1:
            hashed = node_hash(self.nodes.pop(), hashed)
            index, level = index >> 1, level + 1
            made.append((level, index, hashed))
        self.nodes.append(hashed)
        self.size += 1
        return made

    def push(self, leaf: bytes) -> None:
        """Add a leaf hash, as :meth:`append` does, without naming the subtrees it completes (a
        verifier's replay needs the root alone)."""
        index, hashed, nodes = self.size, leaf, self.nodes
        while index & 1:
            hashed = node_hash(nodes.pop(), hashed)
            index >>= 1
        nodes.append(hashed)
        self.size += 1

    def root(self) -> bytes:
        if not self.nodes:
            return EMPTY_ROOT
        hashed = self.nodes[-1]
        for left in reversed(self.nodes[:-1]):
            hashed = node_hash(left, hashed)
        return hashed


# --- proofs (RFC 9162, 2.1.3.1 and 2.1.4.1) -------------------------------------------------


def inclusion_proof(index: int, size: int, perfect: PerfectHash) -> list[bytes]:
    """PATH(index, D[size]): the audit path of leaf ``index`` in the tree of ``size`` leaves."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size}")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = split(end - start)
        if index < start + k:
            path.append(range_hash(start + k, end, perfect))
            end = start + k
        else:
            path.append(range_hash(start, start + k, perfect))
            start += k
    path.reverse()
    return path


def consistency_proof(old: int, new: int, perfect: PerfectHash) -> list[bytes]:
    """PROOF(old, D[new]): that the tree of ``new`` leaves extends the tree of ``old``."""
    if not 0 <= old <= new:
        raise ProofError(f"no consistency proof from {old} to {new}")
    if old in (0, new):
        return []
    path: list[bytes] = []
    start, end, m, whole = 0, new, old, True
    while True:
        size = end - start
        if m == size:
            if not whole:
                path.append(range_hash(start, end, perfect))
            break
        k = split(size)
        if m <= k:
            path.append(range_hash(start + k, end, perfect))
            end = start + k
        else:
            path.append(range_hash(start, start + k, perfect))
            start, m, whole = start + k, m - k, False
    path.reverse()
    return path


# --- verifying (RFC 9162, 2.1.3.2 and 2.1.4.2) ----------------------------------------------


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` makes of ``leaf`` at ``index`` in a tree of ``size``."""
    if index >= size:
        raise ProofError(f"leaf index {index} is beyond the tree size {size}")
    if len(leaf) != HASH_SIZE or any(len(p) != HASH_SIZE for p in proof):
        raise ProofError("a hash of the proof is not 32 bytes")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the inclusion proof is shorter than the tree is deep")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise :class:`ProofError` unless ``leaf`` is leaf ``index`` of the tree ``(size, root)``."""
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise ProofError(f"leaf {index} is not in the tree of size {size} with that root")


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Raise :class:`ProofError` unless the tree ``(new, new_root)`` extends ``(old, old_root)``."""
    if not 0 < old <= new:
        raise ProofError(f"no tree of {new} proves it extends one of {old}")
    if old == new:
        if proof:
            raise ProofError("a proof between heads of one size must be empty")
        if old_root != new_root:
            raise ProofError(f"two heads of size {old} with different roots")
        return
    if len(old_root) != HASH_SIZE or any(len(p) != HASH_SIZE for p in proof):
        raise ProofError("a hash of the proof is not 32 bytes")
    if not proof:
        raise ProofError("an empty consistency proof")
    path = list(proof)
    if old & (old - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the consistency proof is shorter than the tree is deep")
    if fr != old_root:
        raise ProofError(f"the proof does not lead to the old root (size {old})")
    if sr != new_root:
        raise ProofError(f"the proof does not lead to the new root (size {new})")
