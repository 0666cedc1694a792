"""Validating a nested payload whose class is chosen by a sibling field, errors kept by field.

Pydantic reports errors raised inside a validator without the field they sit under; this keeps the
full path (``body.name``, ``payload.stars``) so that a refusal names the field the sender wrote.

The payload is validated strictly, as JSON (P-STRICT). Lax validation (``strict=False``) would
read JSON's strings as dates, decimals and UUIDs, which JSON has no types for, but it also reads
``1.0``, ``true`` and ``"1"`` as integers and ``1`` or ``"yes"`` as booleans, overriding every
field's own strictness. Strict JSON mode takes the first and refuses the second: an integer is a
JSON integer, a boolean a JSON boolean, and a date, decimal or UUID its string form.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError, PydanticSerializationError, to_json

M = TypeVar("M", bound=BaseModel)


def validate_nested(field: str, klass: type[M], data: Any) -> M:
    """``klass`` validated strictly from ``data`` as JSON, with every error under ``field``.

    ``data`` is what a JSON parser gave (or the same built in code: dates, decimals and models
    are written in their JSON form first); a value with no JSON form is validated as it is, and
    strictly, so it is refused by field.
    """
    try:
        try:
            text = to_json(data)
        except PydanticSerializationError:
            return klass.model_validate(data, strict=True)
        return klass.model_validate_json(text, strict=True)
    except ValidationError as error:
        details: list[InitErrorDetails] = [
            {
                "type": PydanticCustomError(item["type"], item["msg"].replace("{", "(")),
                "loc": (field, *item["loc"]),
                "input": item.get("input"),
            }
            for item in error.errors(include_url=False)
        ]
        raise ValidationError.from_exception_data(error.title, details) from None
