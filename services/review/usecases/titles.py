"""Titles after the award: EIDB acceptance after creation (R-CREATION-PERIOD), and titles of
earlier batches taken over from their announcements (ADR 8)."""

from __future__ import annotations

from services.review.domain import (
    Base,
    ProgrammeCalls,
    check_by_ministry,
    check_taken_over_from_history,
    import_title,
)
from services.review.usecases.store import ReviewStore
from shared.contract.commands import IntakeMessage
from shared.contract.commands_review import (
    AcceptCreation,
    ImportTitle,
)
from shared.contract.envelope import Envelope
from shared.contract.events import BatchOpened
from shared.intake import provenance
from shared.reaction_log import reacted
from shared.rules import refuse


class Titles(ReviewStore):
    """Acceptance after creation, and titles of batches before the platform imported once."""

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
        """A title of a batch called before the platform, recorded on the log from its
        announcement (once); never one of EIDB or of a batch the platform calls (ADR 15)."""
        body = message.body
        assert isinstance(body, ImportTitle)
        refuse(
            check_by_ministry(message.province, "import a title"),
            check_taken_over_from_history(
                body.programme, body.batch_number, self.calls(body.programme)
            ),
        )
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

    def note_call(self, event: Envelope, *, upstream: str, position: int) -> None:
        """A batch the platform called: its titles are never taken over (R-PROCEDURE)."""
        batch = event.payload
        assert isinstance(batch, BatchOpened)
        calls = self.calls(batch.programme)
        calls.call(batch.number, batch.batch_id)
        self.record(calls, upstream=upstream, position=position)
        reacted(event, position, "batch noted as called on the platform",
                batch_id=batch.batch_id, programme=batch.programme,
                number=batch.number)  # fmt: skip

    def calls(self, programme: str) -> ProgrammeCalls:
        found = self.find(ProgrammeCalls.create_id(programme))
        return found if isinstance(found, ProgrammeCalls) else ProgrammeCalls(programme=programme)
