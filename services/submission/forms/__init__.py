"""The application forms: typed, validated, read from a dict, JSON, YAML or a spreadsheet.

``parse_form(programme, category, data)`` returns the form (None if it cannot be read) and every
issue found, each with its field's dotted path. Eligibility rules are in
:mod:`services.submission.eligibility`.
"""

from __future__ import annotations

from services.submission.forms.common import NARRATIVE_LIMIT, Incident, YearSeries
from services.submission.forms.eidb_enterprise import EidbEnterpriseForm
from services.submission.forms.eidb_park import EidbParkForm, ParkInPark
from services.submission.forms.niid_park import NiidParkForm, SpecialArea
from services.submission.forms.parse import FORMS, AnyForm, parse_form, read_form_text
from services.submission.forms.problems import (
    DEFAULT_TOLERANCE,
    FormDuplicate,
    FormIssue,
    FormMismatch,
    Tolerance,
    as_problems,
    blocking,
)
from services.submission.forms.weights import PLACEHOLDER_WEIGHTS, FormWeights
from services.submission.forms.xlsx import read_form_xlsx, write_blank_template

__all__ = [
    "DEFAULT_TOLERANCE",
    "FORMS",
    "NARRATIVE_LIMIT",
    "PLACEHOLDER_WEIGHTS",
    "AnyForm",
    "EidbEnterpriseForm",
    "EidbParkForm",
    "FormDuplicate",
    "FormIssue",
    "FormMismatch",
    "FormWeights",
    "Incident",
    "NiidParkForm",
    "ParkInPark",
    "SpecialArea",
    "Tolerance",
    "YearSeries",
    "as_problems",
    "blocking",
    "parse_form",
    "read_form_text",
    "read_form_xlsx",
    "write_blank_template",
]
