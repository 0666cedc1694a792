"""The review service's commands from the intake: thin, validate-call-answer."""

from __future__ import annotations

from typing import Protocol

from services.review.application import ReviewApplication
from shared.bus.handler import Command
from shared.contract.commands import IntakeDecision, IntakeMessage
from shared.contract.commands_review import AcceptCreation


class Decide(Protocol):
    """An application method: decides and records one command; returns the subject's id."""

    def __call__(self, message: IntakeMessage, *, upstream: str, position: int) -> str: ...


def commands(app: ReviewApplication) -> dict[str, Command]:
    def decided(method: Decide, recorded: str | None) -> Command:
        def command(message: IntakeMessage, upstream: str, position: int) -> IntakeDecision:
            subject_id = method(message, upstream=upstream, position=position)
            return IntakeDecision(
                command_id=message.command_id,
                accepted=True,
                recorded=recorded,
                subject_id=subject_id,
            )

        return command

    def accept_creation(message: IntakeMessage, upstream: str, position: int) -> IntakeDecision:
        assert isinstance(message.body, AcceptCreation)
        recorded = "CreationAccepted" if message.body.accepted else "CreationAcceptanceFailed"
        return decided(app.accept_creation, recorded)(message, upstream, position)

    return {
        "FormPanel": decided(app.form_panel, None),
        "ScoreApplication": decided(app.score, None),
        "RecordSiteVisit": decided(app.record_site_visit, None),
        "DecideProposedList": decided(app.decide_proposed_list, "ExpertReviewCompleted"),
        "OpenPublicity": decided(app.open_publicity, "PublicityOpened"),
        "FileObjection": decided(app.file_objection, "ObjectionFiled"),
        "ResolveObjection": decided(app.resolve_objection, "ObjectionResolved"),
        "RecordConsultation": decided(app.record_consultation, "ConsultationAnswered"),
        "ClosePublicity": decided(app.close_publicity, "PublicityClosed"),
        "DisqualifyCandidate": decided(app.disqualify_candidate, "CandidateDisqualified"),
        "AcceptCreation": accept_creation,
        "ImportTitle": decided(app.import_title, "TitleAwarded"),
    }
