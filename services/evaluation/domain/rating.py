"""Rating a round (R-STARS, R-EVAL-MATERIALS, R-FIVE-STAR-LIST). Pure, no I/O.

Who is rated, and how: every participant still holding its title. A participant whose materials
reached the ministry is scored (:mod:`scoring`) with the ministry's marks and mapped to stars by the
round's mapping (:mod:`stars`). A participant whose materials did not is a non-filer, rated by the
round's rule: ``one_star``; ``figures_alone`` (scored, on the statistical agencies' figures the
ministry gives, with no other part; one star without them); or ``exclude`` (not rated). A
participant that lost its title since the round opened is not rated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from services.evaluation.domain.scoring import Entry, Part, ranks, score_cohort
from services.evaluation.domain.stars import assign_stars
from shared.contract.commands_evaluation import Assessment
from shared.contract.events_evaluation import AnnualFigures, ScoringWeights, StarCutOffs, StarQuotas
from shared.rules import Violation

STAR_NAMES = {5: "five", 4: "four", 3: "three", 2: "two", 1: "one"}


@dataclass(frozen=True)
class Candidate:
    """A participant as it stands when the round is rated."""

    base_id: str
    province: str
    title: str
    holds_title: bool
    figures: AnnualFigures | None


@dataclass(frozen=True)
class Result:
    base_id: str
    stars: int
    score: Decimal | None
    parts: tuple[Part, ...]
    rank: int | None
    materials: str


@dataclass
class Outcome:
    """What a round's rating decides: results, non-filers, and those not rated, with reasons."""

    results: list[Result] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    not_rated: list[tuple[Candidate, str, str]] = field(default_factory=list)


def check_assessments(
    candidates: list[Candidate], assessments: list[Assessment], rule: str
) -> list[Violation]:
    """R-STARS: one set of marks for every filer, and none for a base the round does not score
    (marks for a participant that lost its title since are ignored: it is not rated)."""
    given = Counter(a.base_id for a in assessments)
    filers = {c.base_id for c in candidates if c.holds_title and c.figures is not None}
    revoked = {c.base_id for c in candidates if not c.holds_title}
    everyone = {c.base_id for c in candidates} if rule == "figures_alone" else set()
    scorable = filers | revoked | everyone
    problems = [
        Violation(
            "R-STARS",
            "assessments",
            "the marks of every base filing materials",
            base_id,
            f"no marks for base {base_id}",
        )
        for base_id in sorted(filers - set(given))
    ]
    problems += [
        Violation(
            "R-STARS",
            "assessments",
            "one set of marks per base scored",
            base_id,
            f"marks for base {base_id}, which the round does not score"
            if base_id not in scorable
            else f"marks for {base_id} given {n} times",
        )
        for base_id, n in sorted(given.items())
        if base_id not in scorable or n > 1
    ]
    return problems


def rate(
    candidates: list[Candidate],
    assessments: Mapping[str, Assessment],
    rule: str,
    weights: ScoringWeights,
    mapping: StarCutOffs | StarQuotas,
) -> Outcome:
    """Rate every candidate of a round; assessments checked by :func:`check_assessments`."""
    outcome = Outcome()
    entries: list[Entry] = []
    one_star: list[str] = []
    for candidate in candidates:
        if not candidate.holds_title:
            outcome.not_rated.append(
                (candidate, "revoked", "R-EVAL-YEARLY: title revoked since the round opened")
            )
            continue
        assessment = assessments.get(candidate.base_id)
        if candidate.figures is not None:
            assert assessment is not None
            figures = assessment.statistics or candidate.figures
            entries.append(Entry(candidate.base_id, figures, marks_of(assessment)))
            continue
        outcome.missing.append(candidate.base_id)
        if rule == "exclude":
            outcome.not_rated.append(
                (
                    candidate,
                    "materials_missing",
                    "R-EVAL-MATERIALS: no materials by the deadline; the round excludes non-filers",
                )
            )
        elif rule == "figures_alone" and assessment is not None and assessment.statistics:
            entries.append(Entry(candidate.base_id, assessment.statistics, None))
        else:
            one_star.append(candidate.base_id)
    scored = score_cohort(entries, weights)
    stars = assign_stars(scored, mapping, len(entries) + len(one_star))
    rank_of = ranks(scored)
    missing = set(outcome.missing)
    outcome.results = [
        Result(
            s.base_id,
            stars[s.base_id],
            s.score,
            s.parts,
            rank_of[s.base_id],
            "missing" if s.base_id in missing else "forwarded",
        )
        for s in scored
    ] + [Result(base_id, 1, None, (), None, "missing") for base_id in one_star]
    return outcome


def marks_of(assessment: Assessment) -> dict[str, Decimal]:
    return {
        "qualitative": assessment.qualitative,
        "innovation": assessment.innovation,
        "green": assessment.green,
        "digital": assessment.digital,
    }


def by_province(candidates: list[Candidate], outcome: Outcome) -> list[dict[str, object]]:
    """R-STARS: each province's results, as they go to the provinces."""
    province_of = {c.base_id: c.province for c in candidates}
    counts: dict[str, Counter[str]] = {}
    for result in outcome.results:
        counts.setdefault(province_of[result.base_id], Counter())[STAR_NAMES[result.stars]] += 1
    for candidate, _, _ in outcome.not_rated:
        counts.setdefault(candidate.province, Counter())["not_rated"] += 1
    return [
        {"province": province, **dict(sorted(count.items()))}
        for province, count in sorted(counts.items())
    ]
