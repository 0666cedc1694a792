"""Expert review (R-PROCEDURE, R-PRIORITY): candidates enter review when recommended, panels
score them, the ministry decides the proposed list; fraud takes a candidate out (R-FRAUD)."""

from __future__ import annotations

from services.review.domain import (
    Candidate,
    Publicity,
    ReviewBatch,
    check_by_ministry,
    dossier_of,
    proposed,
    publicity_id_for,
    standings,
)
from services.review.usecases.store import ReviewStore
from shared.contract.commands import IntakeMessage
from shared.contract.commands_review import (
    DecideProposedList,
    DisqualifyCandidate,
    FormPanel,
    RecordSiteVisit,
    ScoreApplication,
)
from shared.contract.envelope import Envelope
from shared.contract.events import ApplicationSubmitted, ProvinciallyRecommended
from shared.intake import provenance
from shared.reaction_log import reacted
from shared.rules import Violation, refuse


class ExpertReview(ReviewStore):
    """From a recommendation to the proposed list."""

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
        reacted(event, position, "candidate filed for review",
                application_id=payload.application_id, province=event.province)  # fmt: skip

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
        reacted(event, position, "candidate entered the ministry's review",
                application_id=payload.application_id, province=event.province,
                batch_id=payload.batch_id)  # fmt: skip

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


def _check_not_awarded(application_id: str, publicity: Publicity | None) -> Violation | None:
    """R-FRAUD: after the award, fraud is reported on the base (001 第二十五条), not here."""
    if publicity is None or publicity.status != "closed" or application_id not in publicity.cleared:
        return None
    return Violation(
        "R-FRAUD", "application_id", "an application not yet awarded", application_id,
        f"{application_id} was awarded when {publicity.publicity_id} closed: report the fraud "
        "on its base (ReportFraud), which revokes the title",
    )  # fmt: skip
