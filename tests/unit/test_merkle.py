"""The Merkle tree of RFC 9162 against a reference implementation's vectors
(transparency-dev/merkle: its leaf inputs, node and root hashes, and its proof probes)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from shared.transparency.merkle import (
    EMPTY_ROOT,
    Frontier,
    ProofError,
    consistency_proof,
    in_memory,
    inclusion_proof,
    leaf_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)

PROBES = Path(__file__).parent / "testdata" / "merkle"
LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243",
          "5051525354555657", "606162636465666768696a6b6c6d6e6f")]  # fmt: skip
ROOTS = [bytes.fromhex(h) for h in (
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]  # fmt: skip
"""testonly/constants.go: the root of the tree of the first n leaf inputs, n = 0..8."""


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


def _probes(kind: str) -> list[tuple[str, dict[str, object]]]:
    return [(str(p.relative_to(PROBES)), json.loads(p.read_text()))
            for p in sorted((PROBES / kind).rglob("*.json"))]  # fmt: skip


def test_the_roots_of_the_reference_trees() -> None:
    hashes = [leaf_hash(data) for data in LEAVES]
    assert ROOTS[0] == EMPTY_ROOT
    frontier = Frontier()
    for size in range(9):
        assert root_of(hashes[:size]) == ROOTS[size]
        assert frontier.root() == ROOTS[size]
        if size < 8:
            frontier.append(hashes[size])


def test_appending_completes_each_perfect_subtree_once() -> None:
    hashes = [leaf_hash(bytes([i])) for i in range(37)]
    frontier, made = Frontier(), []
    for hashed in hashes:
        made += frontier.append(hashed)
    perfect = in_memory(hashes)
    assert len(made) == len({(level, index) for level, index, _ in made})
    assert all(perfect(level, index) == hashed for level, index, hashed in made)
    assert [frontier.nodes[i] for i in range(3)] == [
        perfect(level, index) for level, index in Frontier.levels_of(37)
    ]


def test_pushing_a_leaf_makes_the_tree_appending_it_makes() -> None:
    hashes = [leaf_hash(bytes([i])) for i in range(70)]
    appended, pushed = Frontier(), Frontier()
    for size, hashed in enumerate(hashes, start=1):
        appended.append(hashed)
        pushed.push(hashed)
        assert (pushed.size, pushed.nodes, pushed.root()) == (
            size,
            appended.nodes,
            root_of(hashes[:size]),
        )


@pytest.mark.parametrize(("name", "probe"), _probes("inclusion"))
def test_inclusion_probes(name: str, probe: dict[str, object]) -> None:
    proof = [_b64(p) for p in probe["proof"] or []]  # type: ignore[union-attr]
    arguments = (int(probe["leafIdx"]), int(probe["treeSize"]),  # type: ignore[call-overload]
                 _b64(str(probe["leafHash"])), proof, _b64(str(probe["root"])))  # fmt: skip
    if probe["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*arguments)
    else:
        verify_inclusion(*arguments)


@pytest.mark.parametrize(("name", "probe"), _probes("consistency"))
def test_consistency_probes(name: str, probe: dict[str, object]) -> None:
    proof = [_b64(p) for p in probe["proof"] or []]  # type: ignore[union-attr]
    roots = _b64(str(probe["root1"] or "")), _b64(str(probe["root2"] or ""))
    arguments = (int(probe["size1"]), int(probe["size2"]), *roots, proof)  # type: ignore[call-overload]
    if probe["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*arguments)
    else:
        verify_consistency(*arguments)


def test_generated_proofs_match_the_reference_and_verify() -> None:
    hashes = [leaf_hash(data) for data in LEAVES]
    perfect = in_memory(hashes)
    happy = json.loads((PROBES / "inclusion" / "2" / "happy-path.json").read_text())
    assert inclusion_proof(5, 8, perfect) == [_b64(p) for p in happy["proof"]]
    happy = json.loads((PROBES / "consistency" / "1" / "happy-path.json").read_text())
    assert consistency_proof(1, 8, perfect) == [_b64(p) for p in happy["proof"]]
    for size in range(1, 9):
        for index in range(size):
            proof = inclusion_proof(index, size, in_memory(hashes[:size]))
            verify_inclusion(index, size, hashes[index], proof, ROOTS[size])
        for old in range(1, size + 1):
            proof = consistency_proof(old, size, in_memory(hashes[:size]))
            verify_consistency(old, size, ROOTS[old], ROOTS[size], proof)


def test_generated_proofs_verify_in_larger_trees_and_fail_on_another_root() -> None:
    hashes = [leaf_hash(i.to_bytes(4, "big")) for i in range(70)]
    roots = [root_of(hashes[:n]) for n in range(71)]
    perfect = in_memory(hashes)
    for size in (13, 32, 33, 70):
        for index in (0, 7, size // 2, size - 1):
            verify_inclusion(index, size, hashes[index],
                             inclusion_proof(index, size, perfect), roots[size])  # fmt: skip
        for old in sorted({1, 5, min(16, size - 1), size - 1}):
            proof = consistency_proof(old, size, perfect)
            verify_consistency(old, size, roots[old], roots[size], proof)
            with pytest.raises(ProofError):
                verify_consistency(old, size, roots[old], roots[size - 1], proof)
    with pytest.raises(ProofError):
        verify_inclusion(3, 70, hashes[4], inclusion_proof(3, 70, perfect), roots[70])
