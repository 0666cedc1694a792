"""Reading the scoring sheets (data, not code) from YAML."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from services.review.domain import ScoringSheet, ScoringSheets

PACKAGED_SHEETS = Path(__file__).resolve().parent.parent / "data" / "scoring_sheets.yaml"


def load_scoring_sheets(path: Path = PACKAGED_SHEETS) -> ScoringSheets:
    """The sheets of ``path``; a malformed file fails loudly, naming it."""
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        sheets = {
            key: ScoringSheet(str(sheet["source"]), _points(sheet["sections"]))
            for key, sheet in data["sheets"].items()
        }
        domain_points = {
            programme: _points(points) for programme, points in data["domain_points"].items()
        }
    except (KeyError, TypeError, ArithmeticError) as error:
        raise ValueError(f"{path}: not a scoring sheet file ({error!r})") from error
    return ScoringSheets(sheets, domain_points)


def _points(mapping: dict[str, Any]) -> dict[str, Decimal]:
    return {str(name): Decimal(str(points)) for name, points in mapping.items()}
