"""Blocks both EIDB forms share: the creation plan (创建工作方案) and the weighted-count checks."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel

from services.submission.forms.checks import average_mismatches
from services.submission.forms.common import Label, NarrativeSections, NarrativeText
from services.submission.forms.counting import CountedBlock, WeightedBlock
from services.submission.forms.problems import FormDuplicate, FormMismatch, Tolerance
from services.submission.forms.weights import FormWeights


class CreationPlan(NarrativeSections):
    """创建工作方案, five sections of at most 2,000 characters each, scored by experts (附件4/5)."""

    basis: Annotated[NarrativeText, Label("发展基础")]
    approach: Annotated[NarrativeText, Label("总体思路")]
    tasks: Annotated[NarrativeText, Label("重点任务")]
    schedule: Annotated[NarrativeText, Label("进度安排")]
    safeguards: Annotated[NarrativeText, Label("保障措施")]


BLOCK_WEIGHTS = {
    "quality_firms": "quality_firms",
    "platforms": "platforms",
    "patents": "patents",
    "smart_factories": "smart_factories",
    "awards": "awards",
    "standards": "standards",
}
"""Which :class:`FormWeights` mapping weighs which block of a form (by field name)."""


def counted_blocks(form: BaseModel) -> list[tuple[str, CountedBlock[str]]]:
    """The form's blocks of counted things, by field name."""
    return [
        (name, value)
        for name in type(form).model_fields
        if isinstance(value := getattr(form, name), CountedBlock)
    ]


def weights_for(name: str, weights: FormWeights) -> dict[str, Decimal] | None:
    """The weights of one block, as a plain mapping; None for blocks that are not weighted."""
    attribute = BLOCK_WEIGHTS.get(name)
    return None if attribute is None else dict(getattr(weights, attribute))


def weighted_counts(form: BaseModel, weights: FormWeights) -> dict[str, Decimal]:
    """Every weighted count of the form, computed from its lists, by block name."""
    found: dict[str, Decimal] = {}
    for name, block in counted_blocks(form):
        if isinstance(block, WeightedBlock):
            found[name] = block.tally(name, weights_for(name, weights)).weighted or Decimal(0)
    return found


def duplicates(form: BaseModel) -> list[FormDuplicate]:
    """Every thing listed twice under the same kind, in every block."""
    return [d for name, block in counted_blocks(form) for d in block.tally(name, None).duplicates]


def common_mismatches(
    form: BaseModel, weights: FormWeights, tolerance: Tolerance
) -> list[FormMismatch]:
    """Averages, typed counts and, with verified weights only, typed weighted counts."""
    found = average_mismatches(form, tolerance)
    for name, block in counted_blocks(form):
        block_weights = weights_for(name, weights) if weights.verified else None
        found += block.mismatches(name, block_weights, tolerance)
    return found
