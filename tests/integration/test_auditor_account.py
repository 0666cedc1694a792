"""The auditor account of deploy/ verifies and witnesses with read-only rights (issue 10, item 4):
its API prefix and inbox prefix honoured; it writes a cosignature and nothing else."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from demobase.audit_log import Verdict, verify
from shared.contract.subjects import (
    CHECKPOINTS_STREAM,
    EVENTS_STREAM,
    LOG_HEAD_SUBJECT,
    cosignature_subject,
)
from shared.transparency.checkpoint import COSIGNATURE, Checkpoint, Signer, open_head, sign_head
from shared.transparency.merkle import Frontier, leaf_hash
from tests.integration import test_deploy_permissions as permissions
from tests.integration.test_deploy_permissions import Connected, auditor_js

server, login = permissions.server, permissions.login  # the fixtures of deploy/'s single node
ministry, auditor = permissions.ministry, permissions.auditor

pytestmark = pytest.mark.integration
ORIGIN = "demobase.example/events"


async def test_the_auditor_verifies_and_witnesses_with_read_only_rights(
    ministry: Connected, auditor: Connected
) -> None:
    js = ministry.nc.jetstream()
    key = Signer(ORIGIN, Ed25519PrivateKey.generate())
    frontier = Frontier()
    for i in range(3):
        data = f'{{"event": {i}}}'.encode()
        await js.publish(f"bases.v1.submission.430000.E{i}", data, stream=EVENTS_STREAM)
        frontier.append(leaf_hash(data))
        note = sign_head(Checkpoint(ORIGIN, frontier.size, frontier.root(), int(time.time())), key)
        await js.publish(LOG_HEAD_SUBJECT, note.encode(), stream=CHECKPOINTS_STREAM)
    audit = auditor_js(auditor)
    witness = Signer("witness.example/w1", Ed25519PrivateKey.generate(), COSIGNATURE)
    head = open_head(note, key.verifier)
    cosigned = head.note.with_signature(witness.sign(head.note.text, 2)).render()
    await audit.publish(cosignature_subject(witness.name), cosigned.encode(),
                        stream=CHECKPOINTS_STREAM)  # fmt: skip
    report = await verify(audit, key.verifier, witnesses=[witness.verifier], required=1)
    assert report.verdict == Verdict.HOLDS, report.findings
    assert (report.events, report.heads) == (3, 4)
    assert auditor.errors == []
    for subject in (LOG_HEAD_SUBJECT, "bases.v1.submission.430000.Forged"):
        await auditor.nc.publish(subject, b"{}")
        await auditor.refused("publish", subject)
