"""The review service's application: candidates before the ministry, from panel to title.

Each method checks the rules in the domain before anything changes, then records every aggregate
it changed together with the intake (or log) position, in one transaction. Business time is the
command's ``issued_at`` or the event's ``occurred_at``, never the wall clock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar
from uuid import NAMESPACE_URL, uuid5

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder
from eventsourcing.utils import EnvType

from services.review.adapters.transcodings import DateAsISO
from services.review.domain import (
    PROGRAMME_TITLES,
    Base,
    Candidate,
    Docket,
    Publicity,
    ReviewBatch,
    ScoringSheets,
    award,
    business_date,
    check_by_ministry,
    dossier_of,
    import_title,
    proposed,
    publicity_id_for,
    standings,
    window_for,
)
from services.review.integration import translate
from shared.calendar import WorkingDayCalendar
from shared.contract.commands import IntakeMessage
from shared.contract.commands_review import (
    AcceptCreation,
    ClosePublicity,
    DecideProposedList,
    DisqualifyCandidate,
    FileObjection,
    FormPanel,
    ImportTitle,
    OpenPublicity,
    RecordConsultation,
    RecordSiteVisit,
    ResolveObjection,
    ScoreApplication,
)
from shared.contract.envelope import Envelope
from shared.contract.events import ApplicationSubmitted, ProvinciallyRecommended
from shared.intake import provenance
from shared.rules import Violation, refuse
from shared.store import ServiceApplication

__all__ = ["ReviewApplication", "translate"]

A = TypeVar("A", bound=Aggregate)
SCHEDULER = "system:review-scheduler"
SCHEDULE_NAMESPACE = uuid5(NAMESPACE_URL, "https://demobase.miit/review-schedule")


class ReviewApplication(ServiceApplication):
    """Expert panels and scores, publicity with objections, awards, EIDB acceptance."""

    name = "review"

    def __init__(
        self, env: EnvType | None = None, *, calendar: WorkingDayCalendar, sheets: ScoringSheets
    ) -> None:
        super().__init__(env)
        self.calendar, self.sheets = calendar, sheets

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def _get(self, klass: type[A], key: str, field: str, kind: str) -> A:
        found: A = self.get_or_refuse(klass.create_id(key), field, kind, key)
        return found

    def candidate(self, application_id: str) -> Candidate:
        return self._get(Candidate, application_id, "application_id", "recommended application")

    def batch(self, batch_id: str) -> ReviewBatch:
        return self._get(ReviewBatch, batch_id, "batch_id", "batch in review")

    def publicity(self, publicity_id: str) -> Publicity:
        return self._get(Publicity, publicity_id, "publicity_id", "publicity")

    def base(self, base_id: str) -> Base:
        return self._get(Base, base_id, "base_id", "base")

    def docket(self) -> Docket:
        if Docket.ID in self.repository:
            found: Docket = self.repository.get(Docket.ID)
            return found
        return Docket()

    def file_candidate(self, event: Envelope, *, upstream: str, position: int) -> None:
        """An application was submitted: keep what review will need of it (once)."""
        payload = event.payload
        assert isinstance(payload, ApplicationSubmitted)
        if Candidate.create_id(payload.application_id) in self.repository:
            self.advance(upstream, position)
            return
        candidate = Candidate(
            application_id=payload.application_id, province=event.province,
            dossier=dossier_of(payload.model_dump(mode="json")), occurred_at=event.occurred_at,
        )  # fmt: skip
        self.record(candidate, upstream=upstream, position=position)

    def enter_review(self, event: Envelope, *, upstream: str, position: int) -> None:
        """Its province recommended it: it joins its batch before the ministry (once)."""
        payload = event.payload
        assert isinstance(payload, ProvinciallyRecommended)
        candidate_id = Candidate.create_id(payload.application_id)
        candidate: Candidate = (
            self.repository.get(candidate_id) if candidate_id in self.repository
            else Candidate(application_id=payload.application_id, province=event.province,
                           dossier=dossier_of(payload.model_dump(mode="json")),
                           occurred_at=event.occurred_at)
        )  # fmt: skip
        if candidate.status != "filed":
            self.advance(upstream, position)
            return
        batch_id = ReviewBatch.create_id(payload.batch_id)
        batch: ReviewBatch = (
            self.repository.get(batch_id) if batch_id in self.repository
            else ReviewBatch(batch_id=payload.batch_id, programme=payload.programme)
        )  # fmt: skip
        candidate.enter_review(payload.batch_id, list(payload.priority), event.occurred_at)
        batch.enrol(payload.application_id)
        self.record(candidate, batch, upstream=upstream, position=position)

    def form_panel(self, message: IntakeMessage, *, upstream: str, position: int) -> str:
        body = message.body
        assert isinstance(body, FormPanel)
        refuse(check_by_ministry(message.province, "form an expert panel"))
        candidate = self.candidate(body.application_id)
        dossier = candidate.dossier
        sheet = self.sheets.sheet_for(dossier["programme"], dossier["category"], dossier["domain"])
        experts = [expert.model_dump() for expert in body.experts]
        candidate.form_panel(experts, sheet, **provenance(message))
        self.record(candidate, upstream=upstream, position=position)
        return candidate.application_id

    def score(self, message: IntakeMessage, *, upstream: str, position: int) -> str:
        body = message.body
        assert isinstance(body, ScoreApplication)
        refuse(check_by_ministry(message.province, "score an application"))
        candidate = self.candidate(body.application_id)
        candidate.score(body.expert_id, dict(body.sections), **provenance(message))
        self.record(candidate, upstream=upstream, position=position)
        return candidate.application_id

    def record_site_visit(self, message: IntakeMessage, *, upstream: str, position: int) -> str:
        body = message.body
        assert isinstance(body, RecordSiteVisit)
        refuse(check_by_ministry(message.province, "record a site visit"))
        candidate = self.candidate(body.application_id)
        candidate.record_site_visit(
            body.visited_on, list(body.experts), body.findings, **provenance(message)
        )
        self.record(candidate, upstream=upstream, position=position)
        return candidate.application_id

    def decide_proposed_list(self, message: IntakeMessage, *, upstream: str, position: int) -> str:
        """Rank the batch on normalised scores (R-PRIORITY breaks ties) and propose the best."""
        body = message.body
        assert isinstance(body, DecideProposedList)
        refuse(check_by_ministry(message.province, "decide the proposed list"))
        batch = self.batch(body.batch_id)
        refuse(batch.check_in_review())
        candidates = {a: c for a in batch.members if not (c := self.candidate(a)).disqualified}
        refuse(*(candidate.check_fully_scored() for candidate in candidates.values()))
        ranked = standings(
            {a: c.totals() for a, c in candidates.items()},
            {a: bool(c.priority) for a, c in candidates.items()},
        )
        chosen = proposed(ranked, body.propose, body.cut_off)
        batch.decide_list(
            [s.application_id for s in ranked if s.application_id in chosen],
            body.propose, body.cut_off, **provenance(message),
        )  # fmt: skip
        for standing in ranked:
            candidates[standing.application_id].complete_review(
                standing, standing.application_id in chosen, **provenance(message)
            )
        self.record(batch, *candidates.values(), upstream=upstream, position=position)
        return batch.batch_id

    def open_publicity(self, message: IntakeMessage, *, upstream: str, position: int) -> str:
        """R-PUBLICITY: the proposed list, published on the command's date, for 5 working days."""
        body = message.body
        assert isinstance(body, OpenPublicity)
        refuse(check_by_ministry(message.province, "open a publicity"))
        batch = self.batch(body.batch_id)
        refuse(batch.check_decided(), batch.check_some_proposed())
        published_on = business_date(message.issued_at)
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

    def disqualify_candidate(self, message: IntakeMessage, *, upstream: str, position: int) -> str:
        """R-FRAUD in EIDB selection, found by the ministry: out of the ranking, or withheld at
        the close if its publicity is open; after the award it is fraud on the base instead."""
        body = message.body
        assert isinstance(body, DisqualifyCandidate)
        refuse(check_by_ministry(message.province, "disqualify a candidate"))
        candidate = self.candidate(body.application_id)
        publicity = self.find(Publicity.create_id(publicity_id_for(str(candidate.batch_id))))
        refuse(_check_not_awarded(candidate.application_id, publicity))
        during = publicity if publicity is not None and publicity.status == "open" else None
        evidence = [document.model_dump(mode="json") for document in body.evidence]
        candidate.disqualify("publicity" if during else "review", body.finding, evidence,
                             **provenance(message))  # fmt: skip
        if during is not None:
            during.withdraw(candidate.application_id)
        self.record(candidate, *([during] if during else []), upstream=upstream,
                    position=position)  # fmt: skip
        return candidate.application_id

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


def _check_not_awarded(application_id: str, publicity: Publicity | None) -> Violation | None:
    """R-FRAUD: after the award, fraud is reported on the base (001 第二十五条), not here."""
    if publicity is None or publicity.status != "closed" or application_id not in publicity.cleared:
        return None
    return Violation(
        "R-FRAUD", "application_id", "an application not yet awarded", application_id,
        f"{application_id} was awarded when {publicity.publicity_id} closed: report the fraud "
        "on its base (ReportFraud), which revokes the title",
    )  # fmt: skip
