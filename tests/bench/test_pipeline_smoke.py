"""The bench runs on a tiny N and reports what it says it reports (counts, never times)."""

from __future__ import annotations

import json

import pytest

from tests.bench.pipeline import KEYS, main

pytestmark = pytest.mark.integration

EVENTS = 20


def test_bench_prints_one_json_line_with_every_figure(capsys: pytest.CaptureFixture[str]) -> None:
    result = main(["--events", str(EVENTS), "--paced", "30", "--deadline", "120"])

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0]) == result
    assert set(KEYS) <= set(result)
    assert result["events"] == EVENTS
    for key in KEYS[1:8]:
        assert isinstance(result[key], float | int), key
    assert set(result["machine"]) >= {"cpu_count", "python", "nats_server", "persistence"}
    assert result["machine"]["persistence"] == "eventsourcing.sqlite"
    assert result["counts"] == {
        "intake_published": EVENTS,
        "events_on_log": EVENTS,
        "registry_applied": EVENTS,
        "registry_entries": EVENTS,
        "registry_submitted": EVENTS,
        "rebuild_events": EVENTS,
        "rebuild_matches_live": True,
        "ordered_read_passes": result["counts"]["ordered_read_passes"],
    }
    assert set(result["counts"]["ordered_read_passes"]) == {"iterate", "next_msg", "callback"}
    assert result["e2e_mode"] == "processes"  # the services as deployed, each its own process
    assert set(result["e2e_cpu_ms_per_event"]) == {"submission", "registry", "nats_server", "bench"}
    steady = result["submit_to_visible_at_100_per_s_ms"]
    assert steady["attempts"] == 30
    assert steady["services"] == "processes"  # timed as deployed too, not in the bench's process
    assert steady["p50"] <= steady["p95"] <= steady["p99"] <= steady["max"]
