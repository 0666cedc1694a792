"""A province's request to rename a base (R-RENAME; 001 第二十二条).

The province applies (only for a change of administrative division or zone name or extent, with
the leading industry and the boundaries unchanged); the ministry approves or refuses; an approved
rename takes effect, and is published, with that year's results (the base's ``Renamed``).
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.evaluation.domain.procedure import Decided
from services.evaluation.domain.record import check_rename
from shared.rules import Violation, refuse

RENAME_NAMESPACE = uuid5(NAMESPACE_URL, "https://demobase.miit/rename")


def check_status(status: str, allowed: tuple[str, ...], step: str) -> Violation | None:
    """R-RENAME: one request at a time, decided once, published once."""
    if status in allowed:
        return None
    return Violation(
        "R-RENAME",
        "base_id",
        " or ".join(allowed),
        status,
        f"cannot {step}: the base's rename is {status}",
    )


class RenameRequest(Aggregate):
    """The renames of one base, one at a time."""

    @staticmethod
    def create_id(base_id: str) -> UUID:
        return uuid5(RENAME_NAMESPACE, base_id)

    @event("Started")
    def __init__(self, base_id: str) -> None:
        self.base_id = base_id
        self.status = "none"
        self.request: dict[str, Any] = {}

    @property
    def approved(self) -> bool:
        return self.status == "approved"

    class Requested(Decided):
        request: dict[str, Any]

        def apply(self, rename: RenameRequest) -> None:
            rename.status, rename.request = "requested", self.request

    def apply_for(
        self, title: str, request: dict[str, Any], changed: tuple[bool, bool], **provenance: Any
    ) -> None:
        """``request``: new_title, cause, request; ``changed``: leading industry, boundaries."""
        same = None
        if request["new_title"] == title:
            same = Violation(
                "R-RENAME",
                "new_title",
                f"a title other than {title}",
                title,
                "the new title is the current one",
            )
        refuse(
            check_status(self.status, ("none", "refused", "published"), "apply for another"),
            check_rename(*changed),
            same,
        )
        self.trigger_event(self.Requested, request=request, **provenance)

    class Answered(Decided):
        approved: bool
        decision: dict[str, Any]
        reason: str | None

        def apply(self, rename: RenameRequest) -> None:
            rename.status = "approved" if self.approved else "refused"
            rename.request = {**rename.request, "approval": self.decision}

    def decide(
        self, approved: bool, decision: dict[str, Any], reason: str | None, **provenance: Any
    ) -> None:
        refuse(check_status(self.status, ("requested",), "decide it"))
        self.trigger_event(
            self.Answered, approved=approved, decision=decision, reason=reason, **provenance
        )

    @event("Published")
    def mark_published(self, year: int) -> None:
        """It took effect with ``year``'s results."""
        self.status = "published"
