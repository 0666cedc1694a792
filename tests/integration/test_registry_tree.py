"""The registry keeps the Merkle tree of the log beside its projection (ADR 16)."""

from __future__ import annotations

import pytest

from services.registry.adapters.db import open_database
from services.registry.application import Registry
from services.registry.tree import Tree
from shared.config import Settings
from shared.transparency.merkle import (
    leaf_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from tests.integration.test_persistence_contract import envelopes_of_applications

pytestmark = pytest.mark.integration


def test_the_tree_follows_the_log_and_its_proofs_verify(settings: Settings) -> None:
    log = list(enumerate(envelopes_of_applications(11), start=1))
    registry = Registry(open_database(settings))
    registry.apply_batch("EVENTS", log[:4])
    registry.apply_batch("EVENTS", log[4:])
    registry.apply_batch("EVENTS", log[9:])  # a redelivery: nothing new, no alarm
    leaves = [leaf_hash(data) for _, data in log]
    tree = Tree(registry.db)
    assert tree.head() == (11, root_of(leaves))
    for at in (1, 4, 7, 11):
        for index in range(at):
            verify_inclusion(index, at, leaves[index], tree.inclusion(index, at), tree.root(at))
        for old in range(1, at + 1):
            proof = tree.consistency(old, at)
            verify_consistency(old, at, root_of(leaves[:old]), tree.root(at), proof)
    assert registry.reused == []


def test_a_rebuild_swaps_in_the_same_tree_and_a_reused_sequence_is_an_alarm(
    settings: Settings,
) -> None:
    log = list(enumerate(envelopes_of_applications(5), start=1))
    registry = Registry(open_database(settings))
    registry.apply_batch("EVENTS", log)
    head = Tree(registry.db).head()
    new = registry.new_tables()
    new.apply_batch("EVENTS", log)
    assert registry.replace_with(new, "EVENTS") is None
    assert Tree(registry.db).head() == head
    other = envelopes_of_applications(7)[6]
    registry.apply_batch("EVENTS", [(3, other)])  # the stream was recreated: 3 is another event
    assert [r.sequence for r in registry.reused] == [3]
    assert Tree(registry.db).head() == head
