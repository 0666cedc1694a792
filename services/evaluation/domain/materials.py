"""A base's annual materials for one round (R-EVAL-MATERIALS; 001 第十九, 二十条).

The base files its annual report form and development report with its province; the province
reviews them and forwards them to the ministry, or returns them with reasons, after which the base
may file again. Forwarded materials are final.
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.evaluation.domain.procedure import Decided
from shared.rules import Violation, refuse

MATERIALS_NAMESPACE = uuid5(NAMESPACE_URL, "https://demobase.miit/annual-materials")


def check_status(status: str, allowed: tuple[str, ...], step: str) -> Violation | None:
    """R-EVAL-MATERIALS: filed, then forwarded or returned; forwarded materials are final."""
    if status in allowed:
        return None
    return Violation(
        "R-EVAL-MATERIALS",
        "base_id",
        " or ".join(allowed),
        status,
        f"cannot {step} materials that are {status}",
    )


class AnnualMaterials(Aggregate):
    """One base's materials for one round."""

    @staticmethod
    def create_id(round_id: str, base_id: str) -> UUID:
        return uuid5(MATERIALS_NAMESPACE, f"{round_id}|{base_id}")

    @event("Started")
    def __init__(self, round_id: str, base_id: str, province: str, year: int) -> None:
        self.round_id, self.base_id, self.province, self.year = round_id, base_id, province, year
        self.status = "not filed"
        self.form: dict[str, Any] = {}
        self.report: dict[str, Any] = {}

    @property
    def forwarded(self) -> bool:
        return self.status == "forwarded"

    class Filed(Decided):
        """Filed with the province (internal until the province forwards them)."""

        form: dict[str, Any]
        report: dict[str, Any]

        def apply(self, materials: AnnualMaterials) -> None:
            materials.status, materials.form, materials.report = "filed", self.form, self.report

    def file(self, form: dict[str, Any], report: dict[str, Any], **provenance: Any) -> None:
        refuse(check_status(self.status, ("not filed", "filed", "returned"), "file"))
        self.trigger_event(self.Filed, form=form, report=report, **provenance)

    def about(self) -> dict[str, Any]:
        """What every published event repeats, so that it reads on its own."""
        return {
            "round_id": self.round_id,
            "base_id": self.base_id,
            "province": self.province,
            "year": self.year,
        }

    class Forwarded(Decided):
        """Reviewed and forwarded to the ministry: published as AnnualReportSubmitted."""

        about: dict[str, Any]
        form: dict[str, Any]
        report: dict[str, Any]

        def apply(self, materials: AnnualMaterials) -> None:
            materials.status = "forwarded"

    def forward(self, **provenance: Any) -> None:
        refuse(check_status(self.status, ("filed",), "forward"))
        self.trigger_event(
            self.Forwarded, about=self.about(), form=self.form, report=self.report, **provenance
        )

    class Returned(Decided):
        """Returned to the base with reasons: published as AnnualMaterialsReturned."""

        about: dict[str, Any]
        reasons: list[str]

        def apply(self, materials: AnnualMaterials) -> None:
            materials.status = "returned"

    def return_(self, reasons: list[str], **provenance: Any) -> None:
        refuse(check_status(self.status, ("filed",), "return"))
        self.trigger_event(self.Returned, about=self.about(), reasons=reasons, **provenance)
