"""R-PROCEDURE's expert review: who may sit on an application's panel.

The ministry's experts review each recommended application (001 第十一条(三)). A panel has at
least :data:`MIN_PANEL` distinct experts, and none from the applicant's province or organisation:
such an expert must withdraw (回避, conflict of interest).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from shared.contract.provinces import PROVINCES
from shared.rules import Violation

MIN_PANEL = 3
"""The fewest experts that make a panel (the seeds give no number; a panel is several experts)."""

Expert = Mapping[str, str]
"""``expert_id``, ``name``, ``province`` (GB/T 2260 code), ``organisation``."""


def check_panel_size(experts: Sequence[Expert]) -> Violation | None:
    if len(experts) >= MIN_PANEL:
        return None
    return Violation(
        "R-PROCEDURE", "experts", f"at least {MIN_PANEL} experts", str(len(experts)),
        f"a panel needs at least {MIN_PANEL} experts, {len(experts)} named",
    )  # fmt: skip


def check_distinct_experts(experts: Sequence[Expert]) -> Violation | None:
    twice = sorted(e for e, n in Counter(x["expert_id"] for x in experts).items() if n > 1)
    if not twice:
        return None
    return Violation(
        "R-PROCEDURE", "experts", "each expert once", ", ".join(twice),
        f"named more than once: {', '.join(twice)}",
    )  # fmt: skip


def conflicts_of_interest(
    experts: Sequence[Expert], province: str, organisations: Sequence[str]
) -> list[Violation]:
    """回避: every expert who shares the applicant's province or organisation, with the reason."""
    found = []
    for index, expert in enumerate(experts):
        who = f"expert {expert['name']} ({expert['expert_id']})"
        if expert["province"] == province:
            where = f"{PROVINCES.get(province, province)} ({province})"
            found.append(Violation(
                "R-PROCEDURE", f"experts[{index}].province", f"a province other than {province}",
                expert["province"],
                f"回避 (conflict of interest): {who} is from {where}, the applicant's province",
            ))  # fmt: skip
        if _same(expert["organisation"], organisations):
            found.append(Violation(
                "R-PROCEDURE", f"experts[{index}].organisation",
                f"an organisation other than {' / '.join(organisations)}", expert["organisation"],
                f"回避 (conflict of interest): {who} works for {expert['organisation']}, "
                "the applicant's own organisation",
            ))  # fmt: skip
    return found


def _same(organisation: str, organisations: Sequence[str]) -> bool:
    return "".join(organisation.split()) in {"".join(o.split()) for o in organisations}
