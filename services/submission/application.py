"""The submission service's application: batches, applications, city and provincial review.

Each method checks the rules in the domain before anything changes, then records the aggregates it
changed together with the intake position, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from eventsourcing.domain import Aggregate
from pydantic import ValidationError

from services.submission.arrival import (
    form_matches_application,
    prefixed,
    unique,
    violation_of,
)
from services.submission.data.zones import CatalogueError, ZoneCatalogue
from services.submission.domain import (
    Application,
    Batch,
    Catalogue,
    ProvinceSuspensions,
    applicant_key,
    application_id_for,
    check_called_on_the_platform,
    check_enterprise_identity,
    check_not_suspended,
    check_within_deadline,
    violations_on_arrival,
)
from services.submission.eligibility import (
    EidbConditions,
    check_eligibility,
    check_group_and_subsidiary,
)
from services.submission.forms import PLACEHOLDER_WEIGHTS, as_problems, blocking, parse_form
from shared.contract.commands import (
    AllowSecondDomain,
    DisqualifyApplication,
    ForwardBatch,
    IntakeMessage,
    LoadZoneCatalogue,
    OpenBatch,
    Problem,
    RecommendApplication,
    RejectApplication,
    ReviewByCity,
    SubmitApplication,
    problems_of,
)
from shared.contract.envelope import Envelope
from shared.contract.events import CandidateDisqualified
from shared.intake import RefusedAttemptError, provenance
from shared.reaction_log import reacted
from shared.rules import RuleViolationError, Violation, refuse
from shared.store import ServiceApplication

A = TypeVar("A", bound=Aggregate)


class SubmissionApplication(ServiceApplication):
    """Batches, applications, city and provincial review, recommendations, quotas, suspensions."""

    name = "submission"

    def _get(self, klass: type[A], key: str, field: str, kind: str) -> A:
        found: A = self.get_or_refuse(klass.create_id(key), field, kind, key)
        return found

    def batch(self, batch_id: str) -> Batch:
        return self._get(Batch, batch_id, "batch_id", "batch")

    def application(self, application_id: str) -> Application:
        return self._get(Application, application_id, "application_id", "application")

    def open_batch(self, message: IntakeMessage, *, upstream: str, position: int) -> Batch:
        body = message.body
        assert isinstance(body, OpenBatch)
        if Batch.create_id(body.batch_id) in self.repository:
            raise RuleViolationError(
                [
                    Violation(
                        "R-PROCEDURE",
                        "batch_id",
                        "a new batch id",
                        body.batch_id,
                        "batch already open",
                    )
                ]
            )
        refuse(check_called_on_the_platform(body.programme, body.number))
        details = body.model_dump(mode="json")
        _conditions_of(details.get("conditions"))  # refused now if no form could be held to them
        batch = Batch(batch_id=body.batch_id, details=details, **provenance(message))
        self.record(batch, upstream=upstream, position=position)
        return batch

    def forward_batch(self, message: IntakeMessage, *, upstream: str, position: int) -> Batch:
        body = message.body
        assert isinstance(body, ForwardBatch)
        batch = self.batch(body.batch_id)
        batch.forward(message.province, body.model_dump(mode="json"), **provenance(message))
        self.record(batch, upstream=upstream, position=position)
        return batch

    def submit(self, message: IntakeMessage, *, upstream: str, position: int) -> Application:
        """Receive one application; accepted or rejected by the arrival rules, and kept.

        A form that cannot be read is refused with every problem by field and nothing is
        recorded; a readable form that breaks a rule is received and rejected with every reason.
        """
        body = message.body
        assert isinstance(body, SubmitApplication)
        application_id = application_id_for(body.programme, message.province, message.command_id)
        if Application.create_id(application_id) in self.repository:
            # The same attempt sent again after the server's duplicate window: decided already.
            self.advance(upstream, position)
            return self.application(application_id)
        batch = self._check_batch_takes(body, message) if body.batch_id else None
        conditions = _conditions_of(batch.conditions) if batch is not None else None
        violations, flags = self._arrival_rules(body, message.received_at.date(), conditions)
        entrant = _entrant(body, application_id)
        applicant = applicant_key(body.category, message.province, body.name, body.uscc)
        if batch is not None:
            violations += _applicant_conflicts(batch, applicant, body)
        if batch is not None and entrant is not None:
            violations += _group_conflicts(batch, entrant)
        application = Application(
            application_id=application_id,
            province=message.province,
            details={**body.model_dump(mode="json"), "flags": flags},
            violations=[vars(v) for v in violations],
            **provenance(message),
        )
        if batch is not None and not violations:
            batch.enter_applicant(applicant, body.name, body.domain, application_id)
            if entrant is not None:
                batch.enter_enterprise(**vars(entrant))
        self.record(application, *([batch] if batch else []), upstream=upstream, position=position)
        return application

    def _arrival_rules(
        self, body: SubmitApplication, on: date, conditions: EidbConditions | None
    ) -> tuple[list[Violation], list[str]]:
        """Every rule of the application and its form: R-ELIGIBLE-*, R-THRESHOLDS (with the
        batch's 创建基本条件, R-NO-SMART-FACTORY), R-MATERIALS…"""
        violations = violations_on_arrival(body.programme, body.category, body.domain, body.uscc)
        weights = conditions.weights if conditions is not None else PLACEHOLDER_WEIGHTS
        form, issues = parse_form(body.programme, body.category, body.form, weights=weights)
        if form is None and violations:
            return violations, []  # ineligible as an applicant: no form to read
        if form is None:
            raise RefusedAttemptError(prefixed("form.", as_problems(issues)))
        violations += [violation_of(problem, "form.") for problem in as_problems(blocking(issues))]
        violations += form_matches_application(body, form)
        result = check_eligibility(
            body.programme, body.category, form, self.zones(), on, conditions=conditions
        )
        return unique(violations + list(result.violations)), [str(f) for f in result.flags]

    def load_catalogue(self, message: IntakeMessage, *, upstream: str, position: int) -> Catalogue:
        """R-ELIGIBLE-ZONE: a new edition of the development-zone catalogue is in force."""
        body = message.body
        assert isinstance(body, LoadZoneCatalogue)
        try:
            zones = ZoneCatalogue.from_csv_text(body.csv_text, source=body.edition)
        except CatalogueError as error:
            raise RefusedAttemptError(
                tuple(
                    Problem(
                        field=f"csv_text line {p.line}" + (f" {p.field}" if p.field else ""),
                        reason=p.reason,
                    )
                    for p in error.problems
                )
            ) from None
        catalogue = self._catalogue()
        catalogue.load(edition=body.edition, csv_text=body.csv_text, zones=len(zones))
        self.record(catalogue, upstream=upstream, position=position)
        return catalogue

    def zones(self) -> ZoneCatalogue:
        """The edition of the catalogue in force (empty until an operator loads one); read on
        every application, so the aggregate is looked at, not deep-copied twice as before."""
        catalogue: Catalogue | None = self.peek(Catalogue.create_id())
        return (catalogue or Catalogue()).in_force()

    def _catalogue(self) -> Catalogue:
        if Catalogue.create_id() in self.repository:
            found: Catalogue = self.repository.get(Catalogue.create_id())
            return found
        return Catalogue()

    def _check_batch_takes(self, body: SubmitApplication, message: IntakeMessage) -> Batch:
        """R-PROCEDURE, R-DEADLINES: the batch exists, is of the programme, and is not past due."""
        assert body.batch_id is not None
        batch = self.batch(body.batch_id)
        level, due = batch.first_due(message.province)
        wrong_programme = None
        if batch.programme != body.programme:
            wrong_programme = Violation(
                "R-PROCEDURE",
                "programme",
                batch.programme,
                body.programme,
                f"batch {batch.batch_id} is a {batch.programme} batch",
            )
        refuse(wrong_programme, check_within_deadline(level, due, message.received_at.date()))
        return batch

    def review_by_city(
        self, message: IntakeMessage, *, upstream: str, position: int
    ) -> Application:
        body = message.body
        assert isinstance(body, ReviewByCity)
        application = self.application(body.application_id)
        batch = self._batch_of(application)
        on = message.received_at.date()
        refuse(
            _city_review_required(batch, message.province),
            check_within_deadline("province", batch.due("province", message.province), on),
            batch.check_quota(message.province, application.city, application.category),
        )
        application.review_by_city(
            body.city, body.rank, _dump(body.summary_table), **provenance(message)
        )
        batch.use_quota(message.province, application.city, application.category)
        self.record(application, batch, upstream=upstream, position=position)
        return application

    def recommend(self, message: IntakeMessage, *, upstream: str, position: int) -> Application:
        body = message.body
        assert isinstance(body, RecommendApplication)
        application = self.application(body.application_id)
        _check_same_province(application, message.province)
        batch = self._batch_of(application)
        city_review = batch.city_review(message.province)
        refuse(
            check_not_suspended(batch.suspended, message.province, batch.batch_id),
            self._suspensions(message.province, batch.programme).check_not_suspended(
                batch.number, batch.batch_id
            ),
            check_within_deadline(
                "ministry", batch.due("ministry", message.province), message.received_at.date()
            ),
            None
            if city_review
            else batch.check_quota(message.province, application.city, application.category),
        )
        serial_no = batch.next_serial(message.province)
        application.recommend(
            serial_no,
            city_review,
            body.recommendation.model_dump(mode="json"),
            str(body.preliminary_score) if body.preliminary_score is not None else None,
            list(body.priority),
            **provenance(message),
        )
        batch.assign_serial(message.province, serial_no)
        if not city_review:  # where cities review, the quota was used at the city's review
            batch.use_quota(message.province, application.city, application.category)
        self.record(application, batch, upstream=upstream, position=position)
        return application

    def reject(self, message: IntakeMessage, *, upstream: str, position: int) -> Application:
        body = message.body
        assert isinstance(body, RejectApplication)
        application = self.application(body.application_id)
        _check_same_province(application, message.province)
        reasons = [
            {"rule_id": None, "field": None, "required": None, "given": None, "message": reason}
            for reason in body.reasons
        ]
        application.reject(body.stage, reasons, **provenance(message))
        self.record(application, upstream=upstream, position=position)
        return application

    def disqualify(self, message: IntakeMessage, *, upstream: str, position: int) -> Application:
        """R-FRAUD during EIDB selection, found by the application's city or province."""
        body = message.body
        assert isinstance(body, DisqualifyApplication)
        application = self.application(body.application_id)
        _check_same_province(application, message.province)
        application.disqualify(
            body.stage, body.finding, [document.title for document in body.evidence],
            **provenance(message),
        )  # fmt: skip
        batch = self._bar_applicant(application, body.stage, body.finding, message.received_at)
        self.record(application, *([batch] if batch else []), upstream=upstream,
                    position=position)  # fmt: skip
        return application

    def when_candidate_disqualified_bar_applicant(
        self, event: Envelope, *, upstream: str, position: int
    ) -> None:
        """R-FRAUD found by the ministry in review (CandidateDisqualified): the applicant loses
        its right to apply in the call too, whatever application it sends next."""
        found = event.payload
        assert isinstance(found, CandidateDisqualified)
        application = self.find(Application.create_id(found.application_id))
        batch = None
        if application is not None:
            batch = self._bar_applicant(application, "ministry", found.finding, event.occurred_at)
        self.record(*([batch] if batch else []), upstream=upstream, position=position)
        if batch is not None:
            reacted(event, position, "applicant barred from the call (R-FRAUD)",
                    application_id=found.application_id, batch_id=batch.batch_id,
                    province=event.province)  # fmt: skip

    def _bar_applicant(
        self, application: Application, stage: str, finding: str, at: datetime
    ) -> Batch | None:
        """R-FRAUD: record in the application's batch that its applicant was disqualified."""
        if application.batch_id is None:
            return None
        batch = self.batch(application.batch_id)
        details = application.details
        applicant = applicant_key(application.category, application.province,
                                  str(details["name"]), details.get("uscc"))  # fmt: skip
        batch.disqualify_applicant(applicant, application.application_id, stage, finding,
                                   at.date().isoformat())  # fmt: skip
        return batch

    def allow_second_domain(self, message: IntakeMessage, *, upstream: str, position: int) -> Batch:
        """R-ONE-DOMAIN: the ministry's recorded exception, one applicant, one more domain."""
        body = message.body
        assert isinstance(body, AllowSecondDomain)
        batch = self.batch(body.batch_id)
        refuse(check_enterprise_identity(body.category, body.uscc))
        batch.allow_second_domain(
            applicant_key(body.category, body.province, body.name, body.uscc), body.province,
            body.category, body.name, body.uscc, body.domain, body.reasoning,
            _dump(body.decision), **provenance(message),
        )  # fmt: skip
        self.record(batch, upstream=upstream, position=position)
        return batch

    def record_suspension(
        self,
        province: str,
        programme: str,
        batch_number: int,
        reason: str,
        causing_events: list[dict[str, Any]],
        *,
        upstream: str,
        position: int,
    ) -> ProvinceSuspensions:
        """R-SUSPENDED-PROVINCE: remember that ``province`` may not recommend in that batch."""
        suspensions = self._suspensions(province, programme)
        suspensions.suspend(batch_number=batch_number, reason=reason, causing_events=causing_events)
        self.record(suspensions, upstream=upstream, position=position)
        return suspensions

    def _suspensions(self, province: str, programme: str) -> ProvinceSuspensions:
        aggregate_id = ProvinceSuspensions.create_id(province, programme)
        if aggregate_id in self.repository:
            found: ProvinceSuspensions = self.repository.get(aggregate_id)
            return found
        return ProvinceSuspensions(province=province, programme=programme)

    def _batch_of(self, application: Application) -> Batch:
        if application.batch_id is None:
            raise RuleViolationError(
                [
                    Violation(
                        "R-PROCEDURE",
                        "batch_id",
                        "an application to a batch",
                        "none",
                        "the application names no batch",
                    )
                ]
            )
        return self.batch(application.batch_id)


@dataclass(frozen=True)
class Entrant:
    """An enterprise as the group check sees it (R-ELIGIBLE-ENTERPRISE)."""

    uscc: str
    name: str
    parent_uscc: str | None
    application_id: str


def _entrant(body: SubmitApplication, application_id: str) -> Entrant | None:
    if body.category != "enterprise" or not body.uscc:
        return None
    parent = body.form.get("parent_uscc")
    parent_uscc = parent if isinstance(parent, str) else None
    return Entrant(body.uscc, body.name, parent_uscc, application_id)


def _applicant_conflicts(batch: Batch, applicant: str, body: SubmitApplication) -> list[Violation]:
    """What the batch knows of this applicant already (R-FRAUD, R-ONE-DOMAIN), named by the field
    that identifies it: an enterprise's uscc, a park's name."""
    field = "uscc" if applicant.startswith("enterprise:") else "name"
    who = f"{body.name} ({body.uscc})" if field == "uscc" else body.name
    return batch.check_applicant(applicant, body.domain, field, who)


def _group_conflicts(batch: Batch, entrant: Entrant) -> list[Violation]:
    """A group and its subsidiary may not both apply in one batch: the later one is refused."""
    others = [Entrant(**e) for e in batch.enterprises.values() if e["uscc"] != entrant.uscc]
    conflicts = check_group_and_subsidiary([*others, entrant])
    return [v for v in conflicts if entrant.uscc in v.given]


def _conditions_of(conditions: dict[str, Any] | None) -> EidbConditions | None:
    """R-THRESHOLDS: a batch's 创建基本条件 as the forms check them; an attempt to open a batch
    with conditions no form could be held to is refused naming the field."""
    try:
        return EidbConditions.of_batch(conditions)
    except ValidationError as error:
        problems = prefixed("conditions.", problems_of(error))
        raise RefusedAttemptError(
            tuple(
                p.model_copy(update={"field": p.field.rstrip("."), "rule_id": "R-THRESHOLDS"})
                for p in problems
            )
        ) from None


def _city_review_required(batch: Batch, province: str) -> Violation | None:
    if batch.city_review(province):
        return None
    return Violation(
        "R-PROCEDURE",
        "province",
        "a province whose cities review first (EIDB)",
        province,
        f"cities of {province} do not review in batch {batch.batch_id}",
    )


def _check_same_province(application: Application, province: str) -> None:
    if application.province != province:
        raise RuleViolationError(
            [
                Violation(
                    "R-PROCEDURE",
                    "province",
                    application.province,
                    province,
                    "a province acts only on its own applications",
                )
            ]
        )


def _dump(document: Any) -> dict[str, Any] | None:
    return None if document is None else dict(document.model_dump(mode="json"))
