"""Every command × every role, allowed or refused as its authority says (P-AUTHORITY, issue 12).

Over a real nats-server started with the production accounts of ``deploy/`` (single.conf and
accounts.conf, dev passwords), the three deciding services run as the ministry; each attempt is
sent with the credentials of the one who makes it: the ministry and its experts on ``000000``,
Hunan's province, its cities and its public through Hunan's own user ``p430000``. The role comes
from the subject's province token and the actor (``shared/contract/authority.py``), and the
shared handler refuses before any service decides: one problem, rule P-AUTHORITY, naming what the
command requires and who sent it. One platform start serves the whole module.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from demobase.client import intake_message, send_command
from services.evaluation.bootstrap import build as build_evaluation
from services.evaluation.domain.base import Base
from services.review.bootstrap import build as build_review
from services.submission.bootstrap import build as build_submission
from shared.bus.connection import Credentials
from shared.config import Settings
from shared.contract.authority import ROLES, RULE, Role, sender_of
from shared.contract.commands import COMMAND_TYPES, IntakeDecision
from shared.contract.nested import validate_nested
from shared.contract.provinces import MINISTRY
from shared.contract.subjects import CONTEXTS, Context
from tests.integration.test_deploy_configs import (
    SINGLE,
    free_ports,
    generator,
    loopback_ports,
    node_from,
)
from tests.support import park_application, running, sample_catalogue_body, wait_until
from tests.unit.test_evaluation_support import figures, round_body

pytestmark = pytest.mark.e2e
in_module_loop = pytest.mark.asyncio(loop_scope="module")
"""The loop of the module's one platform (its fixture's), for every test over it."""

HUNAN, GUANGDONG = "430000", "440000"
NO_APPLICATION, NO_BASE = "no-such-application", "no-such-base"
NO_BATCH, NO_PUBLICITY, NO_ROUND = "no-such-batch", "no-such-publicity", "NO-SUCH-ROUND"
DOCUMENT = {"title": "矩阵测试文件"}
WORDS = "权限矩阵测试"


@dataclass(frozen=True)
class Who:
    """One sender: the user of accounts.conf it connects as, its subject token, its actor."""

    user: str
    account: str
    actor: str

    @property
    def inbox_prefix(self) -> str | None:
        return None if self.account == MINISTRY else f"_INBOX.{self.user}"


SENDERS: dict[Role, Who] = {
    "ministry": Who("ministry", MINISTRY, "ministry"),
    "expert": Who("ministry", MINISTRY, "expert:E1"),
    "province": Who(f"p{HUNAN}", HUNAN, f"province:{HUNAN}"),
    "city": Who(f"p{HUNAN}", HUNAN, "city:长沙市"),
    "public": Who(f"p{HUNAN}", HUNAN, "public"),
}
GUANGDONG_PROVINCE = Who(f"p{GUANGDONG}", GUANGDONG, f"province:{GUANGDONG}")
GUANGDONG_CITY = Who(f"p{GUANGDONG}", GUANGDONG, "city:广州市")

IMPORTED_TITLE: dict[str, Any] = {
    "programme": "NIID", "batch_number": 8, "province": HUNAN, "name": "权限矩阵园区",
    "showcase": "装备制造(工程机械)", "announced_on": "2018-02-24",
    "announcement": {"title": "第八批国家新型工业化产业示范基地名单"},
}  # fmt: skip
"""Imported once to give Hunan a base; the matrix's own ImportTitle repeats it (idempotent)."""

BODIES: dict[str, dict[str, Any]] = {
    # submission
    "SubmitApplication": {
        "programme": "NIID", "category": "park", "name": "权限矩阵园区",
        "applicant": "权限矩阵园区管委会", "domain": "装备工业",
    },
    "OpenBatch": {
        "batch_id": "MATRIX-1", "programme": "NIID", "number": 99, "title": WORDS,
        "notice": DOCUMENT, "domains": ["装备工业"], "categories": ["park"],
        "deadlines": [{"level": "ministry", "due": "2099-12-31"}],
    },
    "ForwardBatch": {"batch_id": NO_BATCH, "notice": DOCUMENT, "city_review": False},
    "ReviewByCity": {"application_id": NO_APPLICATION, "city": "长沙市", "rank": 1},
    "RecommendApplication": {"application_id": NO_APPLICATION, "recommendation": DOCUMENT},
    "RejectApplication": {"application_id": NO_APPLICATION, "stage": "province",
                          "reasons": [WORDS]},
    "DisqualifyApplication": {"application_id": NO_APPLICATION, "stage": "province",
                              "finding": WORDS, "evidence": [DOCUMENT]},
    "AllowSecondDomain": {"batch_id": NO_BATCH, "province": HUNAN, "category": "park",
                          "name": "权限矩阵园区", "domain": "软件", "reasoning": WORDS},
    "LoadZoneCatalogue": sample_catalogue_body(),
    # review
    "FormPanel": {"application_id": NO_APPLICATION, "experts": [
        {"expert_id": "E1", "name": "专家甲", "province": "110000", "organisation": "某大学"},
    ]},
    "ScoreApplication": {"application_id": NO_APPLICATION, "expert_id": "E1",
                         "sections": {"发展基础": "10"}},
    "RecordSiteVisit": {"application_id": NO_APPLICATION, "visited_on": "2026-05-01"},
    "DecideProposedList": {"batch_id": NO_BATCH, "propose": 1},
    "OpenPublicity": {"batch_id": NO_BATCH},
    "FileObjection": {"publicity_id": NO_PUBLICITY, "application_id": NO_APPLICATION,
                      "source": "public", "grounds": WORDS},
    "ResolveObjection": {"publicity_id": NO_PUBLICITY, "objection_id": "no-such-objection",
                         "outcome": "dismissed", "reasoning": WORDS},
    "RecordConsultation": {"publicity_id": NO_PUBLICITY, "ministry": "商务部",
                           "opinion": "no_objection"},
    "DisqualifyCandidate": {"application_id": NO_APPLICATION, "finding": WORDS,
                            "evidence": [DOCUMENT]},
    "ClosePublicity": {"publicity_id": NO_PUBLICITY},
    "AcceptCreation": {"base_id": NO_BASE, "accepted": True, "report": DOCUMENT},
    "ImportTitle": IMPORTED_TITLE,
    # evaluation
    "OpenEvaluationRound": round_body(2098),
    "FileAnnualMaterials": {
        "round_id": NO_ROUND, "base_id": NO_BASE, "report_form": figures(1),
        "development_report": {"sections": [{"heading": "发展概况", "text": WORDS}]},
    },
    "ReviewAnnualMaterials": {"round_id": NO_ROUND, "base_id": NO_BASE, "outcome": "forward"},
    "RateRound": {"round_id": NO_ROUND, "notice": DOCUMENT, "five_star_notice": DOCUMENT},
    "ReportIncident": {"base_id": NO_BASE, "incident_id": "no-such-incident",
                       "kind": "other_serious", "happened_on": "2026-01-02",
                       "description": WORDS},
    "RecordInspectionFinding": {"base_id": NO_BASE, "finding_id": "no-such-finding",
                                "inspection": "中央生态环境保护督察", "area": "生态环保",
                                "description": WORDS, "rectify_by": "2099-12-31"},
    "ConfirmRectification": {"base_id": NO_BASE, "finding_id": "no-such-finding",
                             "rectified_on": "2026-06-01", "evidence": [DOCUMENT]},
    "CheckRectificationDeadlines": {},
    "ReportFraud": {"base_id": NO_BASE, "description": WORDS, "evidence": [DOCUMENT]},
    "RequestRename": {"base_id": NO_BASE, "new_title": WORDS, "cause": "开发区名称变更",
                      "leading_industry_changed": False, "boundaries_changed": False,
                      "request": DOCUMENT},
    "DecideRename": {"base_id": NO_BASE, "approved": False, "decision": DOCUMENT,
                     "reason": WORDS},
    "ChangeTier": {"base_id": NO_BASE, "to_tier": "卓越提升计划", "reason": WORDS},
    "FileActionPlan": {"base_id": NO_BASE, "first_year": 2026, "plan": DOCUMENT},
    # the platform
    "SetPlatformClock": {"to": "2026-12-01T09:00:00+00:00", "reason": WORDS},
}  # fmt: skip
"""A minimal schema-valid body of every command, its targets unknown so nothing real happens."""


def body_for(command_type: str, role: Role) -> dict[str, Any]:
    """The table's body, its ``stage`` the sender's own where the stage is the role's."""
    if command_type not in BODIES:
        pytest.fail(f"{command_type} has no body in BODIES: add a minimal valid one")
    body = dict(BODIES[command_type])
    if COMMAND_TYPES[command_type].authority.stage_is_role and role in ("city", "province"):
        body["stage"] = role
    return body


def contexts_of(command_type: str) -> tuple[Context, ...]:
    """Where the command is sent: its context, or every deciding one (``every_context``)."""
    klass = COMMAND_TYPES[command_type]
    return CONTEXTS if klass.every_context else (klass.context,)


@dataclass(frozen=True)
class Platform:
    """The running platform, Hunan's real application and base, and how to send as anyone."""

    url: str
    passwords: dict[str, str]
    application_id: str
    base_id: str

    def credentials(self, who: Who) -> Credentials:
        variable = generator().password_variable(who.user)
        return Credentials(who.user, self.passwords[variable], who.inbox_prefix)

    async def send(self, who: Who, command_type: str, body: dict[str, Any],
                   context: Context | None = None) -> IntakeDecision:  # fmt: skip
        message = intake_message(command_type, body, who.account, who.actor, datetime.now(UTC))
        return await send_command(self.url, context or COMMAND_TYPES[command_type].context,
                                  message, credentials=self.credentials(who))  # fmt: skip


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def platform(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Platform]:
    """single.conf with its accounts; submission, review and evaluation as the ministry; Hunan
    given one application (submission) and one base (an imported title, enrolled by evaluation)."""
    root: Path = tmp_path_factory.mktemp("authority")
    node = node_from(SINGLE, root, free_ports(loopback_ports(SINGLE.read_text())), root / "store")
    node.start()
    try:
        await wait_until(node.healthy, timeout=20)
        passwords = dict(generator().dev_environment())
        ministry_password = passwords[generator().password_variable("ministry")]
        settings = Settings(
            var_dir=root / "var", persistence_module="eventsourcing.sqlite", nats_url=node.url,
            nats_user="ministry", nats_password=ministry_password,
        )  # fmt: skip
        runtimes = (build_submission(settings), build_review(settings), build_evaluation(settings))
        async with running(*runtimes):
            setup = Platform(node.url, passwords, "", "")
            ministry, hunan = SENDERS["ministry"], SENDERS["province"]
            catalogue = await setup.send(ministry, "LoadZoneCatalogue", sample_catalogue_body())
            assert catalogue.accepted, catalogue
            applied = await setup.send(hunan, "SubmitApplication", park_application())
            assert applied.accepted and applied.subject_id, applied
            imported = await setup.send(ministry, "ImportTitle", IMPORTED_TITLE)
            assert imported.accepted and imported.subject_id, imported
            evaluation = runtimes[2].app
            assert evaluation is not None
            base_id = str(imported.subject_id)
            await wait_until(lambda: evaluation.find(Base.create_id(base_id)), timeout=20)
            yield Platform(node.url, passwords, str(applied.subject_id), base_id)
    finally:
        node.stop()


def rules(decision: IntakeDecision) -> list[str | None]:
    return [problem.rule_id for problem in decision.problems]


def refused_for_authority(decision: IntakeDecision) -> bool:
    return not decision.accepted and RULE in rules(decision)


# --- the table ---------------------------------------------------------------------------------


def test_every_command_of_the_contract_has_a_valid_body_in_the_table() -> None:
    """P-AUTHORITY: a command added to COMMAND_TYPES without a case here fails this test; every
    body of the table passes the command's schema for every role (else the matrix tests the
    schema, not the authority)."""
    assert sorted(BODIES) == sorted(COMMAND_TYPES)
    for command_type, klass in COMMAND_TYPES.items():
        for role in ROLES:
            validate_nested("body", klass, body_for(command_type, role))


# --- the matrix --------------------------------------------------------------------------------

CASES = [(command_type, role) for command_type in COMMAND_TYPES for role in ROLES]


@in_module_loop
@pytest.mark.parametrize(("command_type", "role"), CASES, ids=[f"{c}-{r}" for c, r in CASES])
async def test_p_authority_each_command_is_allowed_or_refused_for_each_role(
    platform: Platform, command_type: str, role: Role
) -> None:
    """P-AUTHORITY: a role of ``authority.roles`` gets past the check (its attempt may still be
    refused by a rule, e.g. R-PROCEDURE for an unknown id); any other role is refused with one
    problem, rule P-AUTHORITY, requiring ``authority.describe()`` and naming the sender."""
    authority = COMMAND_TYPES[command_type].authority
    who = SENDERS[role]
    body = body_for(command_type, role)
    for context in contexts_of(command_type):
        decision = await platform.send(who, command_type, body, context)
        if role in authority.roles:
            assert RULE not in rules(decision), (context, decision)
        else:
            assert not decision.accepted and decision.recorded is None, (context, decision)
            assert len(decision.problems) == 1, (context, decision)
            (problem,) = decision.problems
            assert problem.rule_id == RULE and problem.field == "actor", (context, problem)
            assert problem.required == authority.describe()
            assert problem.given == str(sender_of(who.account, who.actor))
            assert f"{role} (account {who.account}" in problem.given


# --- what ties a sender to its target ------------------------------------------------------------


@in_module_loop
async def test_p_authority_a_province_may_not_act_on_another_province_s_application(
    platform: Platform,
) -> None:
    """P-AUTHORITY: Guangdong, as a province or as one of its cities, is refused on Hunan's
    application, the refusal naming the owner; Hunan itself gets past the check."""
    target = platform.application_id
    recommend = {"application_id": target, "recommendation": DOCUMENT}
    review = {"application_id": target, "city": "广州市", "rank": 1}
    for who, command_type, body in (
        (GUANGDONG_PROVINCE, "RecommendApplication", recommend),
        (GUANGDONG_PROVINCE, "RejectApplication",
         {"application_id": target, "stage": "province", "reasons": [WORDS]}),
        (GUANGDONG_CITY, "ReviewByCity", review),
        (GUANGDONG_CITY, "RejectApplication",
         {"application_id": target, "stage": "city", "reasons": [WORDS]}),
    ):  # fmt: skip
        decision = await platform.send(who, command_type, body)
        assert not decision.accepted and len(decision.problems) == 1, (command_type, decision)
        (problem,) = decision.problems
        assert (problem.rule_id, problem.field) == (RULE, "application_id"), problem
        assert problem.required == f"a target of province {GUANGDONG}"
        assert problem.given == f"{target} of province {HUNAN}"
        assert "湖南" in problem.reason, problem
    own = await platform.send(SENDERS["province"], "RecommendApplication", recommend)
    assert RULE not in rules(own), own


@in_module_loop
async def test_p_authority_a_province_may_not_act_on_another_province_s_base(
    platform: Platform,
) -> None:
    """P-AUTHORITY: Guangdong is refused on Hunan's base, the refusal naming the owner; the
    ministry and Hunan get past the check."""
    target = platform.base_id
    plan = {"base_id": target, "first_year": 2026, "plan": DOCUMENT}
    incident = {**BODIES["ReportIncident"], "base_id": target}
    for command_type, body in (("FileActionPlan", plan), ("ReportIncident", incident)):
        decision = await platform.send(GUANGDONG_PROVINCE, command_type, body)
        assert not decision.accepted and len(decision.problems) == 1, (command_type, decision)
        (problem,) = decision.problems
        assert (problem.rule_id, problem.field) == (RULE, "base_id"), problem
        assert problem.required == f"a target of province {GUANGDONG}"
        assert problem.given == f"{target} of province {HUNAN}"
    own = await platform.send(SENDERS["province"], "FileActionPlan", plan)
    assert RULE not in rules(own), own
    by_ministry = await platform.send(SENDERS["ministry"], "ReportIncident", incident)
    assert RULE not in rules(by_ministry), by_ministry


@in_module_loop
async def test_p_authority_a_city_and_a_province_take_only_their_own_stage(
    platform: Platform,
) -> None:
    """P-AUTHORITY: Hunan's account as a city sending the province's stage, or as the province
    sending the city's, is refused on ``stage`` even for its own application."""
    target = platform.application_id
    for command_type, extra in (
        ("RejectApplication", {"reasons": [WORDS]}),
        ("DisqualifyApplication", {"finding": WORDS, "evidence": [DOCUMENT]}),
    ):
        stages: tuple[tuple[Role, str], ...] = (("city", "province"), ("province", "city"))
        for role, stage in stages:
            body = {"application_id": target, "stage": stage, **extra}
            decision = await platform.send(SENDERS[role], command_type, body)
            assert not decision.accepted and len(decision.problems) == 1, decision
            (problem,) = decision.problems
            assert (problem.rule_id, problem.field) == (RULE, "stage"), problem
            assert (problem.required, problem.given) == (f"stage {role!r}", repr(stage))


@in_module_loop
async def test_p_authority_an_expert_sends_only_their_own_scores(platform: Platform) -> None:
    """P-AUTHORITY: expert E1 sending scores in E2's name is refused on ``expert_id``."""
    body = {**BODIES["ScoreApplication"], "expert_id": "E2"}
    decision = await platform.send(SENDERS["expert"], "ScoreApplication", body)
    assert not decision.accepted and len(decision.problems) == 1, decision
    (problem,) = decision.problems
    assert (problem.rule_id, problem.field, problem.given) == (RULE, "expert_id", "'E2'")


@in_module_loop
async def test_p_authority_a_province_that_says_it_is_the_ministry_is_still_a_province(
    platform: Platform,
) -> None:
    """P-AUTHORITY: the actor only narrows what the account may do; ``ministry`` on Hunan's
    account is Hunan's province, refused a ministry-only command."""
    who = Who(f"p{HUNAN}", HUNAN, "ministry")
    decision = await platform.send(who, "OpenBatch", BODIES["OpenBatch"])
    assert not decision.accepted and rules(decision) == [RULE], decision
    assert decision.problems[0].given == str(sender_of(HUNAN, "ministry"))
    assert decision.problems[0].given.startswith("province (account 430000")
