"""The one way every command reads an id a person typed: the full id, an unambiguous prefix of
it, or a name the thing bears (or bore). An ambiguous one lists the matches; one that matches
nothing says so. Applications, bases and batches are all found the same way (issue 11)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from demobase.client import ClientError, registry_get
from shared.config import Settings

SHOWN_MATCHES = 10
"""Matches an ambiguous id lists; the rest are counted."""


@dataclass(frozen=True)
class Candidate:
    """Something an id may name: its id, and the names it is known by (current and former)."""

    id: str
    names: tuple[str, ...] = ()
    label: str = ""
    """How a list of matches shows it, beside its id."""


class NotFoundError(ClientError):
    """Nothing bears the id, prefix or name given."""


class AmbiguousIdError(ClientError):
    """Several things match: the person picks one by its full id."""

    def __init__(self, text: str, matches: Sequence[Candidate]) -> None:
        super().__init__(text)
        self.matches = tuple(matches)


def resolve(given: str, candidates: Iterable[Candidate], kind: str) -> str:
    """The id ``given`` names among ``candidates``: an exact id first, then the ids it is a
    prefix of (case aside), then the names it equals; one match or an error naming the cause."""
    wanted = given.strip()
    pool = list(candidates)
    if not wanted:
        raise NotFoundError(f"no {kind} id given")
    for candidate in pool:
        if candidate.id == wanted:
            return candidate.id
    folded = wanted.casefold()
    by_prefix = [c for c in pool if c.id.casefold().startswith(folded)]
    matches = by_prefix or [c for c in pool if wanted in c.names]
    if len(matches) == 1:
        return matches[0].id
    if not matches:
        raise NotFoundError(
            f"no {kind} with id, id prefix or name {wanted!r}; {_where_to_look(kind)}"
        )
    shown = "; ".join(f"{c.id} ({c.label})" if c.label else c.id for c in matches[:SHOWN_MATCHES])
    more = len(matches) - SHOWN_MATCHES
    rest = f"; … and {more} more" if more > 0 else ""
    raise AmbiguousIdError(
        f"{wanted!r} matches {len(matches)} {kind}s: {shown}{rest}; give more of the id",
        matches,
    )


def _where_to_look(kind: str) -> str:
    if kind == "batch":
        return "`demobase batch list` shows them"
    return "`demobase registry list` shows them"


def entry_candidates(entries: Iterable[dict[str, Any]]) -> list[Candidate]:
    """Applications and bases as the registry lists them, by id, name, title and former names."""
    found = []
    for e in entries:
        names = (e.get("name"), e.get("title"), *(e.get("former_names") or []))
        label = f"{e.get('name', '')}, {e.get('status', '')}".strip(", ")
        found.append(Candidate(str(e["id"]), tuple(n for n in names if n), label))
    return found


def entry_id(settings: Settings, given: str, *, kind: str | None = None) -> str:
    """The id of the application or base ``given`` names (``kind`` "application" or "base" to
    look among those only). A full id is answered by the registry at once; anything else is
    resolved over the registry's list."""
    try:
        exact = registry_get(settings, f"/api/applications/{given}")
    except ClientError:
        exact = None
    if isinstance(exact, dict) and exact.get("id") == given:
        return given
    entries: Any = registry_get(settings, "/api/applications")
    if isinstance(entries, dict):  # a paged answer
        entries = entries.get("entries", [])
    if kind is not None:
        entries = [e for e in entries if e.get("kind") == kind]
    return resolve(given, entry_candidates(entries), kind or "application or base")


def batch_id(settings: Settings, given: str) -> str:
    """The id of the batch ``given`` names: its id, a prefix of it, or its title."""
    batches: list[dict[str, Any]] = registry_get(settings, "/api/batches")
    candidates = [
        Candidate(
            str(b["batch_id"]),
            tuple(n for n in (b.get("title"),) if n),
            str(b.get("title") or b.get("programme") or ""),
        )
        for b in batches
    ]
    return resolve(given, candidates, "batch")
