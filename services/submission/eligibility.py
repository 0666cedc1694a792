"""Eligibility: the selection rules checked against a form that has been read.

Plain Python, no I/O. Each rule is a named check returning :class:`Violation`s with the rule ID, the
field, the figure required and the figure given; :func:`check_eligibility` runs them all and reports
every failure at once. A matter of judgement is a :class:`Flag` for the reviewers, not a refusal.
Qualitative indicators (定性) are scored by experts and are not checked (R-THRESHOLDS). The NIID
figures live in :mod:`services.submission.forms.thresholds`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from pydantic import Field, model_validator

from services.submission.data.zones import ZoneCatalogue
from services.submission.domain import Violation, check_applicant_kind, check_one_domain
from services.submission.forms.common import FormModel, Incident, Text
from services.submission.forms.eidb_common import BLOCK_WEIGHTS
from services.submission.forms.eidb_enterprise import EidbEnterpriseForm
from services.submission.forms.eidb_park import EidbParkForm
from services.submission.forms.niid_park import NiidParkForm
from services.submission.forms.parse import FORMS, AnyForm
from services.submission.forms.thresholds import (
    Minimum,
    bracket_reliance,
    check_featured_indicators,
    check_niid_thresholds,
)
from services.submission.forms.weights import PLACEHOLDER_WEIGHTS, FormWeights
from shared.contract.events_common import Category, ExactBool, Programme


@dataclass(frozen=True)
class Flag:
    """A matter for the reviewers' judgement under a rule, not a refusal."""

    rule_id: str
    reason: str
    field: str = ""


@dataclass(frozen=True)
class EligibilityResult:
    """Every rule the form fails, and every matter flagged for the reviewers."""

    violations: tuple[Violation, ...]
    flags: tuple[Flag, ...]

    @property
    def eligible(self) -> bool:
        return not self.violations


class EidbConditions(FormModel):
    """A batch's 创建基本条件 (003 四(二)): minimums on computed figures, and the form weights.

    The 考评指标 of 工信部规〔2025〕250号 were not found in public sources: the ministry sets these
    as data of the batch when it opens it (``OpenBatch.conditions``), and says whether they are
    verified. Keys are the forms' ``METRICS``.
    """

    verified: ExactBool
    source: Text
    park: dict[str, Decimal] = Field(default_factory=dict)
    enterprise: dict[str, Decimal] = Field(default_factory=dict)
    weights: FormWeights = PLACEHOLDER_WEIGHTS

    @model_validator(mode="after")
    def _known_metrics(self) -> EidbConditions:
        for name, known in (
            ("park", EidbParkForm.METRICS),
            ("enterprise", EidbEnterpriseForm.METRICS),
        ):
            unknown = set(getattr(self, name)) - set(known)
            if unknown:
                raise ValueError(f"{name}: no figure named {', '.join(sorted(unknown))}")
        weighted = sorted((set(self.park) | set(self.enterprise)) & set(BLOCK_WEIGHTS))
        if self.verified and weighted and not self.weights.verified:
            raise ValueError(
                f"a minimum on the weighted count {', '.join(weighted)} needs the batch's own "
                "weights (the placeholder ones are unverified)"
            )
        return self

    @classmethod
    def of_batch(cls, conditions: Mapping[str, Any] | None) -> EidbConditions | None:
        """A batch's conditions as it recorded them (``BasicConditions`` as JSON), or None.

        Raises :class:`pydantic.ValidationError` naming the field for conditions these forms
        cannot check (an unweighted kind, a weighted minimum without the batch's weights)."""
        if conditions is None:
            return None
        weights = conditions.get("weights")
        provenance = {"verified": conditions["verified"], "source": conditions["source"]}
        return cls.model_validate(
            {
                **{key: value for key, value in conditions.items() if key != "weights"},
                "weights": PLACEHOLDER_WEIGHTS if weights is None else {**provenance, **weights},
            }
        )


# --- R-ELIGIBLE-ZONE ------------------------------------------------------------------------


def check_niid_zone(
    form: NiidParkForm, catalogue: ZoneCatalogue
) -> tuple[list[Violation], list[Flag]]:
    """R-ELIGIBLE-ZONE (001 第六条): in the catalogue, or recognised by a province (a flag)."""
    if form.zone_name in catalogue:
        return [], []
    if form.provincially_recognised:
        document = form.recognition_document or "no document given"
        reason = f"{form.zone_name} is not in the catalogue; recognised by the province: {document}"
        return [], [Flag("R-ELIGIBLE-ZONE", reason, "recognition_document")]
    required = (
        "a zone of 《中国开发区审核公告目录》 or a park recognised by a provincial government"
    )
    message = f"{form.zone_name} is neither in the catalogue nor recognised by the province"
    return [Violation("R-ELIGIBLE-ZONE", "zone_name", required, form.zone_name, message)], []


def check_eidb_zone(form: EidbParkForm, catalogue: ZoneCatalogue) -> list[Violation]:
    """R-ELIGIBLE-ZONE (002/003 四(一)): in the latest catalogue, as a whole or as a 园中园."""
    found = []
    if form.zone_name not in catalogue:
        required, message = "a zone of the latest 目录", f"{form.zone_name} is not in the catalogue"
        found.append(Violation("R-ELIGIBLE-ZONE", "zone_name", required, form.zone_name, message))
    inner = form.park_in_park
    if inner is None:
        return found
    missing = [side for side in ("east", "south", "west", "north") if not getattr(inner, side)]
    if missing:
        given, message = f"missing {', '.join(missing)}", "a 园中园 states all four boundaries"
        found.append(Violation("R-ELIGIBLE-ZONE", "park_in_park", "四至范围", given, message))
    if inner.managed_by not in ("所在园区管理机构", "所在地人民政府"):
        required, given = "所在园区管理机构 or 所在地人民政府", inner.managed_by or "nothing"
        message = "a 园中园 is managed by the host park's body or the local government"
        field = "park_in_park.managed_by"
        found.append(Violation("R-ELIGIBLE-ZONE", field, required, given, message))
    return found


# --- R-SAFETY-RECORD ------------------------------------------------------------------------

GRAVE: dict[str, dict[str, tuple[str | None, ...]]] = {
    "NIID": {"environmental": ("Ⅰ级", "Ⅱ级"), "production_safety": ("特别重大", "重大")},
    "EIDB": {
        "environmental": ("Ⅰ级", "Ⅱ级"),
        "production_safety": ("特别重大", "重大", "较大"),
        "other_serious": (None,),
    },
}
"""What disqualifies, by programme (001 第八条; 003 四(三)): kind → grades."""


def three_years_before(business_date: date) -> date:
    """The first day of the window: the same date three years earlier (28 Feb for 29 Feb)."""
    try:
        return business_date.replace(year=business_date.year - 3)
    except ValueError:
        return business_date.replace(year=business_date.year - 3, day=28)


def check_safety_record(
    programme: Programme, incidents: Iterable[Incident], business_date: date
) -> list[Violation]:
    """R-SAFETY-RECORD: no disqualifying incident from three years before ``business_date`` on."""
    start, found = three_years_before(business_date), []
    for index, incident in enumerate(incidents):
        grave = GRAVE[programme].get(incident.kind, ())
        if start <= incident.occurred_on <= business_date and incident.grade in grave:
            grade = incident.grade or "serious adverse event"
            given = f"{incident.kind} {grade} on {incident.occurred_on.isoformat()}"
            required = f"none since {start.isoformat()}"
            message = f"{given}: {incident.description}"
            found.append(
                Violation("R-SAFETY-RECORD", f"incidents.{index}", required, given, message)
            )
    return found


# --- EIDB 创建基本条件, R-NO-SMART-FACTORY -----------------------------------------------------

NO_SMART_FACTORY_DOMAINS = ("人工智能", "软件")


def smart_factory_assessed(category: Category, domain: str) -> bool:
    """R-NO-SMART-FACTORY (003 四(二)): 人工智能 and 软件 parks are not assessed on 智能工厂占比."""
    return not (category == "park" and domain in NO_SMART_FACTORY_DOMAINS)


def check_eidb_conditions(
    category: Category, form: EidbParkForm | EidbEnterpriseForm, conditions: EidbConditions | None
) -> tuple[list[Violation], list[Flag]]:
    """R-THRESHOLDS for EIDB: the batch's minimums on the computed figures, when it sets them."""
    if conditions is None or not conditions.verified:
        source = "none configured" if conditions is None else f"unverified: {conditions.source}"
        reason = f"创建基本条件 not checked automatically ({source}): reviewers check them"
        return [], [Flag("R-THRESHOLDS", reason)]
    metrics = form.metrics(conditions.weights)
    minimums = conditions.park if category == "park" else conditions.enterprise
    found: list[Violation] = []
    for name, figure in minimums.items():
        if name == "smart_factory_share_pct" and not smart_factory_assessed(category, form.domain):
            continue
        found += Minimum(name, name, "", figure).check(metrics.get(name))
    return found, []


# --- R-ELIGIBLE-ENTERPRISE ------------------------------------------------------------------


class GroupMember(Protocol):
    """What the group check needs of an enterprise application."""

    @property
    def name(self) -> str: ...
    @property
    def uscc(self) -> str: ...
    @property
    def parent_uscc(self) -> str | None: ...


def check_group_and_subsidiary(applicants: Iterable[GroupMember]) -> list[Violation]:
    """R-ELIGIBLE-ENTERPRISE (002/003 四(一)): a group and its subsidiary may not both apply.

    Over one batch's enterprise applications; each pair found is named, subsidiary first. A
    subsidiary's subsidiary conflicts with the group too.
    """
    members = {member.uscc: member for member in applicants}
    found = []
    for member in members.values():
        seen, parent = {member.uscc}, member.parent_uscc
        while parent is not None and parent not in seen:
            seen.add(parent)
            if parent in members:
                group = members[parent]
                given = f"{member.name} ({member.uscc}) and its group {group.name} ({group.uscc})"
                required = "a group and its subsidiary do not both apply"
                found.append(Violation("R-ELIGIBLE-ENTERPRISE", "parent_uscc", required, given,
                                       f"{given} both apply"))  # fmt: skip
            parent = members[parent].parent_uscc if parent in members else None
    return found


# --- the entry point ------------------------------------------------------------------------


def check_niid_park(
    form: NiidParkForm, catalogue: ZoneCatalogue
) -> tuple[list[Violation], list[Flag]]:
    """R-ELIGIBLE-ZONE and R-THRESHOLDS (indicators and 特色指标) of an NIID park."""
    violations, flags = check_niid_zone(form, catalogue)
    violations += check_niid_thresholds(form) + check_featured_indicators(form)
    for rule in bracket_reliance(form):
        reason = f"{rule.label} meets only the figure of a {form.special_area}: confirm the area"
        flags.append(Flag("R-THRESHOLDS", reason, rule.field))
    return violations, flags


def check_eidb_applicant(
    category: Category,
    form: EidbParkForm | EidbEnterpriseForm,
    catalogue: ZoneCatalogue,
    conditions: EidbConditions | None,
) -> tuple[list[Violation], list[Flag]]:
    """R-ELIGIBLE-ZONE (parks) and the batch's 创建基本条件 of an EIDB applicant."""
    violations = check_eidb_zone(form, catalogue) if isinstance(form, EidbParkForm) else []
    more, flags = check_eidb_conditions(category, form, conditions)
    return violations + more, flags


def check_eligibility(
    programme: Programme,
    category: Category,
    form: AnyForm,
    catalogue: ZoneCatalogue,
    business_date: date,
    *,
    conditions: EidbConditions | None = None,
) -> EligibilityResult:
    """Every eligibility rule for this form, all failures and flags at once.

    ``business_date`` is the application's effective date (the window of R-SAFETY-RECORD);
    ``conditions`` are the EIDB batch's 创建基本条件, if it sets any.
    """
    expected = FORMS.get((programme, category))
    if expected is not None and not isinstance(form, expected):
        raise TypeError(f"a {type(form).__name__} is not the form of {programme} {category}")
    arrival = (check_applicant_kind(programme, category), check_one_domain(programme, form.domain))
    violations = [violation for violation in arrival if violation is not None]
    if isinstance(form, NiidParkForm):
        more, flags = check_niid_park(form, catalogue)
    else:
        more, flags = check_eidb_applicant(category, form, catalogue, conditions)
    violations += more
    violations += check_safety_record(programme, form.incidents, business_date)
    return EligibilityResult(tuple(violations), tuple(flags))
