"""Validating a nested payload whose class is chosen by a sibling field, errors kept by field.

Pydantic reports errors raised inside a validator without the field they sit under; this keeps the
full path (``body.name``, ``payload.stars``) so that a refusal names the field the sender wrote.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

M = TypeVar("M", bound=BaseModel)


def validate_nested(field: str, klass: type[M], data: Any) -> M:
    """``klass.model_validate(data)``, with every error located under ``field``."""
    try:
        return klass.model_validate(data, strict=False)
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
