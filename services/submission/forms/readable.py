"""A form's problems as the person filling it reads them: the field by its printed Chinese label
(with the dotted path, to find it in a JSON or YAML file), and pydantic's English reasons in
Chinese. For ``demobase forms check``; the services' decisions keep their own words."""

from __future__ import annotations

import re
import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from services.submission.forms.common import Label
from services.submission.forms.problems import FormIssue
from shared.contract.commands import Problem

GIVEN_SHOWN = 60
"""Characters of a given value a line shows; the rest is elided."""

REASONS: tuple[tuple[str, str], ...] = (
    (r"^Field required$", "必填项，未填写"),
    (r"^Extra inputs are not permitted$", "表中没有这一项（字段名写错了，或不属于这张表）"),
    (r"^Input should be a valid number", "应填数字"),
    (r"^Input should be a valid integer", "应填整数"),
    (r"^Input should be a valid date", "应填日期，如 2025-06-30"),
    (r"^Input should be a valid string", "应填文字"),
    (r"^Input should be a valid boolean", "应填 是/否（true/false）"),
    (r"^Input should be a valid dictionary or instance of YearSeries", "应填近三年逐年数值"),
    (r"^Input should be a valid (dictionary|list|tuple|array)", "应为一组内容，而不是一个值"),
    (r"^Input should be greater than or equal to (\S+)", r"不能小于 \1"),
    (r"^Input should be greater than (\S+)", r"应大于 \1"),
    (r"^Input should be less than or equal to (\S+)", r"不能大于 \1"),
    (r"^Input should be less than (\S+)", r"应小于 \1"),
    (r"^Input should be (.+)$", r"应为 \1 之一"),
    (r"^String should have at least (\d+) characters?", r"至少 \1 个字"),
    (r"^String should have at most (\d+) characters?", r"不超过 \1 个字"),
    (r"^Value error, (.+)$", r"\1"),
    (
        r"^the unified social credit code is not valid",
        "代码无效：校验码不符合 GB 32100-2015",
    ),
    (r"^an enterprise must give its unified social credit code", "企业须填写统一社会信用代码"),
    (r"^an enterprise is not its own group company", "集团公司代码不能与本企业相同"),
    (r"^a code whose GB 32100-2015 check digit is right$", "校验码正确的 18 位代码"),
    (r"^an 18-character 统一社会信用代码$", "18 位统一社会信用代码"),
)
"""pydantic's and the rules' usual reasons, in Chinese; any other reason is shown as it is."""


def reason_in_chinese(reason: str) -> str:
    """The reason in Chinese when it is a usual one, else unchanged."""
    for pattern, say in REASONS:
        found = re.match(pattern, reason)
        if found:
            return found.expand(say)
    return reason


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The form block an annotation holds (through Optional, tuple[...] and Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType, tuple, list) or get_args(annotation):
        for arg in get_args(annotation):
            found = _model_of(arg)
            if found is not None:
                return found
    return None


def field_label(form: type[BaseModel] | None, path: str) -> str:
    """``narratives.industrial_policy`` as the printed form names it: 重点领域情况说明 › …;
    list positions as 第 n 项; a name the form does not know as it was written."""
    shown: list[str] = []
    model = form
    for part in path.split("."):
        if part.isdigit():
            shown.append(f"第 {int(part) + 1} 项")
            continue
        field = model.model_fields.get(part) if model is not None else None
        if field is None:
            shown.append(part)
            model = None
            continue
        label = next((m for m in field.metadata if isinstance(m, Label)), None)
        shown.append(label.title if label else part)
        model = _model_of(field.annotation)
    return " › ".join(shown)


def readable(issue: FormIssue, form: type[BaseModel] | None) -> str:
    """One line: the field's label and path, the reason in Chinese, the rule and the figures."""
    problem = issue if isinstance(issue, Problem) else issue.as_problem()
    label = field_label(form, problem.field) if problem.field else "整张表"
    where = f"{label}（{problem.field}）" if problem.field and label != problem.field else label
    rule = f" [{problem.rule_id}]" if problem.rule_id else ""
    figures = []
    if problem.required:
        figures.append(f"应为：{reason_in_chinese(problem.required)}")
    if problem.given:
        given = problem.given
        figures.append(f"所填：{given[:GIVEN_SHOWN]}{'…' if len(given) > GIVEN_SHOWN else ''}")
    tail = f"（{'；'.join(figures)}）" if figures else ""
    return f"{where}：{reason_in_chinese(problem.reason)}{rule}{tail}"
