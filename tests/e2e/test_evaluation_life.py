"""The life of a title, end to end over a real nats-server: awards and a batch on the log →
two evaluation rounds → revocation for two low years (R-REVOKE-2STARS), a grave incident
(R-REVOKE-INCIDENT) and fraud (R-FRAUD, with ProvinceSuspended) → the next round without them
(R-EVAL-YEARLY) → a second revocation refused."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest

from demobase.client import intake_message
from demobase.clock import ClockedDesk
from services.evaluation.bootstrap import build
from services.evaluation.config import EvaluationSettings
from shared.bus.connection import connect
from shared.bus.runtime import ServiceRuntime
from shared.bus.server import EmbeddedNats
from shared.config import Settings
from shared.contract.commands import IntakeDecision
from shared.contract.envelope import Envelope, EventPayload, new_envelope
from shared.contract.events import BatchOpened, DocumentRef, TitleAwarded, subject_id
from shared.contract.provinces import MINISTRY
from tests.e2e.test_submission_path import all_log_events as log_events
from tests.support import at, running, wait_until
from tests.unit.test_evaluation_support import figures, marks, round_body

pytestmark = pytest.mark.e2e

HUNAN, JIANGSU, GUANGDONG, ANHUI = "430000", "320000", "440000", "340000"
# base id → (province, level of its figures and marks: 0 is the cohort's worst)
BASES = {
    "长沙经开区": (HUNAN, 0),
    "苏州工业园区": (JIANGSU, 9),
    "广州开发区": (GUANGDONG, 8),
    "合肥高新区": (ANHUI, 7),
}


class FixedClock:
    def now(self) -> datetime:
        return datetime(2026, 1, 1, tzinfo=UTC)


class Ministry:
    """The ministry and the provinces, each sending commands to the evaluation service."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.desk = ClockedDesk(url)  # each attempt on its business day (P-POSTMARK)

    async def publish(self, payload: EventPayload, province: str = MINISTRY) -> None:
        """A fact of another context, put on the log as its owner would."""
        envelope = new_envelope(
            payload,
            event_id=uuid4(),
            occurred_at=at("2020-01-10"),
            recorded_at=at("2020-01-10"),
            actor="ministry:planning",
            province=province,
            subject_id=subject_id(payload),
            correlation_id=uuid4(),
        )
        nc = await connect(self.url, "review-stand-in")
        try:
            await nc.jetstream().publish(
                envelope.subject,
                envelope.to_json(),
                headers={"Nats-Msg-Id": str(envelope.event_id)},
            )
        finally:
            await nc.drain()

    async def send(
        self, command: str, body: dict[str, Any], day: str, province: str = MINISTRY
    ) -> IntakeDecision:
        message = intake_message(command, body, province, f"user@{province}", at(day))
        return await self.desk.send("evaluation", message)

    async def evaluate(self, year: int, bases: dict[str, tuple[str, int]]) -> None:
        """Open the year's round, file and forward every base's materials, rate the round."""
        decision = await self.send("OpenEvaluationRound", round_body(year), f"{year + 1}-01-10")
        assert decision.accepted, decision
        round_id = f"NIID-EVAL-{year}"
        for base_id, (province, level) in bases.items():
            report = {"sections": [{"heading": "发展概况", "text": "年度发展情况"}]}
            filed = await self.send(
                "FileAnnualMaterials",
                {
                    "round_id": round_id,
                    "base_id": base_id,
                    "report_form": figures(level),
                    "development_report": report,
                },
                f"{year + 1}-03-01",
                province,
            )
            forwarded = await self.send(
                "ReviewAnnualMaterials",
                {"round_id": round_id, "base_id": base_id, "outcome": "forward"},
                f"{year + 1}-03-20",
                province,
            )
            assert filed.accepted and forwarded.accepted, (filed, forwarded)
        rated = await self.send(
            "RateRound",
            {
                "round_id": round_id,
                "notice": {"title": f"{year}年度评价结果"},
                "five_star_notice": {"title": f"{year}年度五星名单"},
                "assessments": [marks(b, 10 * level) for b, (_, level) in bases.items()],
            },
            f"{year + 1}-04-20",
        )
        assert rated.accepted, rated


def award(base_id: str) -> TitleAwarded:
    return TitleAwarded(
        base_id=base_id,
        application_id=f"APP-{base_id}",
        batch_id="NIID-9",
        programme="NIID",
        category="park",
        name=base_id,
        domain="装备制造",
        location=base_id,
        title=f"国家新型工业化产业示范基地（装备制造·{base_id}）",
        announced_on=date(2020, 1, 10),
        announcement=DocumentRef(title="第九批示范基地名单公告"),
    )


def batch(number: int) -> BatchOpened:
    return BatchOpened.model_validate(
        {
            "batch_id": f"NIID-{number}",
            "programme": "NIID",
            "number": number,
            "title": f"第{number}批",
            "notice": {"title": "通知"},
            "domains": ["装备工业"],
            "categories": ["park"],
            "deadlines": [{"level": "ministry", "due": "2026-06-30"}],
        },
        strict=False,
    )


async def logged(url: str, event_type: str, count: int = 1) -> list[tuple[int, Envelope]]:
    """Wait until ``count`` events of the type are on the log; with their sequences."""

    async def found() -> list[tuple[int, Envelope]] | None:
        events = [(i + 1, e) for i, e in enumerate(await log_events(url))]
        matching = [(s, e) for s, e in events if e.event_type == event_type]
        return matching if len(matching) >= count else None

    result: list[tuple[int, Envelope]] = await wait_until(found, timeout=20)
    return result


def payload_of(envelope: Envelope) -> Any:
    return envelope.payload


def revoked_by(revocations: list[tuple[int, Envelope]], base_id: str) -> Any:
    [payload] = [e.payload for _, e in revocations if e.subject_id == base_id]
    return payload


def refs(*events: tuple[int, Envelope]) -> list[tuple[Any, int]]:
    return [(envelope.event_id, sequence) for sequence, envelope in events]


@pytest.fixture
def evaluation(nats_server: EmbeddedNats, sqlite_settings: Settings) -> ServiceRuntime:
    settings = sqlite_settings.model_copy(update={"nats_url": nats_server.url})
    return build(settings, EvaluationSettings(deadline_check_seconds=3600), clock=FixedClock())


async def test_the_life_of_a_title_ends_by_each_ground_of_revocation_once(
    nats_server: EmbeddedNats, evaluation: ServiceRuntime
) -> None:
    """R-REVOKE-2STARS, R-REVOKE-INCIDENT, R-FRAUD, R-EVAL-YEARLY, R-STARS over the bus."""
    ministry = Ministry(nats_server.url)
    async with running(evaluation):
        await ministry.publish(batch(11))
        for base_id, (province, _) in BASES.items():
            await ministry.publish(award(base_id), province)
        await wait_until(lambda: evaluation.consumers[0].position >= 1 + len(BASES))

        await ministry.evaluate(2024, BASES)
        await ministry.evaluate(2025, BASES)
        two_low = await logged(nats_server.url, "TitleRevoked")

        incident = {
            "base_id": "广州开发区",
            "incident_id": "INC-1",
            "kind": "environmental",
            "grade": "Ⅱ级",
            "happened_on": "2026-05-01",
            "description": "突发水污染事件",
        }
        reported = await ministry.send("ReportIncident", incident, "2026-05-02", GUANGDONG)
        fraud = await ministry.send(
            "ReportFraud",
            {
                "base_id": "合肥高新区",
                "description": "虚报年度营业收入",
                "evidence": [{"title": "核查报告"}],
            },
            "2026-05-10",
        )
        revocations = await logged(nats_server.url, "TitleRevoked", count=3)
        [suspended] = await logged(nats_server.url, "ProvinceSuspended")

        again = await ministry.send(
            "ReportIncident",
            {**incident, "incident_id": "INC-2", "grade": "Ⅰ级"},
            "2026-05-20",
            GUANGDONG,
        )
        opened = await ministry.send("OpenEvaluationRound", round_body(2026), "2027-01-10")
        [_, _, (_, next_round)] = await logged(nats_server.url, "EvaluationRoundOpened", 3)
        log = await log_events(nats_server.url)

    events = list(enumerate(log, start=1))
    low = [
        (s, e) for s, e in events if e.event_type == "StarRated" and e.subject_id == "长沙经开区"
    ]
    assert [payload_of(e).stars for _, e in low] == [1, 1]
    first = revoked_by(two_low, "长沙经开区")
    assert first.rule_id == "R-REVOKE-2STARS"
    assert [(r.event_id, r.stream_sequence) for r in first.causing_events] == refs(*low)

    assert reported.accepted and fraud.accepted
    [incident_logged] = [(s, e) for s, e in events if e.event_type == "IncidentReported"]
    by_incident = revoked_by(revocations, "广州开发区")
    assert by_incident.rule_id == "R-REVOKE-INCIDENT"
    assert [(r.event_id, r.stream_sequence) for r in by_incident.causing_events] == refs(
        incident_logged
    )
    [fraud_logged] = [(s, e) for s, e in events if e.event_type == "FraudDetected"]
    by_fraud = revoked_by(revocations, "合肥高新区")
    assert by_fraud.rule_id == "R-FRAUD"
    assert [(r.event_id, r.stream_sequence) for r in by_fraud.causing_events] == refs(fraud_logged)
    sequence, envelope = suspended
    assert sequence > fraud_logged[0]
    assert envelope.subject == f"bases.v1.submission.{ANHUI}.ProvinceSuspended"
    payload: Any = envelope.payload
    assert (payload.province, payload.batch_number) == (ANHUI, 12)

    assert not again.accepted and again.problems[0].rule_id == "R-REVOKE-INCIDENT"
    assert "revoked under R-REVOKE-INCIDENT" in str(again.problems[0].given)

    assert opened.accepted
    participants: Any = next_round.payload
    assert [p.base_id for p in participants.participants] == ["苏州工业园区"]
    assert {(x.base_id, x.reason) for x in participants.exclusions} == {
        ("长沙经开区", "revoked"),
        ("广州开发区", "revoked"),
        ("合肥高新区", "revoked"),
    }
