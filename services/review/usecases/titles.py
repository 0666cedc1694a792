"""Titles after the award: EIDB acceptance after creation (R-CREATION-PERIOD), and titles of
earlier batches taken over from their announcements (ADR 8)."""

from __future__ import annotations

from services.review.domain import (
    Base,
    check_by_ministry,
    import_title,
)
from services.review.usecases.store import ReviewStore
from shared.contract.commands import IntakeMessage
from shared.contract.commands_review import (
    AcceptCreation,
    ImportTitle,
)
from shared.intake import provenance
from shared.rules import refuse


class Titles(ReviewStore):
    """Acceptance after creation, and earlier titles imported once."""

    def accept_creation(self, message: IntakeMessage, *, upstream: str, position: int) -> str:
        """R-CREATION-PERIOD: 验收 of an EIDB base once its 2 years of creation are over."""
        body = message.body
        assert isinstance(body, AcceptCreation)
        refuse(check_by_ministry(message.province, "accept a base after creation"))
        base = self.base(body.base_id)
        base.accept_creation(
            body.accepted, body.score, body.report.model_dump(mode="json"), body.reason,
            **provenance(message),
        )  # fmt: skip
        self.record(base, upstream=upstream, position=position)
        return base.base_id

    def import_title(self, message: IntakeMessage, *, upstream: str, position: int) -> str:
        """A title of an earlier batch, recorded on the log from its announcement (once)."""
        body = message.body
        assert isinstance(body, ImportTitle)
        refuse(check_by_ministry(message.province, "import a title"))
        base = import_title(
            body.programme,
            body.batch_number,
            body.province,
            body.name,
            body.showcase,
            body.announced_on,
            body.announcement.model_dump(mode="json"),
            **provenance(message),
        )
        if Base.create_id(base.base_id) in self.repository:
            self.advance(upstream, position)
            return base.base_id
        self.record(base, upstream=upstream, position=position)
        return base.base_id
