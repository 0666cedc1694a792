"""The log is tamper-evident: the chain recomputed from the stream, and signed checkpoints
(DESIGN.md, "The registry and the audit")."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.registry.adapters.db import open_database
from services.registry.application import Registry
from services.registry.audit import Signer, recorded_chain, signature_holds, verify_chain
from shared.config import Settings
from tests.integration.test_persistence_contract import envelopes_of_applications

pytestmark = pytest.mark.integration


def test_a_checkpoint_is_signed_and_any_change_to_it_is_detected(tmp_path: Path) -> None:
    """An auditor holding the public key can tell a genuine checkpoint from an altered one."""
    signer = Signer(tmp_path / "key.pem")
    checkpoint = signer.checkpoint(42, "ab" * 32)
    assert signature_holds(checkpoint, signer.public_key)
    assert not signature_holds({**checkpoint, "sequence": 43}, signer.public_key)
    assert not signature_holds({**checkpoint, "chain": "cd" * 32}, signer.public_key)
    other = Signer(tmp_path / "other.pem")
    assert not signature_holds(checkpoint, other.public_key)
    assert Signer(tmp_path / "key.pem").public_key == signer.public_key  # the key is kept
    assert (tmp_path / "key.pem").stat().st_mode & 0o777 == 0o600


def test_the_chain_recomputed_from_the_log_names_the_first_event_the_registry_disagrees_on(
    settings: Settings,
) -> None:
    """A registry row rewritten after the fact is found, by its stream sequence."""
    log = list(enumerate(envelopes_of_applications(6), start=1))
    registry = Registry(open_database(settings))
    registry.apply_batch("EVENTS", log)
    recorded = recorded_chain(registry.db, 1, 6)
    assert verify_chain(iter(log), recorded.get).holds
    with registry.db.transaction() as cursor:
        cursor.execute(f"UPDATE {registry.db.table_prefix}timeline SET event_hash = ? "
                       "WHERE sequence = 4", ("0" * 64,))  # fmt: skip
    report = verify_chain(iter(log), recorded_chain(registry.db, 1, 6).get)
    assert report.first_mismatch is not None and report.first_mismatch.sequence == 4
    assert "event hash differs" in report.first_mismatch.reason
    altered = [*log[:2], (3, log[2][1] + b" "), *log[3:]]
    report = verify_chain(iter(altered), recorded.get)
    assert report.first_mismatch is not None and report.first_mismatch.sequence == 3
