"""A realistic event log of any length, for the scale bench: ``history(count)``.

One *cycle* is ten years (2016–2025) of one programme as the registry sees it: 800 earlier titles
imported as ``TitleAwarded`` (ADR 8), then each year a batch (``BatchOpened``, one
``BatchForwarded`` per province), 300 applications (``ApplicationSubmitted``, 15 % of them
``ApplicationRejected``, the rest ``ProvinciallyRecommended`` and ``ExpertReviewCompleted``; half
of those proposed, publicised and awarded with a publicity and an objection or two), and the
evaluation round of every titled base (``EvaluationRoundOpened``, ``AnnualReportSubmitted`` and
``StarRated`` per base, ``EvaluationResultsPublished``, ``FiveStarListPublished``) with the life
of titles around it: incidents, inspection findings and their rectification, renamings, tier
changes, action plans, and a few frauds with their revocation. About 1,500 bases are rated each
year; a cycle is about 41,000 events, and three StarRated or AnnualReportSubmitted in four.

A longer log is more cycles, each with ids of its own (``C007-BASE-00042``), so every event is
one a live registry applies without a quarantine. Every event is a valid :class:`Envelope` made
by ``new_envelope`` from its payload class (the contract validates each one as it is built), with
a stable event id (the relay's ``Nats-Msg-Id``). The same seed gives the same log, byte for byte.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from shared.contract.envelope import EventPayload, new_envelope
from shared.contract.events import (
    ActionPlanFiled,
    AnnualReportSubmitted,
    ApplicationRejected,
    ApplicationSubmitted,
    BatchForwarded,
    BatchOpened,
    Deadline,
    DocumentRef,
    EvaluationRoundOpened,
    EventRef,
    ExpertReviewCompleted,
    FiveStarEntry,
    FiveStarListPublished,
    FraudDetected,
    IncidentReported,
    InspectionFindingRecorded,
    ObjectionFiled,
    ObjectionResolved,
    ProvinciallyRecommended,
    PublicityClosed,
    PublicityEntry,
    PublicityOpened,
    RectificationConfirmed,
    RuleViolation,
    SectionScore,
    StarRated,
    TierChanged,
    TitleAwarded,
    TitleRenamed,
    TitleRevoked,
    subject_id,
)
from shared.contract.events_evaluation import EvaluationResultsPublished, ProvinceResult
from shared.contract.provinces import MINISTRY, PROVINCES

BEIJING = timezone(timedelta(hours=8))
FIRST_YEAR, YEARS = 2016, 10
IMPORTED_BASES = 800
APPLICATIONS_PER_YEAR = 300
REJECTED_SHARE = 0.15
DOMAINS = ("装备工业", "原材料工业", "消费品工业", "信息产业", "高技术转化应用", "新产业新业态")
CITIES = ("省会", "副中心", "沿江", "沿海", "山区")
CENT = Decimal("0.01")
NAMESPACE = uuid.UUID("3b0f6a52-61c4-4f7e-9f0e-2c6a0c1d5e77")


@dataclass(frozen=True)
class LogEvent:
    """One event as the relay publishes it: its subject, its bytes and its ``Nats-Msg-Id``."""

    subject: str
    data: bytes
    msg_id: str
    event_type: str


@dataclass
class Base:
    base_id: str
    province: str
    title: str
    revoked: bool = False


class Cycle:
    """Ten years of one programme, with ids of its own."""

    def __init__(self, number: int, rng: random.Random, offset: int = 0) -> None:
        self.number, self.rng, self.offset = number, rng, offset
        self.prefix = f"C{number:03d}"
        self.provinces = [code for code in PROVINCES if code != MINISTRY]
        self.bases: list[Base] = []
        self.made = 0

    def event(
        self, payload: EventPayload, province: str, on: date, actor: str, correlation: uuid.UUID
    ) -> LogEvent:
        self.made += 1
        event_id = uuid.uuid5(NAMESPACE, f"{self.prefix}:{self.made}")
        occurred = datetime(on.year, on.month, on.day, 9, tzinfo=BEIJING)
        occurred += timedelta(seconds=self.made % 20_000)
        envelope = new_envelope(
            payload, event_id=event_id, occurred_at=occurred,
            recorded_at=occurred.astimezone(UTC) + timedelta(seconds=1), actor=actor,
            province=province, subject_id=subject_id(payload), correlation_id=correlation,
        )  # fmt: skip
        return LogEvent(envelope.subject, envelope.to_json(), str(event_id), payload.event_type)

    def correlation(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def events(self) -> Iterator[LogEvent]:
        yield from self.imported()
        for year in range(FIRST_YEAR, FIRST_YEAR + YEARS):
            yield from self.selection(year)
            yield from self.evaluation(year)

    # --- titles awarded before the platform ---------------------------------------------------

    def imported(self) -> Iterator[LogEvent]:
        for n in range(IMPORTED_BASES):
            province = self.provinces[n % len(self.provinces)]
            yield self.award(
                f"{self.prefix}-BASE-{n:05d}", f"{self.prefix}-IMPORT-{n:05d}",
                f"{self.prefix}-NIID-{1 + n % 9}", province, date(2010 + n % 6, 1, 10),
            )  # fmt: skip

    def award(
        self, base_id: str, application_id: str, batch_id: str, province: str, on: date
    ) -> LogEvent:
        domain = DOMAINS[len(self.bases) % len(DOMAINS)]
        zone = f"{PROVINCES[province]}{self.prefix}第{len(self.bases) + 1}经济技术开发区"
        title = f"国家新型工业化产业示范基地（{domain}·{zone}）"
        self.bases.append(Base(base_id, province, title))
        payload = TitleAwarded(
            base_id=base_id, application_id=application_id, batch_id=batch_id, programme="NIID",
            category="park", name=zone, domain=domain, location=zone, title=title,
            announced_on=on, announcement=DocumentRef(title="示范基地名单公告"),
        )  # fmt: skip
        return self.event(payload, province, on, "ministry:planning", self.correlation())

    # --- a year's batch, from the call to the awards -------------------------------------------

    def selection(self, year: int) -> Iterator[LogEvent]:
        batch = f"{self.prefix}-NIID-{year}"
        call = self.correlation()
        due = date(year, 4, 10)
        yield self.event(BatchOpened(
            batch_id=batch, programme="NIID", number=year - 2000,
            title=f"{year}年国家新型工业化产业示范基地申报", categories=("park",),
            domains=DOMAINS, notice=DocumentRef(
                title="关于组织申报示范基地的通知", number=f"工信厅规函〔{year}〕1号"
            ),
            deadlines=(Deadline(level="ministry", due=due),),
        ), MINISTRY, date(year, 2, 20), "ministry:planning", call)  # fmt: skip
        for province in self.provinces:
            yield self.event(BatchForwarded(
                batch_id=batch, province=province, notice=DocumentRef(title="转发通知"),
                city_review=False,
                deadlines=(Deadline(level="province", due=date(year, 4, 1), province=province),),
            ), province, date(year, 3, 1), f"province:{province}", call)  # fmt: skip
        proposed: list[tuple[str, str, str, str]] = []
        for n in range(APPLICATIONS_PER_YEAR):
            yield from self.application(year, batch, n, proposed)
        yield from self.publicity(year, batch, proposed, call)

    def application(
        self, year: int, batch: str, n: int, proposed: list[tuple[str, str, str, str]]
    ) -> Iterator[LogEvent]:
        rng = self.rng
        province = self.provinces[rng.randrange(len(self.provinces))]
        application_id = f"{self.prefix}-APP-{year}-{n:04d}"
        name = f"{PROVINCES[province]}{CITIES[n % len(CITIES)]}{self.prefix}{year}第{n}园区"
        domain = DOMAINS[n % len(DOMAINS)]
        flow = self.correlation()
        actor = f"province:{province}"
        yield self.event(ApplicationSubmitted(
            application_id=application_id, batch_id=batch, programme="NIID", category="park",
            name=name, applicant=f"{name}管理委员会", city=CITIES[n % len(CITIES)], domain=domain,
            form={"revenue": {str(year - 3 + k): round(rng.uniform(50, 900), 1) for k in range(3)},
                  "enterprises": rng.randrange(20, 400), "zone_area_km2": rng.randrange(5, 80)},
        ), province, date(year, 3, 20), actor, flow)  # fmt: skip
        if rng.random() < REJECTED_SHARE:
            yield self.event(ApplicationRejected(
                application_id=application_id, stage="province", name=name,
                reasons=(RuleViolation(
                    rule_id="R-DEADLINES", field="dispatched_on",
                    required=f"on or before {year}-04-10",
                    given=f"{year}-04-11", message="submitted after the deadline",
                ),),
            ), province, date(year, 4, 11), actor, flow)  # fmt: skip
            return
        yield self.event(ProvinciallyRecommended(
            application_id=application_id, batch_id=batch, programme="NIID", serial_no=n + 1,
            applicant=f"{name}管理委员会", name=name, category="park", domain=domain,
            dispatched_on=date(year, 4, 8), recommendation=DocumentRef(title="推荐文件"),
            preliminary_score=Decimal(rng.randrange(7000, 9500)) / 100,
        ), province, date(year, 4, 8), actor, flow)  # fmt: skip
        total = Decimal(rng.randrange(6000, 9800)) / 100
        outcome = "proposed" if rng.random() < 0.6 else "not_proposed"
        yield self.event(ExpertReviewCompleted(
            application_id=application_id, batch_id=batch, panel=("EXP-1", "EXP-2", "EXP-3"),
            sections=(SectionScore(section="发展基础", score=(total / 4).quantize(CENT)),),
            total=total,
            outcome=outcome,
        ), province, date(year, 5, 20), "ministry:experts", flow)  # fmt: skip
        if outcome == "proposed":
            proposed.append((application_id, name, province, domain))

    def publicity(
        self, year: int, batch: str, proposed: list[tuple[str, str, str, str]], call: uuid.UUID
    ) -> Iterator[LogEvent]:
        publicity = f"{self.prefix}-PUB-{year}"
        yield self.event(PublicityOpened(
            publicity_id=publicity, batch_id=batch, programme="NIID",
            published_on=date(year, 6, 13), first_day=date(year, 6, 15),
            last_day=date(year, 6, 19), entries=tuple(
                PublicityEntry(application_id=a, name=name, proposed_title=f"示范基地（{name}）")
                for a, name, _, _ in proposed
            ),
        ), MINISTRY, date(year, 6, 13), "ministry:planning", call)  # fmt: skip
        for k, (application_id, _, province, _) in enumerate(proposed[:2]):
            objection = f"{publicity}-OBJ-{k}"
            yield self.event(ObjectionFiled(
                publicity_id=publicity, objection_id=objection, application_id=application_id,
                source="public", grounds="figures differ from the statistical bureau's",
            ), province, date(year, 6, 16), "ministry:planning", call)  # fmt: skip
            yield self.event(ObjectionResolved(
                publicity_id=publicity, objection_id=objection, application_id=application_id,
                outcome="dismissed", reasoning="the statistical bureau confirmed the figures",
            ), province, date(year, 6, 18), "ministry:planning", call)  # fmt: skip
        yield self.event(PublicityClosed(
            publicity_id=publicity, batch_id=batch, cleared=tuple(a for a, _, _, _ in proposed),
        ), MINISTRY, date(year, 6, 20), "ministry:planning", call)  # fmt: skip
        for application_id, _, province, _ in proposed:
            base_id = f"{self.prefix}-BASE-{len(self.bases):05d}"
            yield self.award(base_id, application_id, batch, province, date(year, 7, 1))

    # --- a year's evaluation round, and the life of titles around it ----------------------------

    def evaluation(self, year: int) -> Iterator[LogEvent]:
        rng = self.rng
        round_id = f"{self.prefix}-NIID-EVAL-{year}"
        call = self.correlation()
        yield self.event(EvaluationRoundOpened(
            batch_id=round_id, programme="NIID", evaluation_year=year,
            announced_by=date(year - 1, 12, 31), notice=DocumentRef(title=f"{year}年评价工作通知"),
        ), MINISTRY, date(year + 1, 1, 15), "ministry:planning", call)  # fmt: skip
        rated = [base for base in self.bases if not base.revoked]
        five: list[Base] = []
        on = date(year + 1, 3, 31)
        by_province: dict[str, dict[str, int]] = {}
        for base in rated:
            actor = f"province:{base.province}"
            yield self.event(AnnualReportSubmitted(
                base_id=base.base_id, batch_id=round_id, evaluation_year=year,
                report_form={"sales_revenue_yi": rng.randrange(50, 5000),
                             "rd_intensity_pct": round(rng.uniform(0.5, 6.0), 2)},
                development_report=DocumentRef(title=f"{year}年度发展报告"),
            ), base.province, on, actor, call)  # fmt: skip
            stars = rng.choices((1, 2, 3, 4, 5), weights=(5, 15, 40, 30, 10))[0]
            if stars == 5:
                five.append(base)
            yield self.event(StarRated(
                base_id=base.base_id, batch_id=round_id, evaluation_year=year, stars=stars,
            ), base.province, date(year + 1, 6, 30), "ministry:evaluation", call)  # fmt: skip
            counts = by_province.setdefault(base.province, dict.fromkeys(STAR_NAMES.values(), 0))
            counts[STAR_NAMES[stars]] += 1
            yield from self.life(base, year)
        yield self.event(EvaluationResultsPublished(
            batch_id=round_id, programme="NIID", evaluation_year=year,
            notice=DocumentRef(title=f"{year}年评价结果通知"), rated=len(rated),
            by_province=tuple(ProvinceResult(province=p, **c) for p, c in by_province.items()),
        ), MINISTRY, date(year + 1, 7, 10), "ministry:evaluation", call)  # fmt: skip
        yield self.event(FiveStarListPublished(
            batch_id=round_id, programme="NIID", evaluation_year=year,
            bases=tuple(FiveStarEntry(base_id=b.base_id, title=b.title) for b in five),
            notice=DocumentRef(title=f"{year}年度五星示范基地名单"),
        ), MINISTRY, date(year + 1, 7, 15), "ministry:evaluation", call)  # fmt: skip

    def life(self, base: Base, year: int) -> Iterator[LogEvent]:
        """What may befall one base in a year besides its rating (rarely anything)."""
        draw = self.rng.random()
        on = date(year, 9, 1)
        actor, flow = f"province:{base.province}", self.correlation()
        if draw < 0.004:
            yield from self.revocation(base, on, flow)
        elif draw < 0.01:
            yield self.event(IncidentReported(
                base_id=base.base_id, incident_id=f"{base.base_id}-INC-{year}",
                kind="other_serious",
                happened_on=on, description="a fire in a warehouse, no casualties",
            ), base.province, on, actor, flow)  # fmt: skip
        elif draw < 0.02:
            finding = f"{base.base_id}-FND-{year}"
            yield self.event(InspectionFindingRecorded(
                base_id=base.base_id, finding_id=finding, inspection="中央生态环境保护督察",
                area="生态环保", description="untreated waste water", rectify_by=date(year, 12, 31),
            ), base.province, on, actor, flow)  # fmt: skip
            yield self.event(RectificationConfirmed(
                base_id=base.base_id, finding_id=finding, rectified_on=date(year, 11, 30),
                evidence=(DocumentRef(title="整改验收意见"),),
            ), base.province, date(year, 12, 1), actor, flow)  # fmt: skip
        elif draw < 0.023:
            new_title = f"{base.title}（{year}更名）"
            yield self.event(TitleRenamed(
                base_id=base.base_id, old_title=base.title, new_title=new_title,
                cause="开发区名称变更", published_with_year=year,
                request=DocumentRef(title="更名申请"), approval=DocumentRef(title="更名批复"),
            ), base.province, on, "ministry:planning", flow)  # fmt: skip
            base.title = new_title
        elif draw < 0.028:
            yield self.event(TierChanged(
                base_id=base.base_id, from_tier="国家级示范基地", to_tier="卓越提升计划",
                reason="five stars three years running",
            ), base.province, on, "ministry:planning", flow)  # fmt: skip
        elif draw < 0.048:
            yield self.event(ActionPlanFiled(
                base_id=base.base_id, first_year=year + 1, last_year=year + 3,
                plan=DocumentRef(title="三年行动计划"),
            ), base.province, on, actor, flow)  # fmt: skip

    def revocation(self, base: Base, on: date, flow: uuid.UUID) -> Iterator[LogEvent]:
        detected = self.event(FraudDetected(
            base_id=base.base_id, programme="NIID",
            description="falsified revenue figures in the annual report",
            evidence=(DocumentRef(title="核查报告"),),
        ), base.province, on, "ministry:planning", flow)  # fmt: skip
        yield detected
        sequence = self.offset + self.made  # its sequence on a log that starts with this history
        cause = EventRef(event_id=uuid.UUID(detected.msg_id), stream_sequence=sequence)
        yield self.event(TitleRevoked(
            base_id=base.base_id, rule_id="R-FRAUD",
            reason="falsified revenue figures in the annual report", causing_events=(cause,),
        ), base.province, on + timedelta(days=30), "ministry:planning", flow)  # fmt: skip
        base.revoked = True


STAR_NAMES = {5: "five", 4: "four", 3: "three", 2: "two", 1: "one"}


def history(count: int, seed: int = 8) -> Iterator[LogEvent]:
    """The first ``count`` events of a log of as many cycles as that takes."""
    rng = random.Random(seed)
    made = 0
    for number in range(1, 10_000):
        for event in Cycle(number, rng, offset=made).events():
            if made >= count:
                return
            made += 1
            yield event
    raise ValueError(f"no log of {count} events in 10,000 cycles")
