"""The evaluation service's commands from the intake: thin, validate-call-answer."""

from __future__ import annotations

from typing import Protocol

from services.evaluation.application import EvaluationApplication
from services.evaluation.domain.base import Base
from shared.bus.handler import Command, owned
from shared.contract.authority import Owner
from shared.contract.commands import IntakeDecision, IntakeMessage
from shared.contract.commands_evaluation import ReviewAnnualMaterials


class Decide(Protocol):
    """An application method: decides and records one command; returns the subject's id."""

    def __call__(self, message: IntakeMessage, *, upstream: str, position: int) -> str: ...


def commands(app: EvaluationApplication) -> dict[str, Command]:
    def decided(method: Decide, recorded: str | None) -> Command:
        def command(message: IntakeMessage, upstream: str, position: int) -> IntakeDecision:
            subject_id = method(message, upstream=upstream, position=position)
            return IntakeDecision(
                command_id=message.command_id,
                accepted=True,
                recorded=recorded if subject_id else None,
                subject_id=subject_id or None,
            )

        return command

    def review_materials(message: IntakeMessage, upstream: str, position: int) -> IntakeDecision:
        assert isinstance(message.body, ReviewAnnualMaterials)
        forward = message.body.outcome == "forward"
        recorded = "AnnualReportSubmitted" if forward else "AnnualMaterialsReturned"
        return decided(app.review_materials, recorded)(message, upstream, position)

    return {
        "OpenEvaluationRound": decided(app.open_round, "EvaluationRoundOpened"),
        "FileAnnualMaterials": decided(app.file_materials, None),
        "ReviewAnnualMaterials": review_materials,
        "RateRound": decided(app.rate_round, "EvaluationResultsPublished"),
        "ReportIncident": decided(app.report_incident, "IncidentReported"),
        "RecordInspectionFinding": decided(app.record_finding, "InspectionFindingRecorded"),
        "ConfirmRectification": decided(app.confirm_rectification, "RectificationConfirmed"),
        "CheckRectificationDeadlines": decided(app.check_deadlines, "TitleRevoked"),
        "ReportFraud": decided(app.report_fraud, "FraudDetected"),
        "RequestRename": decided(app.request_rename, None),
        "DecideRename": decided(app.decide_rename, None),
        "ChangeTier": decided(app.change_tier, "TierChanged"),
        "FileActionPlan": decided(app.file_action_plan, "ActionPlanFiled"),
    }


def owners(app: EvaluationApplication) -> dict[str, Owner]:
    """Whose bases they are, for the authority of a province (P-AUTHORITY)."""
    return {"base_id": owned(app, Base)}
