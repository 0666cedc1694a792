"""When a title is lost (001 第二十三条, 第二十五条). Pure, no I/O.

Each ground is one named rule: R-REVOKE-INCIDENT, R-REVOKE-RECTIFY, R-REVOKE-2STARS, R-FRAUD. A
title is revoked once: a second revocation is refused with the first in the error.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.contract.events_common import last_batch_before_platform
from shared.rules import Violation

REVOKING_ENVIRONMENTAL = frozenset({"Ⅰ级", "Ⅱ级"})
"""R-REVOKE-INCIDENT: an Ⅱ级 or worse sudden environmental incident (Ⅰ级 the gravest)."""

REVOKING_ACCIDENT = frozenset({"特别重大", "重大"})
"""R-REVOKE-INCIDENT: a major (重大) or especially major (特别重大) production-safety accident."""


def incident_revokes(kind: str, grade: str | None) -> bool:
    """R-REVOKE-INCIDENT: does an incident of this kind and grade revoke the title?"""
    if kind == "environmental":
        return grade in REVOKING_ENVIRONMENTAL
    if kind == "production_safety":
        return grade in REVOKING_ACCIDENT
    return False


def incident_revokes_title(
    kind: str, grade: str | None, happened_on: date, announced_on: date
) -> bool:
    """R-REVOKE-INCIDENT for a titled base: a grave incident since its announcement. One before it
    was for selection to find (R-SAFETY-RECORD); hidden, it is fraud (R-FRAUD)."""
    return incident_revokes(kind, grade) and happened_on >= announced_on


LOW_STARS = 2
"""R-REVOKE-2STARS: two stars or fewer is a low result."""


def two_low_years(previous_stars: int | None, stars: int, low: int = LOW_STARS) -> bool:
    """R-REVOKE-2STARS: this year's and last year's results are both ``low`` stars or fewer."""
    return previous_stars is not None and previous_stars <= low and stars <= low


def rectified_in_time(rectify_by: date, rectified_on: date | None) -> bool:
    """R-REVOKE-RECTIFY: a finding is settled if rectified on or before its deadline."""
    return rectified_on is not None and rectified_on <= rectify_by


def overdue(rectify_by: date, rectified_on: date | None, on: date) -> bool:
    """R-REVOKE-RECTIFY: the deadline has passed (``on`` is after it) without a rectification."""
    return on > rectify_by and not rectified_in_time(rectify_by, rectified_on)


def next_batch(programme: str, highest_seen: int) -> int:
    """R-FRAUD, R-SUSPENDED-PROVINCE (001 第二十五条 暂停……下一批的申报工作): the next batch the
    programme calls, after the highest called on the platform so far, and never one of the
    batches called before it (NIID's 1–10 are history: fraud found before the platform called any
    NIID batch suspends batch 11; EIDB's first is batch 1)."""
    return max(highest_seen, last_batch_before_platform(programme)) + 1


def describe_revocation(revocation: dict[str, Any]) -> str:
    causes = ", ".join(
        f"{ref['event_id']} at sequence {ref['stream_sequence']}"
        for ref in revocation["causing_events"]
    )
    return f"revoked under {revocation['rule_id']} on {revocation['on']} (caused by {causes})"


def check_not_revoked(
    revocation: dict[str, Any] | None, pending: dict[str, Any] | None, rule_id: str, base_id: str
) -> Violation | None:
    """A title is revoked once; a second revocation names the first (or the one decided)."""
    if revocation is not None:
        earlier = describe_revocation(revocation)
    elif pending is not None:
        earlier = f"already to be revoked under {pending['rule_id']} ({pending['cause']})"
    else:
        return None
    return Violation(
        rule_id,
        "base_id",
        "a base that still holds its title",
        f"{base_id}: {earlier}",
        f"base {base_id} was {earlier}; a title is revoked once",
    )
