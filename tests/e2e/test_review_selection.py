"""Selection at the ministry, end to end over a real nats-server (R-PROCEDURE,
R-PUBLICITY, R-TITLE-NAME): recommended candidates on the log → expert panels and scores →
the proposed list → publicity with objections → titles for the cleared only."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest
from nats.js.api import DeliverPolicy

from demobase.client import intake_message
from demobase.clock import ClockedDesk
from services.review.bootstrap import build
from services.review.config import ReviewSettings
from shared.bus.connection import connect
from shared.bus.runtime import ServiceRuntime
from shared.bus.server import EmbeddedNats
from shared.config import Settings
from shared.contract.commands import IntakeDecision
from shared.contract.envelope import Envelope, EventPayload, new_envelope
from shared.contract.events import (
    ApplicationSubmitted,
    DocumentRef,
    ProvinciallyRecommended,
    subject_id,
)
from shared.contract.provinces import MINISTRY
from shared.contract.subjects import EVENTS_STREAM, EVENTS_SUBJECTS
from shared.store import ServiceApplication
from tests.support import at, running, wait_until

pytestmark = pytest.mark.e2e

BATCH = "NIID-11"
PUB = f"PUB-{BATCH}"
# application id → (province, park, 示范内容, points each expert gives per section)
CANDIDATES: dict[str, tuple[str, str, str, int]] = {
    "NIID-430000-A": ("430000", "长沙经济技术开发区", "装备制造", 5),
    "NIID-320000-B": ("320000", "苏州工业园区", "电子信息", 4),
    "NIID-420000-C": ("420000", "武汉东湖新技术开发区", "光电子信息", 3),
    "NIID-340000-D": ("340000", "合肥高新技术产业开发区", "智能语音", 2),
}
EXPERTS = [
    {"expert_id": "E1", "name": "王一", "province": "110000", "organisation": "中国工程院"},
    {"expert_id": "E2", "name": "李二", "province": "310000", "organisation": "同济大学"},
    {"expert_id": "E3", "name": "张三", "province": "440000", "organisation": "中山大学"},
]
CONFLICTED = {"expert_id": "E4", "name": "赵四", "province": "430000", "organisation": "中南大学"}
SECTIONS = ("发展基础", "总体思路", "重点任务", "进度安排", "保障措施", "领域特色")


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


def review_service(settings: Settings, url: str, now: datetime) -> ServiceRuntime:
    return build(
        settings.model_copy(update={"nats_url": url}),
        ReviewSettings(close_interval_seconds=0.05, close_grace_seconds=0),
        FixedClock(now),
    )


def envelope(payload: EventPayload, province: str) -> Envelope:
    return new_envelope(
        payload, event_id=uuid4(), occurred_at=at("2026-04-09"), recorded_at=at("2026-04-09"),
        actor=f"province:{province}", province=province, subject_id=subject_id(payload),
        correlation_id=uuid4(),
    )  # fmt: skip


def recommended_candidates() -> list[Envelope]:
    """ApplicationSubmitted, ProvinciallyRecommended of each candidate, as submission logs them."""
    envelopes = []
    for serial, (application_id, (province, park, showcase, _)) in enumerate(CANDIDATES.items()):
        common = {"application_id": application_id, "programme": "NIID", "category": "park",
                  "name": park, "applicant": f"{park}管理委员会", "domain": "装备工业"}  # fmt: skip
        submitted = ApplicationSubmitted.model_validate(
            {**common, "batch_id": BATCH, "zone": park, "form": {"示范内容": showcase}}
        )
        recommended = ProvinciallyRecommended.model_validate({
            **common, "batch_id": BATCH, "serial_no": serial + 1,
            "dispatched_on": date(2026, 4, 9), "recommendation": DocumentRef(title="推荐文件"),
        })  # fmt: skip
        envelopes += [envelope(submitted, province), envelope(recommended, province)]
    return envelopes


async def publish_on_the_log(url: str, envelopes: list[Envelope]) -> None:
    nc = await connect(url, "test-submission")
    try:
        js = nc.jetstream()
        for item in envelopes:
            await js.publish(item.subject, item.to_json(), stream=EVENTS_STREAM,
                             headers={"Nats-Msg-Id": str(item.event_id)})  # fmt: skip
    finally:
        await nc.drain()


async def log_events(url: str) -> list[Envelope]:
    nc = await connect(url, "test-reader")
    try:
        js = nc.jetstream()
        last = (await js.stream_info(EVENTS_STREAM)).state.last_seq
        sub = await js.subscribe(EVENTS_SUBJECTS, ordered_consumer=True,
                                 deliver_policy=DeliverPolicy.ALL)  # fmt: skip
        events = [Envelope.from_json((await sub.next_msg(timeout=5)).data) for _ in range(last)]
        await sub.unsubscribe()
        return events
    finally:
        await nc.drain()


async def payloads(url: str, event_type: str) -> list[Any]:
    return [e.payload for e in await log_events(url) if e.event_type == event_type]


class Ministry:
    """The ministry's tool: commands on its intake subjects, answered by the review service."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.desk = ClockedDesk(url)  # each attempt on its business day (P-POSTMARK)

    async def send(
        self,
        command_type: str,
        body: dict[str, Any],
        when: datetime,
        province: str = MINISTRY,
        actor: str = "ministry:planning",
    ) -> IntakeDecision:
        message = intake_message(command_type, body, province, actor, when)
        return await self.desk.send("review", message)

    async def object_to(self, application_id: str, when: datetime, province: str) -> IntakeDecision:
        """The public objects, through a province's portal."""
        body = {"publicity_id": PUB, "application_id": application_id, "source": "public",
                "grounds": "产值数据与统计部门不符"}  # fmt: skip
        return await self.send("FileObjection", body, when, province)

    async def resolve(self, objection_id: Any, outcome: str, when: datetime) -> IntakeDecision:
        body = {"publicity_id": PUB, "objection_id": objection_id, "outcome": outcome,
                "reasoning": "经核查"}  # fmt: skip
        return await self.send("ResolveObjection", body, when)

    async def close(self, when: datetime) -> IntakeDecision:
        return await self.send("ClosePublicity", {"publicity_id": PUB}, when)


def beijing(moment: str) -> datetime:
    return datetime.fromisoformat(f"{moment}+08:00")


async def candidates_in_review(url: str, runtime: ServiceRuntime) -> None:
    """Publish the four candidates and wait until the review service has taken them in."""
    envelopes = recommended_candidates()
    await publish_on_the_log(url, envelopes)
    app = runtime.app
    assert isinstance(app, ServiceApplication)
    await wait_until(lambda: _at_least(runtime, app, len(envelopes)), timeout=10)


async def _at_least(runtime: ServiceRuntime, app: ServiceApplication, count: int) -> bool:
    return await runtime.seam.call(app.position, EVENTS_STREAM) >= count


async def reviewed_and_decided(ministry: Ministry) -> list[IntakeDecision]:
    """Panels of E1–E3 for everyone, every expert scores, the best three are proposed."""
    decisions = []
    for application_id, (*_, points) in CANDIDATES.items():
        panel = {"application_id": application_id, "experts": EXPERTS}
        decisions.append(await ministry.send("FormPanel", panel, at("2026-06-01")))
        for number, expert in enumerate(("E1", "E2", "E3")):
            sections = {s: points + number for s in SECTIONS}
            body = {"application_id": application_id, "expert_id": expert, "sections": sections}
            decisions.append(await ministry.send(  # each expert through the ministry's account
                "ScoreApplication", body, at("2026-06-10"), actor=f"expert:{expert}"
            ))  # fmt: skip
    body = {"batch_id": BATCH, "propose": 3}
    decisions.append(await ministry.send("DecideProposedList", body, at("2026-06-20")))
    return decisions


async def test_the_ministry_selects_publicises_and_awards_the_cleared_candidates_only(
    nats_server: EmbeddedNats, sqlite_settings: Settings
) -> None:
    """R-PROCEDURE 回避, R-PUBLICITY window and objections, R-TITLE-NAME titles on the log."""
    url = nats_server.url
    runtime = review_service(sqlite_settings, url, now=beijing("2026-06-01T09:00:00"))
    ministry = Ministry(url)
    async with running(runtime):
        await candidates_in_review(url, runtime)
        a, b, c, d = CANDIDATES
        conflicted = await ministry.send(
            "FormPanel", {"application_id": a, "experts": [*EXPERTS, CONFLICTED]}, at("2026-06-01")
        )
        decisions = await reviewed_and_decided(ministry)
        late_year = await ministry.send("OpenPublicity", {"batch_id": BATCH}, at("2026-12-28"))
        opened = await ministry.send("OpenPublicity", {"batch_id": BATCH}, at("2026-09-28"))
        on_b = await ministry.object_to(b, at("2026-09-30"), province="320000")
        on_c = await ministry.object_to(c, at("2026-10-08"), province="420000")
        too_late = await ministry.object_to(a, beijing("2026-10-10T10:00:00"), province="430000")
        upheld = await ministry.resolve(on_b.subject_id, "upheld", at("2026-10-09"))
        early = await ministry.close(at("2026-10-09"))
        pending = await ministry.close(at("2026-10-12"))
        dismissed = await ministry.resolve(on_c.subject_id, "dismissed", at("2026-10-12"))
        closed = await ministry.close(at("2026-10-12"))
        awarded = await wait_until(lambda: _awarded(url, 2), timeout=10)

    [refusal] = conflicted.problems
    assert not conflicted.accepted and refusal.rule_id == "R-PROCEDURE"
    assert refusal.field == "experts[3].province" and "回避" in refusal.reason
    assert "赵四 (E4)" in refusal.reason and "湖南省" in refusal.reason
    assert all(decision.accepted for decision in decisions)
    assert not late_year.accepted and "2027" in late_year.problems[0].reason
    assert opened.accepted and opened.subject_id == PUB
    assert on_b.accepted and on_c.accepted
    assert not too_late.accepted and "2026-10-10T00:00:00+08:00" in too_late.problems[0].reason
    assert upheld.accepted and dismissed.accepted
    assert not early.accepted and early.problems[0].rule_id == "R-PUBLICITY"
    assert not pending.accepted and f"objection {on_c.subject_id} ({c})" in str(pending.problems)
    assert closed.accepted and closed.recorded == "PublicityClosed"

    reviews = {p.application_id: (p.rank, p.outcome) for p in
               await payloads(url, "ExpertReviewCompleted")}  # fmt: skip
    assert reviews == {a: (1, "proposed"), b: (2, "proposed"), c: (3, "proposed"),
                       d: (4, "not_proposed")}  # fmt: skip
    [opened_event] = await payloads(url, "PublicityOpened")
    assert (opened_event.first_day, opened_event.last_day) == (date(2026, 9, 28), date(2026, 10, 9))
    [closed_event] = await payloads(url, "PublicityClosed")
    assert (closed_event.cleared, closed_event.withheld) == ((a, c), (b,))
    assert {p.application_id: p.title for p in awarded} == {
        a: "国家新型工业化产业示范基地（装备制造·长沙经济技术开发区）",
        c: "国家新型工业化产业示范基地（光电子信息·武汉东湖新技术开发区）",
    }
    assert {p.announced_on for p in awarded} == {date(2026, 10, 12)}


async def _awarded(url: str, count: int) -> list[Any] | None:
    awarded = await payloads(url, "TitleAwarded")
    return awarded if len(awarded) >= count else None


async def test_the_scheduler_closes_a_publicity_whose_window_has_passed(
    nats_server: EmbeddedNats, sqlite_settings: Settings
) -> None:
    """R-PUBLICITY on the clock: no ClosePublicity sent; the scheduler closes it and awards."""
    url = nats_server.url
    after = datetime(2026, 10, 12, 1, 0, tzinfo=UTC)
    runtime = review_service(sqlite_settings, url, now=after)
    ministry = Ministry(url)
    async with running(runtime):
        await candidates_in_review(url, runtime)
        await reviewed_and_decided(ministry)
        await ministry.send("OpenPublicity", {"batch_id": BATCH}, at("2026-09-28"))
        awarded = await wait_until(lambda: _awarded(url, 3), timeout=10)

    closed = [e for e in await log_events(url) if e.event_type == "PublicityClosed"]
    assert [e.actor for e in closed] == ["system:review-scheduler"]
    assert closed[0].occurred_at == after
    assert {p.announced_on for p in awarded} == {date(2026, 10, 12)}
