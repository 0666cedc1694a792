"""`demobase registry as-of --json` writes its answer page by page (issue 8: an as-of at 10^6
events is tens of thousands of entries): the document is the same JSON as the whole answer made
at once, for every limit, its later pages ask for the state the first read, and no page beyond
the limit is asked for."""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import pytest

from demobase import cli

pytestmark = pytest.mark.unit

ENTRIES = [{"id": f"NIID-110000-{n:04d}", "name": f"园区{n}", "title": None} for n in range(5)]
FIELDS = {
    "moment": "2028-06-01T00:00:00+00:00", "by": "effective", "applied": 9, "through": 7,
    "history_from": 1,
}  # fmt: skip


def pages_of(sizes: list[int]) -> dict[str | None, dict[str, Any]]:
    """The registry's pages keyed by the ``after`` that asks for each."""
    pages: dict[str | None, dict[str, Any]] = {}
    start, after = 0, None
    for size in sizes:
        chunk = ENTRIES[start : start + size]
        start += size
        more = start < len(ENTRIES)
        pages[after] = {**FIELDS, "entries": chunk, "next": chunk[-1]["id"] if more else None}
        after = chunk[-1]["id"]
    return pages


@pytest.mark.parametrize("limit", [None, 1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("sizes", [[2, 2, 1], [5], [1, 1, 1, 1, 1]])
def test_as_of_json_page_by_page_is_the_whole_answer(
    monkeypatch: pytest.MonkeyPatch, sizes: list[int], limit: int | None
) -> None:
    pages = pages_of(sizes)
    asked: list[str | None] = []

    def registry_get(
        _settings: Any, _path: str, after: str | None = None, through: str | None = None, **_: Any
    ) -> Any:
        asked.append(after)
        assert through == (None if after is None else "7")  # later pages read the first's state
        return pages[after]

    monkeypatch.setattr(cli, "registry_get", registry_get)
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    answer = cli._as_of_pages("/api/as-of/2028-06-01", limit)
    cli._echo_json_pages(next(answer), answer)

    shown = ENTRIES[:limit]
    more = limit is not None and limit < len(ENTRIES)
    expected = {**FIELDS, "entries": shown, "next": shown[-1]["id"] if more else None}
    assert json.loads(out.getvalue()) == expected
    assert out.getvalue() == json.dumps(expected, ensure_ascii=False, indent=1) + "\n"
    wanted = len(ENTRIES) if limit is None else min(limit, len(ENTRIES))
    needed = next(i + 1 for i in range(len(sizes)) if sum(sizes[: i + 1]) >= wanted)
    assert len(asked) == needed  # no page beyond the limit is asked for


def test_as_of_json_of_no_entries_is_an_empty_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        cli, "registry_get", lambda *_, **__: {**FIELDS, "entries": [], "next": None}
    )
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    answer = cli._as_of_pages("/api/as-of/2016-01-01", None)
    cli._echo_json_pages(next(answer), answer)
    assert json.loads(out.getvalue()) == {**FIELDS, "entries": [], "next": None}
