"""The scale bench runs on a tiny size and reports what it says it reports (counts and keys,
never times)."""

from __future__ import annotations

import json

import pytest

from shared.contract.envelope import Envelope
from tests.bench.history import history
from tests.bench.scale import KEYS, main

pytestmark = pytest.mark.integration

EVENTS = 400


def test_the_history_is_valid_envelopes_with_ids_of_their_own() -> None:
    events = list(history(EVENTS))
    assert len(events) == EVENTS
    assert len({event.msg_id for event in events}) == EVENTS
    for event in events:
        envelope = Envelope.from_json(event.data)
        assert envelope.subject == event.subject
        assert str(envelope.event_id) == event.msg_id
    assert [e.data for e in history(50)] == [e.data for e in events[:50]]  # seeded: the same log


def test_scale_bench_prints_one_json_line_per_size(capsys: pytest.CaptureFixture[str]) -> None:
    results = main(["--sizes", str(EVENTS), "--deadline", "240"])

    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines] == results
    (result,) = results
    assert set(KEYS) <= set(result)
    assert result["events"] == EVENTS
    assert result["rebuild_matches"] is True
    assert isinstance(result["audit_holds"], bool)  # the verdict of `demobase audit verify`
    assert set(result["slow_consumer_lines"].values()) == {0}
    for key in ("rebuild_s", "rebuild_peak_rss_mb", "audit_verify_s", "raw_callback_replay_per_s"):
        assert isinstance(result[key], float | int), key
