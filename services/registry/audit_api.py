"""``/api/audit/…`` for tree heads and proofs, and the page ``/audit`` (ADR 16): a router of its
own, added to the registry's application in ``bootstrap.py``."""

from __future__ import annotations

import base64
import html
from typing import Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse, PlainTextResponse

from services.registry.application import Registry
from services.registry.heads import Heads
from services.registry.tree import Tree
from shared.contract.subjects import EVENTS_STREAM
from shared.transparency.checkpoint import Checkpoint, Note
from shared.transparency.merkle import ProofError


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def sequence_of(registry: Registry, event: str) -> int | None:
    """The stream sequence of an event id (or of a sequence given as a number)."""
    if event.isdigit():
        return int(event)
    with registry.db.snapshot() as cursor:
        cursor.execute(
            f"SELECT sequence FROM {registry.db.table_prefix}timeline WHERE event_id = ?", (event,)
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


def router(registry: Registry, heads: Heads) -> APIRouter:
    api = APIRouter()
    tree = Tree(registry.db)

    def head_size() -> int:
        return Checkpoint.parse(Note.parse(heads.current()).text).size

    @api.get("/api/audit/head", summary="The latest signed tree head (a C2SP checkpoint note)")
    def head() -> dict[str, str]:
        return {"note": heads.current()}

    @api.get("/api/audit/vkey", summary="The verifier key the registry says it signs with")
    def vkey() -> PlainTextResponse:
        return PlainTextResponse(heads.signer.verifier.vkey + "\n")

    @api.get("/api/audit/proof/{event}", summary="An event's inclusion proof under a tree head")
    def proof(event: str, size: int | None = Query(default=None, ge=1)) -> dict[str, Any]:
        sequence = sequence_of(registry, event)
        if sequence is None:
            raise HTTPException(404, f"no event {event!r} in the registry")
        at = size if size is not None else head_size()
        try:
            path = tree.inclusion(sequence - 1, at)
            hashed = tree.leaf(sequence - 1)
        except (LookupError, ProofError) as error:
            raise HTTPException(404, str(error)) from None
        return {
            "event": event, "sequence": sequence, "leaf_index": sequence - 1, "tree_size": at,
            "leaf_hash": _b64(hashed), "proof": [_b64(p) for p in path],
        }  # fmt: skip

    @api.get("/api/audit/consistency", summary="Proof that the tree of `new` extends `old`")
    def consistency(old: int = Query(ge=1), new: int = Query(ge=1)) -> dict[str, Any]:
        try:
            path = tree.consistency(old, new)
        except (LookupError, ProofError) as error:
            raise HTTPException(404, str(error)) from None
        return {"old": old, "new": new, "proof": [_b64(p) for p in path]}

    @api.get("/api/audit/status", summary="The tree, and any alarm of a log that went back")
    def status() -> dict[str, Any]:
        size, root = tree.head()
        return {
            "tree_size": size, "root": _b64(root), "alarms": heads.alarms,
            "position": registry.position(EVENTS_STREAM),
            "reused_sequences": [r.sequence for r in registry.reused],
        }  # fmt: skip

    @api.get("/audit", response_class=HTMLResponse, include_in_schema=False)
    def page(event: str | None = Query(default=None, max_length=100)) -> str:
        note = heads.current()
        signatures = Note.parse(note).signatures
        found = ""
        if event:
            try:
                shown = html.escape(str(proof(event)))
                found = f"<h2>Proof of {html.escape(event)}</h2><pre>{shown}</pre>"
            except HTTPException as error:
                found = f"<p>{html.escape(str(error.detail))}</p>"
        alarms = "".join(f"<li><b>{html.escape(a)}</b></li>" for a in heads.alarms)
        return f"""<!doctype html><html lang="en"><meta charset="utf-8"><title>audit</title>
<h1>The log's latest signed tree head</h1><pre>{html.escape(note)}</pre>
<p>Signed by: {", ".join(html.escape(n) for n, _ in signatures)}
({len(signatures) - 1} witness cosignature(s) on this copy; witnesses publish theirs on
CHECKPOINTS)</p>{f"<ul>{alarms}</ul>" if alarms else ""}
<h2>How to verify</h2><pre>
demobase audit head --public-key VKEY &gt; saved-head.txt
demobase audit prove EVENT_ID --public-key VKEY
demobase audit consistency saved-head.txt latest --public-key VKEY
demobase audit verify --since saved-head.txt --public-key VKEY --witnesses 1 --witness-key W
demobase audit witness --key witness.pem --name NAME --public-key VKEY</pre>
<form><input name="event" placeholder="event id or sequence"><button>prove</button></form>
{found}</html>"""

    return api
