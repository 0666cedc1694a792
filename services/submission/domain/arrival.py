"""The rules an application is checked against on arrival (R-ELIGIBLE-*, R-ONE-DOMAIN).

Plain Python, no I/O. Each rule of RULES.md that this context enforces lives here once, as a named
check that raises :class:`RuleViolationError` with the rule ID, the field and the figures.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import get_args
from uuid import UUID

from stdnum.cn import uscc as gb32100

from shared.contract.events_common import EidbDomain, NiidDomain
from shared.rules import Violation

DOMAINS: dict[str, tuple[str, ...]] = {"NIID": get_args(NiidDomain), "EIDB": get_args(EidbDomain)}
"""R-ONE-DOMAIN: each programme's domains, as the contract enumerates them."""


def check_one_domain(programme: str, domain: str) -> Violation | None:
    """R-ONE-DOMAIN: one domain, and one of the programme's own."""
    allowed = DOMAINS[programme]
    if domain in allowed:
        return None
    return Violation(
        "R-ONE-DOMAIN",
        "domain",
        f"one of {programme}: {'、'.join(allowed)}",
        domain,
        f"{domain!r} is not a domain of {programme}",
    )


def applicant_key(category: str, province: str, name: str, uscc: str | None) -> str:
    """Who applies, the same in every application of a call (R-ONE-DOMAIN, R-FRAUD): an
    enterprise by its 统一社会信用代码, a park by its province and its name, spaces ignored."""
    if category == "enterprise" and uscc:
        return f"enterprise:{uscc.upper()}"
    return f"park:{province}:{''.join(name.split())}"


def check_one_domain_in_batch(
    batch_id: str,
    programme: str,
    domain: str,
    earlier: Sequence[Mapping[str, str]],
    allowed: Collection[str],
) -> Violation | None:
    """R-ONE-DOMAIN across a batch (002/003 四(一) 每个申报对象原则上限申报 1 个创建领域): an EIDB
    applicant's applications in one call name one domain; a further one only where the ministry
    recorded the exception (``allowed``, AllowSecondDomain). ``earlier`` are its applications
    received in the batch so far (application_id, name, domain)."""
    if programme != "EIDB":
        return None
    held = {entry["domain"] for entry in earlier} | {domain}
    if len(held - set(allowed)) <= 1:
        return None
    others = [entry for entry in earlier if entry["domain"] != domain]
    shown = "; ".join(f"{e['application_id']} in {e['domain']}" for e in others)
    return Violation(
        "R-ONE-DOMAIN",
        "domain",
        f"the domain it already applies in ({'、'.join(sorted(held - {domain}))}), or one the "
        f"ministry allowed it in {batch_id} (AllowSecondDomain)",
        f"{domain} (earlier: {shown})",
        f"{others[0]['name']} already applies in {batch_id} ({shown}): each applicant applies "
        "for one domain (002/003 四(一)); a second needs the ministry's recorded exception",
    )


def check_applicant_kind(programme: str, category: str) -> Violation | None:
    """R-ELIGIBLE-ZONE: NIID takes parks only; EIDB takes parks and enterprises."""
    if programme == "NIID" and category != "park":
        return Violation(
            "R-ELIGIBLE-ZONE",
            "category",
            "park (NIID accepts parks only)",
            category,
            "NIID applicants are parks (001 第六条)",
        )
    return None


def check_enterprise_identity(category: str, uscc: str | None) -> Violation | None:
    """R-ELIGIBLE-ENTERPRISE: an enterprise is a legal person with a valid 统一社会信用代码."""
    if category != "enterprise":
        return None
    if not uscc:
        return Violation(
            "R-ELIGIBLE-ENTERPRISE",
            "uscc",
            "an 18-character 统一社会信用代码",
            "nothing",
            "an enterprise must give its unified social credit code",
        )
    if not gb32100.is_valid(uscc):
        return Violation(
            "R-ELIGIBLE-ENTERPRISE",
            "uscc",
            "a code whose GB 32100-2015 check digit is right",
            uscc,
            "the unified social credit code is not valid (GB 32100-2015)",
        )
    return None


def violations_on_arrival(
    programme: str, category: str, domain: str, uscc: str | None
) -> list[Violation]:
    """Every rule an application can fail on arrival, all of them reported at once."""
    checks = (
        check_applicant_kind(programme, category),
        check_one_domain(programme, domain),
        check_enterprise_identity(category, uscc),
    )
    return [violation for violation in checks if violation is not None]


def application_id_for(programme: str, province: str, command_id: UUID) -> str:
    """A readable, stable id: the same attempt always yields the same application id."""
    return f"{programme}-{province}-{command_id.hex[:12]}"
