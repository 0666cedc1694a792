"""No message can stop a service (issue 12, "Done when"): a poison-message suite over a real
nats-server leaves every service running and deciding the next valid attempt within a second.

The three deciding services and the registry run in-process. Each poison is published raw on the
intake stream, as any holder of a publish right could, with a ``Demobase-Reply-To`` inbox of the
sender's own; it is refused, on the reply and on ``REFUSALS``, naming its field and rule: P-LIMITS
(the subject's shape, the size, the nesting, the number literals), the contract's field
(P-STRICT: an integer is a JSON integer, every date falls in 2000–2100), or P-UNDECIDABLE. The
valid attempt sent right after it is decided, and every service still runs and answers on
``status.v1.<service>``. On the log, an event that cannot be read is passed over by the services
that react to it and quarantined by the registry, which goes on applying the events after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast
from uuid import uuid4

import pytest
import yaml
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from demobase.client import intake_message, send_command
from demobase.clock import set_clock
from services.evaluation.bootstrap import build as build_evaluation
from services.registry.bootstrap import build_registry
from services.registry.quarantine import quarantined
from services.registry.queries import applied, find_entry
from services.review.bootstrap import build as build_review
from services.submission.bootstrap import build as build_submission
from shared.bus.connection import connect
from shared.bus.consumer import REPLY_HEADER
from shared.bus.gatekeeper import Gatekeeper
from shared.bus.runtime import ServiceRuntime, status_subject
from shared.bus.server import EmbeddedNats
from shared.bus.streams import ensure_streams
from shared.config import Settings
from shared.contract.commands import AttemptRefused, IntakeDecision
from shared.contract.envelope import Envelope, new_envelope
from shared.contract.events import ApplicationSubmitted
from shared.contract.subjects import (
    EVENTS_STREAM,
    INTAKE_STREAM,
    REFUSALS_SUBJECTS,
    Context,
    event_subject,
    intake_subject,
)
from shared.intake import MAX_ATTEMPT_BYTES
from tests.e2e.test_fault_restart import imported_title
from tests.e2e.test_submission_path import registry_runtime
from tests.support import at, load_catalogue, park_application, wait_until
from tests.unit.test_evaluation_support import round_body

pytestmark = pytest.mark.e2e

HUNAN, MINISTRY = "430000", "000000"
DECIDING: tuple[Context, ...] = ("submission", "review", "evaluation")
SERVICES = (*DECIDING, "registry")
DAY: dict[Context, str] = {"submission": "2026-03-20", "review": "2026-01-10",
                           "evaluation": "2027-01-10"}  # fmt: skip
"""The business day each context's clock is set to before the poisons (P-POSTMARK)."""
DECIDED_WITHIN = 1.0
"""Seconds from sending the valid attempt after a poison to holding its decision (issue 12)."""
BATCH: dict[str, Any] = json.loads(json.dumps(yaml.safe_load(
    (Path(__file__).parents[2] / "examples" / "batches" / "eidb-2026-1.yaml").read_text()
), default=str))  # fmt: skip
"""The ministry's first EIDB batch, dates as JSON strings, as OpenBatch carries it."""
MARK = "@@poison@@"


# --- the attempts ----------------------------------------------------------------------------


def valid(context: Context, index: int = 0) -> dict[str, Any]:
    """The next valid attempt on ``context``'s intake, as its sender's tool builds it."""
    if context == "submission":
        body = park_application(name=f"长沙示范园区{index}")
        return intake_message("SubmitApplication", body, HUNAN, f"province:{HUNAN}",
                              at(DAY[context]))  # fmt: skip
    if context == "review":
        return intake_message("ImportTitle", imported_title(index), MINISTRY, "ministry",
                              at(DAY[context]))  # fmt: skip
    return intake_message("OpenEvaluationRound", round_body(2026), MINISTRY, "ministry",
                          at(DAY[context]))  # fmt: skip


def attempt_on(
    context: Context, command: str, body: dict[str, Any], province: str
) -> dict[str, Any]:
    actor = "ministry" if province == MINISTRY else f"province:{province}"
    return intake_message(command, body, province, actor, at(DAY[context]))


def subject_of(context: Context, message: dict[str, Any]) -> str:
    return intake_subject(context, message["province"], message["command_type"])


def raw_json(message: dict[str, Any], path: tuple[str | int, ...], raw: str) -> bytes:
    """``message`` as JSON with the value at ``path`` written as the raw text ``raw``."""
    document = json.loads(json.dumps(message))
    holder = document
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = MARK
    text = json.dumps(document, ensure_ascii=False)
    assert text.count(json.dumps(MARK)) == 1
    return text.replace(json.dumps(MARK), raw).encode()


def encoded(message: dict[str, Any]) -> bytes:
    return json.dumps(message).encode()  # ASCII: a lone surrogate is written as its escape


@dataclass(frozen=True)
class Poison:
    """One message no service may stop on, and what its refusal must name."""

    subject: str
    data: bytes
    field: str
    rule_id: str | None
    says: str

    @property
    def sender(self) -> str:
        """The province token the server would have authorised (the 4th of the subject)."""
        tokens = self.subject.split(".")
        return tokens[3] if len(tokens) > 3 else MINISTRY


NUMBER_AT: dict[Context, tuple[str | int, ...]] = {
    "submission": ("body", "form", "用地面积"),
    "review": ("body", "batch_number"),
    "evaluation": ("body", "evaluation_year"),
}
"""Where a number of each context's valid attempt goes: a form field, a batch, a year."""


def number(literal: str, says: str) -> Callable[[Context], Poison]:
    def make(context: Context) -> Poison:
        message = valid(context)
        data = raw_json(message, NUMBER_AT[context], literal)
        return Poison(subject_of(context, message), data, "(message)", "P-LIMITS", says)

    return make


def extra_token(context: Context) -> Poison:
    message = valid(context)
    return Poison(subject_of(context, message) + ".x", encoded(message), "(subject)", "P-LIMITS",
                  "6 tokens")  # fmt: skip


def unknown_province(context: Context) -> Poison:
    message = valid(context)
    subject = intake_subject(context, "999999", message["command_type"])
    return Poison(subject, encoded(message), "(subject)", "P-LIMITS", "no provincial authority")


def nested_10000_deep(context: Context) -> Poison:
    message = valid(context)
    deep = '{"a":' * 10_000 + "1" + "}" * 10_000
    data = raw_json(message, NUMBER_AT[context], deep)
    assert len(data) < MAX_ATTEMPT_BYTES  # refused for its depth, not its size
    return Poison(subject_of(context, message), data, "(message)", "P-LIMITS", "nest too deep")


def issued_in(year: int) -> Callable[[Context], Poison]:
    def make(context: Context) -> Poison:
        message = {**valid(context), "issued_at": f"{year:04d}-06-01T09:00:00+00:00"}
        return Poison(subject_of(context, message), encoded(message), "issued_at", None,
                      "2000 to 2100")  # fmt: skip

    return make


def dated_in(year: int) -> Callable[[Context], Poison]:
    """A date of the body in ``year``: a batch's deadline, a title's announcement, a round's."""

    def make(context: Context) -> Poison:
        day = f"{year:04d}-03-31"
        if context == "submission":
            body = {**BATCH, "deadlines": [{"level": "ministry", "due": day}]}
            message, field = (
                attempt_on(context, "OpenBatch", body, MINISTRY),
                "body.deadlines.0.due",
            )
        elif context == "review":
            message, field = valid(context), "body.announced_on"
            message["body"]["announced_on"] = day
        else:
            message, field = valid(context), "body.deadlines.1.due"
            message["body"]["deadlines"][1]["due"] = day
        return Poison(subject_of(context, message), encoded(message), field, None, "2000 to 2100")

    return make


def several_mib(context: Context) -> Poison:
    message = valid(context)
    message["body"]["name" if context != "evaluation" else "round_id"] = "x" * (3 * 1024 * 1024)
    return Poison(subject_of(context, message), encoded(message), "(message)", "P-LIMITS",
                  "larger than")  # fmt: skip


def not_json(context: Context) -> Poison:
    message = valid(context)
    return Poison(subject_of(context, message), b"\xff\xfe<attempt/>{", "(message)", None, "")


def duplicate_keys(context: Context) -> Poison:
    message = valid(context)
    text = json.dumps(message, ensure_ascii=False)
    data = (text[:-1] + f', "actor": "{message["actor"]}:again"}}').encode()
    return Poison(subject_of(context, message), data, "(message)", None, "duplicate key 'actor'")


def not_an_integer(literal: str, kind: str) -> Callable[[Context], Poison]:
    """An integer field given ``literal``: a batch's number, a title's batch, a round's year."""

    def make(context: Context) -> Poison:
        if context == "submission":
            message = attempt_on(context, "OpenBatch", dict(BATCH), MINISTRY)
            path: tuple[str | int, ...] = ("body", "number")
        else:
            message, path = valid(context), NUMBER_AT[context]
        data = raw_json(message, path, literal)
        field = ".".join(str(part) for part in path)
        return Poison(subject_of(context, message), data, field, None, f"not {kind}")

    return make


KINDS: dict[str, Callable[[Context], Poison]] = {
    "subject-extra-token": extra_token,
    "subject-unknown-province": unknown_province,
    "json-10000-deep": nested_10000_deep,
    "decimal-1e-999999": number("1e-999999", "too large or too small"),
    "decimal-1e999999": number("1e999999", "too large or too small"),
    "NaN": number("NaN", "not finite"),
    "number-literal-60-digits": number("1" * 60, "too long"),
    "issued-in-year-1": issued_in(1),
    "issued-in-year-9999": issued_in(9999),
    "date-in-year-1": dated_in(1),
    "date-in-year-9999": dated_in(9999),
    "field-of-3-MiB": several_mib,
    "not-json": not_json,
    "duplicate-keys": duplicate_keys,
    "int-given-1.0": not_an_integer("1.0", "float"),
    "int-given-string": not_an_integer('"1"', "str"),
    "int-given-true": not_an_integer("true", "bool"),
}


# --- the platform ----------------------------------------------------------------------------


def inbox_of(province: str) -> str:
    """An inbox under the sender's own prefix (``_INBOX.p<code>`` for a province)."""
    prefix = "_INBOX" if province == MINISTRY else f"_INBOX.p{province}"
    return f"{prefix}.{uuid4().hex}"


@dataclass
class Platform:
    url: str
    settings: Settings
    nc: Client
    runtimes: dict[str, ServiceRuntime]
    tasks: dict[str, asyncio.Task[None]]
    heard: list[AttemptRefused]
    """Every dead letter published on ``deadletter.v1.>`` while the platform ran."""

    async def poison(self, poison: Poison, timeout: float = 10) -> AttemptRefused:
        """Publish ``poison`` raw; its refusal, heard on REFUSALS and on the reply inbox."""
        inbox = inbox_of(poison.sender)
        replies = await self.nc.subscribe(inbox, max_msgs=1)
        ack = await self.nc.jetstream().publish(
            poison.subject, poison.data, stream=INTAKE_STREAM,
            headers={REPLY_HEADER: inbox, "Nats-Msg-Id": str(uuid4())},
        )  # fmt: skip
        heard = lambda: self.refusal_of(ack.seq, poison.subject)  # noqa: E731
        notice = await wait_until(heard, timeout=timeout)
        reply: Msg = await replies.next_msg(timeout=timeout)
        assert IntakeDecision.model_validate_json(reply.data) == notice.decision
        return notice  # type: ignore[no-any-return]

    def refusal_of(self, sequence: int, subject: str) -> AttemptRefused | None:
        for notice in self.heard:
            if notice.intake_sequence == sequence and notice.intake_subject == subject:
                return notice
        return None

    async def decide(
        self, context: Context, message: dict[str, Any]
    ) -> tuple[IntakeDecision, float]:
        """Send a valid attempt; its decision and how long it took, in seconds."""
        started = time.monotonic()
        decision = await send_command(self.url, context, message, timeout=10)
        return decision, time.monotonic() - started

    async def assert_running(self) -> None:
        """Every service's task still runs and its status subject answers."""
        for name, task in self.tasks.items():
            assert not task.done(), f"{name} stopped: {_outcome(task)}"
        for name in SERVICES:
            reply = await self.nc.request(status_subject(name), b"", timeout=5)
            assert json.loads(reply.data)["service"] == name


def _outcome(task: asyncio.Task[None]) -> str:
    if task.cancelled():
        return "cancelled"
    return repr(task.exception())


def decided_by_rule(decision: IntakeDecision) -> bool:
    """Accepted, or refused by a business rule (never for its form)."""
    if decision.accepted:
        return True
    rules = [problem.rule_id or "" for problem in decision.problems]
    return bool(rules) and all(rule.startswith("R-") for rule in rules)


def names(decision: IntakeDecision, poison: Poison) -> bool:
    """The refusal names the poison's field, rule and reason."""
    return not decision.accepted and any(
        p.field == poison.field and p.rule_id == poison.rule_id and poison.says in p.reason
        for p in decision.problems
    )


@contextlib.asynccontextmanager
async def serving(
    runtimes: dict[str, ServiceRuntime],
) -> AsyncIterator[dict[str, asyncio.Task[None]]]:
    """Run the services, each as its own task, until the block ends (``tests.support.running``,
    with the tasks in hand)."""
    stop = asyncio.Event()
    tasks = {name: asyncio.create_task(r.run(stop)) for name, r in runtimes.items()}
    try:
        await wait_until(
            lambda: (
                all(r.consumers for r in runtimes.values()) or any(t.done() for t in tasks.values())
            ),
            timeout=10,
        )
        yield tasks
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks.values(), return_exceptions=True), timeout=15)


@pytest.fixture
async def platform(nats_server: EmbeddedNats, sqlite_settings: Settings) -> AsyncIterator[Platform]:
    """The three deciding services and the registry on one server, the sample zone catalogue
    loaded and each context's clock on its business day."""
    url = nats_server.url
    settings = sqlite_settings.model_copy(update={"nats_url": url})
    runtimes = {
        "submission": build_submission(settings), "review": build_review(settings),
        "evaluation": build_evaluation(settings), "registry": registry_runtime(settings, url),
    }  # fmt: skip
    nc = await connect(url, "poisoner")
    await ensure_streams(nc.jetstream())
    heard: list[AttemptRefused] = []

    async def hear(message: Msg) -> None:
        heard.append(AttemptRefused.model_validate_json(message.data))

    await nc.subscribe(REFUSALS_SUBJECTS, cb=hear)
    try:
        async with serving(runtimes) as tasks:
            await load_catalogue(url)
            for context in DECIDING:
                assert (await set_clock(url, context, at(DAY[context]))).accepted
            yield Platform(url, settings, nc, runtimes, tasks, heard)
    finally:
        await nc.drain()


# --- the intake ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(KINDS))
async def test_p_limits_p_strict_a_poison_on_each_intake_is_refused_and_the_next_attempt_decided(
    platform: Platform, kind: str
) -> None:
    """P-LIMITS, P-STRICT (issue 12): on each deciding service's intake in turn, the poison is
    refused by field and rule (reply and REFUSALS), the valid attempt after it is decided within
    a second, and every service still runs."""
    for index, context in enumerate(DECIDING):
        poison = KINDS[kind](context)
        notice = await platform.poison(poison)
        assert notice.service == context, notice
        assert names(notice.decision, poison), (context, notice.decision.problems)
        decision, took = await platform.decide(context, valid(context, index))
        assert decided_by_rule(decision), (context, decision)
        assert took < DECIDED_WITHIN, f"{context} decided the next attempt in {took:.2f} s"
        await platform.assert_running()


@pytest.mark.parametrize(
    ("command", "body", "field", "says"),
    [
        ("ReviewByCity", {"application_id": "NIID-430000-000000000001", "city": "长沙市",
                          "rank": 1.0}, "body.rank", "not float"),
        ("ReviewByCity", {"application_id": "NIID-430000-000000000001", "city": "长沙市",
                          "rank": "1"}, "body.rank", "not str"),
        ("ReviewByCity", {"application_id": "NIID-430000-000000000001", "city": "长沙市",
                          "rank": True}, "body.rank", "not bool"),
        ("SubmitApplication", park_application(name="\ud800"), "body.name", "unicode string"),
        ("SubmitApplication", {**park_application(), "programme": ["NIID"]}, "body.programme",
         "'NIID' or 'EIDB'"),
        ("SubmitApplication", {**park_application(), "extra": 1}, "body.extra", "Extra inputs"),
        ("LoadZoneCatalogue", {"edition": "sample", "csv_text": "x" * (3 * 1024 * 1024)},
         "body.csv_text", "2000000"),
    ],
    ids=["rank-1.0", "rank-string", "rank-true", "lone-surrogate", "list-for-text",
         "unknown-field", "catalogue-of-3-MiB"],
)  # fmt: skip
async def test_p_strict_a_command_breaking_its_contract_is_refused_by_field(
    platform: Platform, command: str, body: dict[str, Any], field: str, says: str
) -> None:
    """P-STRICT: a rank of ``1.0``, ``"1"`` or ``true``, a name that is no text, a list for a
    programme, a field the contract does not know, a zone catalogue beyond its 2,000,000
    characters (within its 8 MiB size): each refused naming the field; Hunan's next application
    is decided within a second."""
    province = MINISTRY if command == "LoadZoneCatalogue" else HUNAN
    message = attempt_on("submission", command, body, province)
    poison = Poison(subject_of("submission", message), encoded(message), field, None, says)
    notice = await platform.poison(poison)
    assert names(notice.decision, poison), notice.decision.problems
    decision, took = await platform.decide("submission", valid("submission", 1))
    assert decision.accepted, decision
    assert took < DECIDED_WITHIN, f"decided in {took:.2f} s"
    await platform.assert_running()


@pytest.mark.parametrize(
    ("data", "field", "says"),
    [
        (b"", "(message)", "Expecting value"),
        (b"null", "", "valid dictionary"),
        (b"[]", "", "valid dictionary"),
        (b'"SubmitApplication"', "", "valid dictionary"),
        (b"{}", "command_id", "Field required"),
        (b'{"body": []}', "command_id", "Field required"),
    ],
    ids=["empty", "null", "array", "string", "empty-object", "body-array"],
)  # fmt: skip
async def test_p_strict_an_attempt_that_is_no_intake_message_is_refused(
    platform: Platform, data: bytes, field: str, says: str
) -> None:
    """P-STRICT: nothing, ``null``, an array, a string, an object without the fields: refused
    naming what is missing, and the next application decided within a second."""
    subject = intake_subject("submission", HUNAN, "SubmitApplication")
    poison = Poison(subject, data, field, None, says)
    notice = await platform.poison(poison)
    assert names(notice.decision, poison), notice.decision.problems
    decision, took = await platform.decide("submission", valid("submission", 1))
    assert decision.accepted and took < DECIDED_WITHIN, (decision, took)
    await platform.assert_running()


async def test_p_limits_an_attempt_on_an_unknown_context_is_refused(platform: Platform) -> None:
    """P-LIMITS: ``intake.v1.nosuch.…`` is kept by the intake stream (``intake.v1.>``) but read
    by no deciding service; the gatekeeper (in the submission service) refuses it naming the
    subject, and the next application is decided within a second."""
    message = valid("submission")
    poison = Poison("intake.v1.nosuch.430000.SubmitApplication", encoded(message), "(subject)",
                    "P-LIMITS", "its context is not one of the platform's")  # fmt: skip
    notice = await platform.poison(poison)
    assert notice.service == "gatekeeper" and names(notice.decision, poison), notice
    assert notice.decision.problems[0].given == "nosuch"
    decision, took = await platform.decide("submission", valid("submission", 1))
    assert decision.accepted and took < DECIDED_WITHIN, (decision, took)
    await platform.assert_running()


class EmptyPulls:
    """A pull subscription whose every fetch ends with nothing, as nats-py's does when the
    server answers a pull with a status alone (a 408 just before the deadline)."""

    def __init__(self, stop: asyncio.Event, pulls: int) -> None:
        self.stop, self.pulls, self.fetched = stop, pulls, 0

    async def fetch(self, batch: int, timeout: float) -> list[Msg]:
        self.fetched += 1
        if self.fetched == self.pulls:
            self.stop.set()
        return []

    async def unsubscribe(self) -> None:
        return None


async def test_p_limits_the_gatekeeper_goes_on_after_a_pull_that_brings_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No message can stop a service, and no absence of one either: a fetch of the whole
    intake that returns an empty batch ended the gatekeeper with an IndexError
    (``messages[-1].ack()``), and with it the submission service, about every other idle
    second."""
    stop = asyncio.Event()
    pulls = EmptyPulls(stop, pulls=3)
    keeper = Gatekeeper(cast(Client, None), cast(JetStreamContext, None))

    async def subscribe() -> EmptyPulls:
        return pulls

    monkeypatch.setattr(keeper, "_subscribe", subscribe)
    await asyncio.wait_for(keeper.run(stop), timeout=5)
    assert pulls.fetched == 3


# --- the log ---------------------------------------------------------------------------------


def _envelope(payload: Any, subject_id: str) -> dict[str, Any]:
    data = new_envelope(
        payload, event_id=uuid4(), occurred_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
        recorded_at=datetime(2026, 3, 2, 9, 1, tzinfo=UTC), actor="province:430000",
        province=HUNAN, subject_id=subject_id, correlation_id=uuid4(),
    ).to_json()  # fmt: skip
    return json.loads(data)  # type: ignore[no-any-return]


def forged_submission(application: str) -> dict[str, Any]:
    """An ApplicationSubmitted that meets the contract, as JSON, for ``application``."""
    return _envelope(ApplicationSubmitted(
        application_id=application, programme="NIID", category="park", name="假园区",
        applicant="假园区管理委员会", city="长沙市", domain="装备工业", zone="长沙经济技术开发区",
    ), application)  # fmt: skip


def broken_events() -> list[tuple[str, bytes, str]]:
    """For each event type a deciding service reacts to (ApplicationSubmitted: review;
    TitleAwarded: evaluation; ProvinceSuspended: submission), garbage, and an envelope that reads
    well but breaks the contract; with the error the registry names for each."""
    submitted = forged_submission("NIID-430000-000000000077")
    unknown_programme = {**submitted, "payload": {**submitted["payload"], "programme": "NOPE"}}
    not_a_title = {**submitted, "event_type": "TitleAwarded"}
    not_a_suspension = {**submitted, "event_type": "ProvinceSuspended"}
    submitted_on = event_subject("submission", HUNAN, "ApplicationSubmitted")
    awarded_on = event_subject("review", HUNAN, "TitleAwarded")
    suspended_on = event_subject("submission", HUNAN, "ProvinceSuspended")
    return [
        (submitted_on, b'{"event_id": "3f0c', "JSONDecodeError"),
        (submitted_on, json.dumps(unknown_programme).encode(), "ValidationError"),
        (awarded_on, b'{"event_id": "\xff\xfe"}', "UnicodeDecodeError"),
        (awarded_on, json.dumps(not_a_title).encode(), "ValidationError"),
        (suspended_on, b"[[[[", "JSONDecodeError"),
        (suspended_on, json.dumps(not_a_suspension).encode(), "ValidationError"),
    ]


async def publish_events(nc: Client, events: list[tuple[str, bytes, str]]) -> list[int]:
    """Publish raw onto the log, as a holder of the log's publish right could; the sequences."""
    sequences = []
    for subject, data, _ in events:
        ack = await nc.jetstream().publish(subject, data, stream=EVENTS_STREAM,
                                           headers={"Nats-Msg-Id": str(uuid4())})  # fmt: skip
        sequences.append(int(ack.seq))
    return sequences


async def processed(nc: Client, service: str) -> int:
    """The last EVENTS sequence ``service`` has processed, by its status subject."""
    status = json.loads((await nc.request(status_subject(service), b"", timeout=5)).data)
    return max(int(c["processed"]) for c in status["consumers"] if c["stream"] == EVENTS_STREAM)


async def test_malformed_events_on_the_log_are_passed_over_and_quarantined_and_all_goes_on(
    platform: Platform,
) -> None:
    """issue 12 (parts 3 and 4): garbage and contract-breaking events on the subjects that review
    (ApplicationSubmitted), evaluation (TitleAwarded) and submission (ProvinceSuspended) react to:
    each service passes over them, still decides its next attempt within a second, and still
    reacts to the valid events after them; the registry quarantines each with its error and
    applies everything after them."""
    nc = platform.nc
    bad = broken_events()
    sequences = await publish_events(nc, bad)
    for service in ("submission", "review", "evaluation"):
        await wait_until(lambda s=service: _at_least(nc, s, sequences[-1]), timeout=10)  # type: ignore[misc]
    await platform.assert_running()

    decided = {context: await platform.decide(context, valid(context, 1)) for context in DECIDING}
    for context, (decision, took) in decided.items():
        assert decided_by_rule(decision), (context, decision)
        assert took < DECIDED_WITHIN, f"{context} decided its next attempt in {took:.2f} s"
    application = decided["submission"][0].subject_id
    base = decided["review"][0].subject_id
    assert decided["submission"][0].recorded == "ApplicationSubmitted"
    assert decided["review"][0].recorded == "TitleAwarded"

    # The reactions after the poisons: review files the application, evaluation places the new
    # base in its tier (R-TIERS), the registry applies everything.
    await wait_until(lambda: _placed(nc, str(base)), timeout=10)
    js = nc.jetstream()
    filed = (await js.get_last_msg(EVENTS_STREAM, "bases.v1.submission.*.ApplicationSubmitted")).seq
    last = int((await js.stream_info(EVENTS_STREAM)).state.last_seq)
    db = build_registry(platform.settings).db
    await wait_until(lambda: applied(db, EVENTS_STREAM)[0] == last, timeout=10)
    await wait_until(lambda: _at_least(nc, "review", int(filed or 0)), timeout=10)
    await wait_until(lambda: _at_least(nc, "evaluation", last), timeout=10)
    await platform.assert_running()

    rows = {row["sequence"]: row["error_type"] for row in quarantined(db)}
    assert rows == {seq: error for seq, (_, _, error) in zip(sequences, bad, strict=True)}
    entry = find_entry(db, str(application))
    assert entry is not None and entry["status"] == "submitted"
    titled = find_entry(db, str(base))
    assert titled is not None and titled["status"] == "titled"


async def _at_least(nc: Client, service: str, sequence: int) -> bool:
    return await processed(nc, service) >= sequence


async def _placed(nc: Client, base_id: str) -> bool:
    """Whether evaluation has placed ``base_id`` in its tier (a TierChanged on the log)."""
    try:
        found = await nc.jetstream().get_last_msg(
            EVENTS_STREAM, "bases.v1.evaluation.*.TierChanged"
        )
    except NotFoundError:
        return False
    return Envelope.from_json(found.data or b"").subject_id == base_id


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+14:00"])
async def test_p_strict_an_event_dated_outside_the_platforms_years_is_quarantined(
    platform: Platform, when: str
) -> None:
    """P-STRICT (every date and time falls in 2000–2100): an envelope whose ``occurred_at`` is
    out of the years is not an event of the contract; the registry quarantines it naming the
    field, and every service goes on."""
    nc = platform.nc
    forged = {**forged_submission("NIID-430000-000000000078"), "occurred_at": when}
    subject = event_subject("submission", HUNAN, "ApplicationSubmitted")
    [sequence] = await publish_events(nc, [(subject, json.dumps(forged).encode(), "")])
    db = build_registry(platform.settings).db
    await wait_until(lambda: applied(db, EVENTS_STREAM)[0] >= sequence, timeout=10)
    await wait_until(lambda: _at_least(nc, "review", sequence), timeout=10)
    decision, took = await platform.decide("submission", valid("submission", 1))
    assert decision.accepted and took < DECIDED_WITHIN, (decision, took)
    await platform.assert_running()
    [row] = quarantined(db)
    assert (row["sequence"], row["error_type"]) == (sequence, "ValidationError")
    assert "occurred_at" in row["reason"]
