"""Reading a form from a dict (a command's ``form``), JSON or YAML, with every problem at once."""

from __future__ import annotations

import json
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from services.submission.domain import Violation, check_applicant_kind, check_enterprise_identity
from services.submission.forms.checks import evidence_problems, narrative_problems
from services.submission.forms.eidb_enterprise import EidbEnterpriseForm
from services.submission.forms.eidb_park import EidbParkForm
from services.submission.forms.niid_park import NiidParkForm
from services.submission.forms.problems import (
    DEFAULT_TOLERANCE,
    FormIssue,
    Tolerance,
    shape_problems,
)
from services.submission.forms.weights import PLACEHOLDER_WEIGHTS, FormWeights
from shared.contract.commands import Problem
from shared.contract.events_common import Category, Programme

AnyForm = NiidParkForm | EidbParkForm | EidbEnterpriseForm

FORMS: dict[tuple[str, str], type[AnyForm]] = {
    ("NIID", "park"): NiidParkForm,
    ("EIDB", "park"): EidbParkForm,
    ("EIDB", "enterprise"): EidbEnterpriseForm,
}
"""The form each programme and category files (NIID takes parks only, R-ELIGIBLE-ZONE)."""


def problem_of(violation: Violation, field: str | None = None) -> Problem:
    """A domain :class:`Violation` as the contract's :class:`Problem`."""
    return Problem(
        field=field or violation.field, reason=violation.message, rule_id=violation.rule_id,
        required=violation.required, given=violation.given,
    )  # fmt: skip


def parse_form(
    programme: Programme,
    category: Category,
    data: dict[str, Any],
    *,
    weights: FormWeights = PLACEHOLDER_WEIGHTS,
    tolerance: Tolerance = DEFAULT_TOLERANCE,
) -> tuple[AnyForm | None, list[FormIssue]]:
    """Read ``data`` as the form of ``programme`` and ``category``; report every problem found.

    The form is None when it cannot be read (the problems say where). Otherwise it comes back with
    the rest: narrative sections over 2,000 characters and an empty 附件清单 (R-MATERIALS), an
    invalid 统一社会信用代码
    (R-ELIGIBLE-ENTERPRISE), typed figures the computation contradicts (:class:`FormMismatch`) and
    things listed twice (:class:`FormDuplicate`). Typed weighted counts are cross-checked only
    with ``weights`` marked verified.
    """
    refusal = check_applicant_kind(programme, category)
    if refusal is not None or (programme, category) not in FORMS:
        shown = refusal or Violation("R-ELIGIBLE-ZONE", "category", "park or enterprise", category,
                                     f"no {programme} form for {category}")  # fmt: skip
        return None, [problem_of(shown)]
    try:
        form = FORMS[(programme, category)].model_validate(data)
    except ValidationError as error:  # the codes are checked all the same: every problem at once
        return None, [*shape_problems(error), *typed_identity_problems(category, data, error)]
    issues: list[FormIssue] = [*narrative_problems(form), *evidence_problems(form)]
    issues += identity_problems(form)
    issues += form.mismatches(weights, tolerance)
    issues += form.duplicates()
    return form, issues


def identity_problems(form: AnyForm) -> list[Problem]:
    """R-ELIGIBLE-ENTERPRISE: the enterprise's code and its group's, by GB 32100-2015."""
    if not isinstance(form, EidbEnterpriseForm):
        return []
    found = []
    for field, code in (("uscc", form.uscc), ("parent_uscc", form.parent_uscc)):
        if field == "parent_uscc" and code is None:
            continue
        violation = check_enterprise_identity("enterprise", code)
        if violation is not None:
            found.append(problem_of(violation, field))
    if form.parent_uscc is not None and form.parent_uscc == form.uscc:
        found.append(
            Problem(
                field="parent_uscc",
                rule_id="R-ELIGIBLE-ENTERPRISE",
                given=form.parent_uscc,
                reason="an enterprise is not its own group company",
                required="another code",
            )
        )
    return found


def typed_identity_problems(
    category: str, data: dict[str, Any], error: ValidationError
) -> list[Problem]:
    """R-ELIGIBLE-ENTERPRISE over the codes as typed, for a form that did not read: a wrong check
    digit (GB 32100-2015) is named beside the shape's problems, not after they are fixed."""
    if category != "enterprise":
        return []
    refused = {str(item["loc"][0]) for item in error.errors() if item["loc"]}
    found = []
    for field in ("uscc", "parent_uscc"):
        code = data.get(field)
        if field in refused or not isinstance(code, str) or not code:
            continue
        violation = check_enterprise_identity("enterprise", code)
        if violation is not None:
            found.append(problem_of(violation, field))
    return found


def load_document(text: str, fmt: Literal["json", "yaml"]) -> tuple[dict[str, Any] | None, str]:
    """Parse a JSON or YAML document into a mapping; the string says why when it cannot."""
    try:
        data = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        return None, f"not valid {fmt.upper()}: {error}"
    if not isinstance(data, dict):
        return None, f"a form is a mapping of fields, not {type(data).__name__}"
    return data, ""


def read_form_text(
    text: str,
    fmt: Literal["json", "yaml"],
    programme: Programme,
    category: Category,
    *,
    weights: FormWeights = PLACEHOLDER_WEIGHTS,
    tolerance: Tolerance = DEFAULT_TOLERANCE,
) -> tuple[AnyForm | None, list[FormIssue]]:
    """:func:`parse_form` over a JSON or YAML document."""
    data, why = load_document(text, fmt)
    if data is None:
        return None, [Problem(field="", reason=why)]
    return parse_form(programme, category, data, weights=weights, tolerance=tolerance)
