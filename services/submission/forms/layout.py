"""The spreadsheet layout of a form, derived from its model: one place decides both directions.

The main sheet has one row per field: label (A), unit (B), the three years (C–E) or a single value
(C), a typed 近三年平均值 (F), and the field's code (G, hidden) by which the reader finds the row
wherever it has moved. Lists of counted things get a sheet each: labels in row 1, codes in row 2.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from services.submission.forms.common import NarrativeSections, YearSeries, label_of

Kind = Literal["section", "series", "number", "text", "bool", "date", "choice", "list"]


@dataclass(frozen=True)
class Cell:
    """How one field is laid out: its code (dotted path), label, unit, kind and choices."""

    path: str
    label: str
    unit: str = ""
    kind: Kind = "text"
    choices: tuple[str, ...] = ()
    narrative: bool = False


@dataclass(frozen=True)
class Table:
    """A list of things on its own sheet: one row per thing, one column per field."""

    path: str
    title: str
    columns: tuple[Cell, ...]


def _strip(annotation: Any) -> Any:
    """The type under ``Annotated`` and ``| None``."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            rest = [arg for arg in get_args(annotation) if arg is not type(None)]
            annotation = rest[0] if len(rest) == 1 else annotation
            if len(rest) != 1:
                return annotation
        else:
            return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _scalar(path: str, label: str, unit: str, annotation: Any, narrative: bool) -> Cell:
    origin = get_origin(annotation)
    if origin is Literal:
        return Cell(path, label, unit, "choice", tuple(str(a) for a in get_args(annotation)))
    if origin in (Union, types.UnionType):
        choices = tuple(str(a) for arg in get_args(annotation) for a in get_args(_strip(arg)))
        return Cell(path, label, unit, "choice", choices)
    if annotation is bool:
        return Cell(path, label, unit, "bool", ("是", "否"))
    if annotation is date:
        return Cell(path, label, unit, "date")
    if annotation is str:
        return Cell(path, label, unit, "text", narrative=narrative)
    return Cell(path, label, unit, "number")


def layout(model: type[BaseModel], prefix: str = "") -> tuple[list[Cell], list[Table]]:
    """The rows of the main sheet and the tables of ``model``, in the form's order."""
    rows: list[Cell] = []
    tables: list[Table] = []
    for name, field in model.model_fields.items():
        path, tag = f"{prefix}{name}", label_of(model, name)
        annotation = _strip(field.annotation)
        origin = get_origin(annotation)
        if annotation is YearSeries:
            rows.append(Cell(path, tag.title, tag.unit, "series"))
        elif _is_model(annotation):
            rows.append(Cell(path, tag.title, kind="section"))
            more_rows, more_tables = layout(annotation, f"{path}.")
            rows += more_rows
            tables += more_tables
        elif origin is tuple and _is_model(item := _strip(get_args(annotation)[0])):
            columns, _ = layout(item)
            tables.append(Table(path, tag.title[:31], tuple(columns)))
        elif origin is tuple:
            choices = _scalar(path, "", "", _strip(get_args(annotation)[0]), False).choices
            rows.append(Cell(path, tag.title, tag.unit, "list", choices))
        elif origin is dict:
            key_type, value_type = (_strip(arg) for arg in get_args(annotation))
            for key in get_args(key_type):
                rows.append(
                    _scalar(f"{path}.{key}", f"{key}数量（如填写，将核对）", "", value_type, False)
                )
        else:
            narrative = issubclass(model, NarrativeSections)
            rows.append(_scalar(path, tag.title, tag.unit, annotation, narrative))
    return rows, tables
