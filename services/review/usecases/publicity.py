"""Publicity (R-PUBLICITY): the proposed list for 5 working days, objections, the three
ministries' consultation, and the close that awards the cleared (R-TITLE-NAME)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from services.review.domain import (
    PROGRAMME_TITLES,
    Base,
    Publicity,
    award,
    business_date,
    check_by_ministry,
    publicity_id_for,
    window_for,
)
from services.review.usecases.store import ReviewStore
from shared.contract.commands import IntakeMessage
from shared.contract.commands_review import (
    ClosePublicity,
    FileObjection,
    OpenPublicity,
    RecordConsultation,
    ResolveObjection,
)
from shared.intake import provenance
from shared.rules import refuse

SCHEDULER = "system:review-scheduler"
SCHEDULE_NAMESPACE = uuid5(NAMESPACE_URL, "https://demobase.miit/review-schedule")
"""The scheduler's close of a due publicity: its actor, and the namespace of its correlation id."""


class Publicising(ReviewStore):
    """From the proposed list to the titles announced."""

    def open_publicity(self, message: IntakeMessage, *, upstream: str, position: int) -> str:
        """R-PUBLICITY: the proposed list, published on the command's date, for 5 working days."""
        body = message.body
        assert isinstance(body, OpenPublicity)
        refuse(check_by_ministry(message.province, "open a publicity"))
        batch = self.batch(body.batch_id)
        refuse(batch.check_decided(), batch.check_some_proposed())
        published_on = business_date(message.received_at)
        window = window_for(self.calendar, published_on)
        publicity_id = publicity_id_for(batch.batch_id)
        publicity = Publicity(
            publicity_id=publicity_id, batch_id=batch.batch_id, programme=batch.programme,
            published_on=published_on, first_day=window.first_day, last_day=window.last_day,
            opens_at=window.opens_at, closes_at=window.closes_at,
            entries=[self._entry(a) for a in batch.proposed if not self.candidate(a).disqualified],
            notice=body.notice.model_dump(mode="json") if body.notice else None,
            **provenance(message),
        )  # fmt: skip
        batch.publicise(publicity_id)
        docket = self.docket()
        docket.enter(publicity_id, window.closes_at)
        self.record(publicity, batch, docket, upstream=upstream, position=position)
        return publicity_id

    def _entry(self, application_id: str) -> dict[str, str]:
        candidate = self.candidate(application_id)
        return {
            "application_id": application_id,
            "name": candidate.dossier["name"],
            "proposed_title": candidate.title(under_creation=True).text,
        }

    def file_objection(self, message: IntakeMessage, *, upstream: str, position: int) -> str:
        """R-PUBLICITY: on time, against a listed applicant; returns the objection's id."""
        body = message.body
        assert isinstance(body, FileObjection)
        if body.source != "public":
            refuse(check_by_ministry(message.province, f"object for {body.source}"))
        publicity = self.publicity(body.publicity_id)
        objection_id = f"OBJ-{message.command_id.hex[:12]}"
        if objection_id in publicity.objections:  # the same attempt again: decided already
            self.advance(upstream, position)
            return objection_id
        evidence = [document.model_dump(mode="json") for document in body.evidence]
        publicity.file_objection(
            objection_id, body.application_id, body.source, body.grounds, evidence,
            **provenance(message),
        )  # fmt: skip
        self.record(publicity, upstream=upstream, position=position)
        return objection_id

    def resolve_objection(self, message: IntakeMessage, *, upstream: str, position: int) -> str:
        body = message.body
        assert isinstance(body, ResolveObjection)
        refuse(check_by_ministry(message.province, "resolve an objection"))
        publicity = self.publicity(body.publicity_id)
        publicity.resolve_objection(
            body.objection_id, body.outcome, body.reasoning, **provenance(message)
        )
        self.record(publicity, upstream=upstream, position=position)
        return publicity.publicity_id

    def record_consultation(self, message: IntakeMessage, *, upstream: str, position: int) -> str:
        """A consulted ministry's opinion; each applicant it objects to gets an objection."""
        body = message.body
        assert isinstance(body, RecordConsultation)
        refuse(check_by_ministry(message.province, "record a consultation"))
        publicity = self.publicity(body.publicity_id)
        publicity.answer_consultation(
            body.ministry, body.opinion, body.remarks, **provenance(message)
        )
        for index, application_id in enumerate(body.objected, start=1):
            publicity.file_objection(
                f"OBJ-{message.command_id.hex[:12]}-{index}", application_id, body.ministry,
                str(body.remarks), [], **provenance(message),
            )  # fmt: skip
        self.record(publicity, upstream=upstream, position=position)
        return publicity.publicity_id

    def close_publicity(self, message: IntakeMessage, *, upstream: str, position: int) -> str:
        body = message.body
        assert isinstance(body, ClosePublicity)
        refuse(check_by_ministry(message.province, "close a publicity"))
        announcement = body.announcement.model_dump(mode="json") if body.announcement else None
        self._close(body.publicity_id, announcement, provenance(message), upstream, position)
        return body.publicity_id

    def _close(
        self, publicity_id: str, announcement: dict[str, Any] | None,
        cause: dict[str, Any], upstream: str | None, position: int,
    ) -> list[Base]:  # fmt: skip
        """R-PUBLICITY then R-TITLE-NAME: close, and award the cleared in the same transaction."""
        publicity = self.publicity(publicity_id)
        publicity.close(**cause)
        announced_on = business_date(cause["occurred_at"])
        announcement = announcement or {
            "title": f"{PROGRAMME_TITLES[publicity.programme]}名单公告（{publicity.batch_id}）"
        }
        bases = [
            award(self.candidate(a), announced_on, announcement, **cause) for a in publicity.cleared
        ]
        docket = self.docket()
        docket.strike(publicity_id)
        self.record(publicity, docket, *bases, upstream=upstream, position=position)
        return bases

    def due_publicities(self, now: datetime) -> list[str]:
        """Open publicities whose window ended before ``now`` with no objection unresolved."""
        due = self.docket().due(now)
        return [p for p in due if not self.publicity(p).unresolved]

    def close_due_publicity(self, publicity_id: str, now: datetime) -> list[Base]:
        """The scheduler's close: effective ``now``, by the system, with the default notice."""
        cause = {
            "actor": SCHEDULER,
            "occurred_at": now,
            "correlation_id": uuid5(SCHEDULE_NAMESPACE, publicity_id),
            "causation_id": None,
        }
        return self._close(publicity_id, None, cause, None, 0)
