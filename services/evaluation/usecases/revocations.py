"""Losing a title (001 第二十三条, 第二十五条): incidents (R-REVOKE-INCIDENT), inspection findings
not rectified in time (R-REVOKE-RECTIFY), two low years (R-REVOKE-2STARS), fraud (R-FRAUD).

The facts are recorded on command; the title is revoked when the causing event is on the log,
in the reaction to it, so that TitleRevoked cites it by event id and stream sequence. Deadlines
are checked on command (an effective date) or by the scheduler (its clock's date).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any
from uuid import uuid5

from services.evaluation.domain import (
    Base,
    RectificationDocket,
    business_date,
    check_by_ministry,
    check_own_base,
    incident_revokes_title,
)
from services.evaluation.usecases.store import (
    SCHEDULE_NAMESPACE,
    SCHEDULER,
    EvaluationStore,
    caused_by,
    ref,
)
from shared.calendar import start_of_day
from shared.contract.commands import IntakeMessage
from shared.contract.commands_evaluation import (
    CheckRectificationDeadlines,
    ConfirmRectification,
    RecordInspectionFinding,
    ReportFraud,
    ReportIncident,
)
from shared.contract.envelope import Envelope
from shared.contract.events import (
    FraudDetected,
    IncidentReported,
    InspectionFindingRecorded,
    StarRated,
)
from shared.intake import provenance
from shared.reaction_log import reacted
from shared.rules import Violation, refuse


def check_not_after(day: date, at: datetime, field: str, rule_id: str) -> Violation | None:
    """Facts are reported once they happened: a day after the command's date is refused."""
    if day <= business_date(at):
        return None
    return Violation(
        rule_id,
        field,
        f"on or before {business_date(at)}",
        day.isoformat(),
        "a date after the command's own date",
    )


def _docs(documents: Any) -> list[dict[str, Any]]:
    return [document.model_dump(mode="json") for document in documents]


class Revocations(EvaluationStore):
    """Incidents, findings, fraud, and the revocations they cause."""

    def report_incident(self, message: IntakeMessage, *, upstream: str, position: int) -> str:
        body = message.body
        assert isinstance(body, ReportIncident)
        base = self.base(body.base_id)
        refuse(
            check_own_base(
                base.province, message.province, "report an incident of", "R-REVOKE-INCIDENT"
            ),
            check_not_after(
                body.happened_on, message.received_at, "happened_on", "R-REVOKE-INCIDENT"
            ),
        )
        revokes = incident_revokes_title(body.kind, body.grade, body.happened_on, base.announced_on)
        incident = body.model_dump(mode="json", exclude={"base_id"})
        incident["happened_on"] = body.happened_on
        base.report_incident(incident, revokes, **provenance(message))
        self.record(base, upstream=upstream, position=position)
        return base.base_id

    def report_fraud(self, message: IntakeMessage, *, upstream: str, position: int) -> str:
        body = message.body
        assert isinstance(body, ReportFraud)
        refuse(check_by_ministry(message.province, "find fraud", "R-FRAUD"))
        base = self.base(body.base_id)
        base.detect_fraud(body.description, _docs(body.evidence), **provenance(message))
        self.record(base, upstream=upstream, position=position)
        return base.base_id

    def record_finding(self, message: IntakeMessage, *, upstream: str, position: int) -> str:
        body = message.body
        assert isinstance(body, RecordInspectionFinding)
        refuse(
            check_by_ministry(message.province, "record an inspection finding", "R-REVOKE-RECTIFY")
        )
        base, docket = self.base(body.base_id), self.docket()
        refuse(base.check_titled("R-REVOKE-RECTIFY"), docket.check_new(body.finding_id))
        finding = body.model_dump(mode="json", exclude={"base_id"})
        finding["rectify_by"] = body.rectify_by
        docket.record(base.base_id, base.province, finding, **provenance(message))
        self.record(docket, upstream=upstream, position=position)
        return base.base_id

    def confirm_rectification(self, message: IntakeMessage, *, upstream: str, position: int) -> str:
        body = message.body
        assert isinstance(body, ConfirmRectification)
        base, docket = self.base(body.base_id), self.docket()
        refuse(
            check_own_base(
                base.province, message.province, "confirm a rectification of", "R-REVOKE-RECTIFY"
            ),
            docket.check_open(body.finding_id, base.base_id),
            check_not_after(
                body.rectified_on, message.received_at, "rectified_on", "R-REVOKE-RECTIFY"
            ),
        )
        docket.confirm(
            base.base_id,
            body.finding_id,
            body.rectified_on,
            _docs(body.evidence),
            **provenance(message),
        )
        self.record(docket, upstream=upstream, position=position)
        return base.base_id

    def check_deadlines(self, message: IntakeMessage, *, upstream: str, position: int) -> str:
        """R-REVOKE-RECTIFY on command, as of its effective date (default: its own date)."""
        body = message.body
        assert isinstance(body, CheckRectificationDeadlines)
        refuse(
            check_by_ministry(message.province, "check rectification deadlines", "R-REVOKE-RECTIFY")
        )
        on = body.effective_on or business_date(message.received_at)
        effective = start_of_day(body.effective_on) if body.effective_on else message.received_at
        cause = {**provenance(message), "occurred_at": effective}
        docket, bases = self._revoke_overdue(on, cause)
        self.record(docket, *bases, upstream=upstream, position=position)
        return ",".join(base.base_id for base in bases)

    def check_due(self, now: datetime) -> list[str]:
        """R-REVOKE-RECTIFY for the scheduler, as of ``now`` (its clock); untracked."""
        on = business_date(now)
        cause = {
            "actor": SCHEDULER,
            "occurred_at": now,
            "correlation_id": uuid5(SCHEDULE_NAMESPACE, on.isoformat()),
            "causation_id": None,
        }
        docket, bases = self._revoke_overdue(on, cause)
        self.record(docket, *bases)
        return [base.base_id for base in bases]

    def _revoke_overdue(
        self, on: date, cause: dict[str, Any]
    ) -> tuple[RectificationDocket, list[Base]]:
        docket = self.docket()
        by_base: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
        for finding_id, finding in docket.overdue(on):
            by_base[finding["base_id"]].append((finding_id, finding))
        revoked = []
        for base_id, findings in by_base.items():
            base = self.base(base_id)
            if base.holds_title:
                ids = ", ".join(finding_id for finding_id, _ in findings)
                base.revoke(
                    "R-REVOKE-RECTIFY",
                    f"inspection findings {ids} not rectified by their deadline (as of {on})",
                    [f["ref"] for _, f in findings],
                    **cause,
                )
                revoked.append(base)
            for finding_id, _ in findings:
                docket.settle(finding_id)
        return docket, revoked

    # Reactions to this service's own facts, once they are on the log

    def when_incident_logged(self, event: Envelope, *, upstream: str, position: int) -> None:
        incident = event.payload
        assert isinstance(incident, IncidentReported)
        base = self._revoked_by(incident)
        if base is None:
            self.advance(upstream, position)
            return
        reason = f"{incident.grade} {incident.kind} incident {incident.incident_id}"
        base.revoke("R-REVOKE-INCIDENT", reason, [ref(event, position)], **caused_by(event))
        self.record(base, upstream=upstream, position=position)
        reacted(event, position, "title revoked", base_id=base.base_id, province=base.province,
                rule_id="R-REVOKE-INCIDENT", reason=reason)  # fmt: skip

    def _revoked_by(self, incident: IncidentReported) -> Base | None:
        """The base whose title this incident revokes, if it does (R-REVOKE-INCIDENT)."""
        base = self.known_base(incident.base_id)
        if base is None or base.revocation is not None:
            return None
        grave = incident_revokes_title(
            incident.kind, incident.grade, incident.happened_on, base.announced_on
        )
        return base if grave else None

    def when_finding_logged(self, event: Envelope, *, upstream: str, position: int) -> None:
        finding = event.payload
        assert isinstance(finding, InspectionFindingRecorded)
        docket = self.docket()
        if finding.finding_id not in docket.findings:
            self.advance(upstream, position)
            return
        docket.log_finding(finding.finding_id, ref(event, position))
        self.record(docket, upstream=upstream, position=position)

    def when_rating_logged(self, event: Envelope, *, upstream: str, position: int) -> None:
        rated = event.payload
        assert isinstance(rated, StarRated)
        base = self.known_base(rated.base_id)
        if base is None:
            self.advance(upstream, position)
            return
        causes = base.log_rating(rated.evaluation_year, rated.stars, ref(event, position))
        revoking = bool(causes) and base.holds_title
        if revoking:
            reason = (
                f"{rated.evaluation_year - 1} and {rated.evaluation_year}: two consecutive "
                f"years at two stars or fewer"
            )
            base.revoke("R-REVOKE-2STARS", reason, causes, **caused_by(event))
        self.record(base, upstream=upstream, position=position)
        if revoking:
            reacted(event, position, "title revoked", base_id=base.base_id,
                    province=base.province, rule_id="R-REVOKE-2STARS", reason=reason)  # fmt: skip

    def when_fraud_logged(self, event: Envelope, *, upstream: str, position: int) -> None:
        fraud = event.payload
        assert isinstance(fraud, FraudDetected)
        base, ledger = self.known_base(fraud.base_id), self.batch_ledger(fraud.programme)
        if base is None or base.revocation is not None:
            self.advance(upstream, position)
            return
        causes = [ref(event, position)]
        base.revoke("R-FRAUD", f"fraud: {fraud.description}"[:2000], causes, **caused_by(event))
        ledger.suspend(base.province, f"fraud at base {base.base_id}", causes, **caused_by(event))
        self.record(base, ledger, upstream=upstream, position=position)
        reacted(event, position, "title revoked", base_id=base.base_id, province=base.province,
                rule_id="R-FRAUD", reason="fraud")  # fmt: skip
        reacted(event, position, "province suspended from the next batch",
                province=base.province, programme=fraud.programme, base_id=base.base_id,
                rule_id="R-FRAUD")  # fmt: skip
