"""The evaluation service in memory, for the evaluation tests (this module holds no tests).

Given events are appended to an in-memory log; commands are decided by the service's own command
table; what the outbox would publish is appended to the same log, with its sequence, and the
service reacts to it as it does on the bus. So a revocation cites its causes by sequence here
exactly as over NATS.
"""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

from services.evaluation.application import EvaluationApplication, translate
from services.evaluation.entrypoints.commands import commands
from services.evaluation.policies import reactions
from shared.contract.commands import IntakeDecision, IntakeMessage
from shared.contract.envelope import Envelope, EventPayload, new_envelope
from shared.contract.events import BatchOpened, DocumentRef, TitleAwarded, subject_id
from shared.contract.provinces import MINISTRY
from tests.support import at

HUNAN, JIANGSU, GUANGDONG = "430000", "320000", "440000"
INDICATORS = (
    "sales_revenue",
    "value_added_growth",
    "leading_industry_share",
    "output_per_land",
    "rd_intensity",
    "invention_patents",
    "digital_tools_share",
    "energy_intensity",
)
WEIGHTS: dict[str, Any] = {
    "quantitative": "0.5",
    "qualitative": "0.2",
    "innovation": "0.1",
    "green": "0.1",
    "digital": "0.1",
    "indicators": dict.fromkeys(INDICATORS, "1"),
}
CUT_OFFS = {"method": "cut_offs", "five": "85", "four": "70", "three": "55", "two": "40"}


def figures(level: int) -> dict[str, str]:
    """An annual report form whose every indicator grows (energy falls) with ``level``."""
    tenth, hundredth = Decimal(level) / 10, Decimal(level) / 100
    return {
        "sales_revenue": str(300 + 100 * level),
        "value_added_growth": str(5 + level),
        "leading_industry_share": str(50 + tenth),
        "output_per_land": str(4000 + 100 * level),
        "rd_intensity": str(Decimal("2.5") + tenth),
        "invention_patents": str(2 + tenth),
        "digital_tools_share": str(60 + tenth),
        "energy_intensity": str(5 - hundredth),
    }


def marks(base_id: str, mark: int, **statistics: Any) -> dict[str, Any]:
    """The ministry's marks for one base: ``mark`` for the qualitative and special parts."""
    assessment: dict[str, Any] = {
        "base_id": base_id,
        "qualitative": str(mark),
        "innovation": str(mark),
        "green": str(mark),
        "digital": str(mark),
    }
    assessment.update(statistics)
    return assessment


def round_body(
    year: int,
    mapping: dict[str, Any] | None = None,
    rule: str = "one_star",
    programme: str = "NIID",
) -> dict[str, Any]:
    """A round of ``year``: materials to the province by 03-15 and to MIIT by 03-31 of year+1."""
    return {
        "round_id": f"{programme}-EVAL-{year}",
        "programme": programme,
        "evaluation_year": year,
        "notice": {"title": f"关于开展{year}年度示范基地发展质量评价工作的通知"},
        "deadlines": [
            {"level": "province", "due": f"{year + 1}-03-15"},
            {"level": "ministry", "due": f"{year + 1}-03-31"},
        ],
        "non_filer_rule": rule,
        "star_mapping": mapping or CUT_OFFS,
        "weights": WEIGHTS,
    }


class Evaluation:
    """An evaluation service in memory with its log."""

    def __init__(self) -> None:
        self.app = EvaluationApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        self.commands = commands(self.app)
        self.reactions = reactions(self.app)
        self.intake = itertools.count(1)
        self.log: list[Envelope] = []
        self.relayed = 0

    # The log

    def append(self, envelope: Envelope) -> int:
        """Put an event on the log; the service reacts to it at its sequence."""
        self.log.append(envelope)
        sequence = len(self.log)
        reaction = self.reactions.get(envelope.event_type)
        if reaction is None:
            self.app.advance("EVENTS", sequence)
        else:
            reaction(envelope, "EVENTS", sequence)
        return sequence

    def relay(self) -> None:
        """Publish what the service recorded, in order, until it records nothing more."""
        recorder = self.app.process_recorder
        while notifications := recorder.select_notifications(self.relayed + 1, 10_000):
            self.relayed = notifications[-1].id
            for notification in notifications:
                envelope = translate(self.app.mapper.to_domain_event(notification))
                if envelope is not None:
                    self.append(envelope)

    def given(self, payload: EventPayload, province: str = MINISTRY, on: str = "2026-01-05") -> int:
        envelope = new_envelope(
            payload,
            event_id=uuid4(),
            occurred_at=at(on),
            recorded_at=at(on),
            actor="ministry:planning",
            province=province,
            subject_id=subject_id(payload),
            correlation_id=uuid4(),
        )
        sequence = self.append(envelope)
        self.relay()
        return sequence

    def award(
        self,
        base_id: str,
        province: str = HUNAN,
        announced_on: str = "2020-01-10",
        programme: str = "NIID",
    ) -> None:
        title = f"国家新型工业化产业示范基地（装备制造·{base_id}）"
        payload = TitleAwarded(
            base_id=base_id,
            application_id=f"APP-{base_id}",
            batch_id="NIID-9",
            programme=programme,
            category="park",
            name=f"{base_id}园区",
            domain="装备制造",
            location=base_id,
            title=title,
            announced_on=date.fromisoformat(announced_on),
            announcement=DocumentRef(title="示范基地名单公告"),
            under_creation_until=date(2099, 1, 1) if programme == "EIDB" else None,
        )
        self.given(payload, province, announced_on)

    def batch_opened(self, number: int, programme: str = "NIID") -> None:
        payload = BatchOpened.model_validate(
            {
                "batch_id": f"{programme}-{number}",
                "programme": programme,
                "number": number,
                "title": f"第{number}批",
                "notice": {"title": "通知"},
                "domains": ["装备工业"],
                "categories": ["park"],
                "deadlines": [{"level": "ministry", "due": "2026-06-30"}],
            },
            strict=False,
        )
        self.given(payload)

    # Commands

    def when(
        self,
        command_type: str,
        body: dict[str, Any],
        province: str = MINISTRY,
        on: str = "2026-04-20",
        relay: bool = True,
    ) -> IntakeDecision:
        """Decide a command; then (unless ``relay`` is False) publish what it recorded."""
        message = IntakeMessage.model_validate(
            {
                "command_id": str(uuid4()),
                "command_type": command_type,
                "issued_at": at(on).isoformat(),
                "actor": f"user@{province}",
                "province": province,
                "correlation_id": str(uuid4()),
                "body": body,
            }
        ).postmarked(at(on))  # as the platform received it (P-POSTMARK)
        decision = self.commands[command_type](message, "INTAKE", next(self.intake))
        if relay:
            self.relay()
        return decision

    def open_round(self, year: int, **options: Any) -> IntakeDecision:
        return self.when("OpenEvaluationRound", round_body(year, **options), on=f"{year + 1}-01-10")

    def file(
        self, year: int, base_id: str, level: int, province: str = HUNAN, programme: str = "NIID"
    ) -> None:
        """The base files its materials and its province forwards them, on time."""
        round_id = f"{programme}-EVAL-{year}"
        report = {"sections": [{"heading": "发展概况", "text": f"{base_id} 年度发展情况"}]}
        self.when(
            "FileAnnualMaterials",
            {
                "round_id": round_id,
                "base_id": base_id,
                "report_form": figures(level),
                "development_report": report,
            },
            province,
            on=f"{year + 1}-03-01",
        )
        self.when(
            "ReviewAnnualMaterials",
            {"round_id": round_id, "base_id": base_id, "outcome": "forward"},
            province,
            on=f"{year + 1}-03-20",
        )

    def rate(
        self, year: int, assessments: list[dict[str, Any]], programme: str = "NIID"
    ) -> IntakeDecision:
        body = {
            "round_id": f"{programme}-EVAL-{year}",
            "assessments": assessments,
            "notice": {"title": f"{year}年度评价结果"},
            "five_star_notice": {"title": f"{year}年度五星示范基地名单"},
        }
        return self.when("RateRound", body, on=f"{year + 1}-04-20")

    # Reading the log

    def of_type(self, event_type: str) -> list[Any]:
        return [e.payload for e in self.log if e.event_type == event_type]

    def logged(self, event_type: str) -> list[tuple[int, Envelope]]:
        return [(i + 1, e) for i, e in enumerate(self.log) if e.event_type == event_type]

    def stars(self, year: int) -> dict[str, int]:
        return {p.base_id: p.stars for p in self.of_type("StarRated") if p.evaluation_year == year}
