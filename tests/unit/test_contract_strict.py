"""P-STRICT: the whole contract, walked field by field, takes exact types and bounded values only.

Every command body and every event payload (found through ``COMMAND_TYPES`` and ``EVENT_TYPES``),
with the value objects nested in them, is walked from a valid sample: an integer takes only a JSON
integer, a boolean only a JSON boolean, a string at most its ``max_length`` characters, a decimal
only a finite one within its digits, a date only one of the platform's years. Each refusal names
the field the sender wrote. A field added without a bound fails
:func:`test_every_string_list_and_mapping_of_the_contract_has_a_bound_P_STRICT`.
"""

from __future__ import annotations

import copy
import json
import types
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from uuid import UUID, uuid4

import pytest
from annotated_types import MaxLen
from pydantic import AwareDatetime, BaseModel, ValidationError
from pydantic.fields import FieldInfo

import shared.contract.events  # noqa: F401  (registers every event type)
from shared.contract.commands import (
    COMMAND_TYPES,
    AttemptRefused,
    CommandBody,
    IntakeDecision,
    IntakeMessage,
)
from shared.contract.envelope import EVENT_TYPES, Envelope, EventPayload
from shared.contract.events_common import FIRST_YEAR, LAST_YEAR
from tests.unit.test_contract import SAMPLES

pytestmark = pytest.mark.unit

Path = tuple[str | int, ...]
FIRST = "<first>"
"""A step into a mapping's value: its first key in the sample (``x`` when it has none)."""

NOTICE = {"title": "关于开展第一批国家新兴产业发展示范基地创建遴选工作的通知"}
DOCUMENT = {
    "title": "推荐文件",
    "number": "粤工信园区函〔2026〕1号",
    "sha256": "0" * 64,
    "url": "https://gxt.gd.gov.cn/recommendation.pdf",
}
DEADLINE = {"level": "province", "due": "2026-04-04", "province": "350000", "postmark_counts": True}
FIGURES = {
    "sales_revenue": "3200.5",
    "value_added_growth": "8.2",
    "leading_industry_share": "62.0",
    "output_per_land": "1500",
    "rd_intensity": "3.1",
    "invention_patents": "4.2",
    "digital_tools_share": "85",
    "energy_intensity": "0.35",
}
WEIGHTS = {
    "quantitative": "0.4",
    "qualitative": "0.3",
    "innovation": "0.1",
    "green": "0.1",
    "digital": "0.1",
    "indicators": {"sales_revenue": "2", "rd_intensity": "1"},
}
EXCLUSION = {
    "base_id": "BASE-9",
    "title": "国家新型工业化产业示范基地（装备制造·某某开发区）",
    "province": "430000",
    "reason": "revoked",
    "detail": "revoked for fraud in 2024",
}

COMMAND_SAMPLES: dict[str, dict[str, Any]] = {
    "SubmitApplication": {
        "programme": "EIDB", "category": "enterprise", "name": "某某智能机器人有限公司",
        "applicant": "某某智能机器人有限公司", "city": "广州", "domain": "智能机器人",
        "uscc": "91440101MA59XXXX0X", "zone": "广州开发区", "batch_id": "EIDB-2026-1",
        "form": {"revenue": {"2023": 1.0}},
    },
    "OpenBatch": {
        "batch_id": "EIDB-2026-1", "programme": "EIDB", "number": 1,
        "title": "第一批国家新兴产业发展示范基地创建遴选", "notice": DOCUMENT,
        "domains": ["人工智能", "软件"], "categories": ["park", "enterprise"],
        "deadlines": [DEADLINE], "suspended_provinces": ["430000"],
        "conditions": {
            "verified": True, "source": "工信部规〔2025〕250号 考评指标",
            "park": {"smart_factory_share_pct": "20.5"}, "enterprise": {"revenue_average": "10"},
            "weights": {"patents": {"有效发明专利": "1", "中国专利奖金奖": "3"}},
        },
    },
    "ForwardBatch": {
        "batch_id": "EIDB-2026-1", "notice": NOTICE, "city_review": True, "deadlines": [DEADLINE],
        "quotas": [{"city": "福州", "category": "park", "minimum": 1, "maximum": 2}],
    },
    "ReviewByCity": {
        "application_id": "APP-1", "city": "福州", "rank": 1, "summary_table": DOCUMENT,
    },
    "RecommendApplication": {
        "application_id": "APP-1", "recommendation": DOCUMENT, "preliminary_score": "86.50",
        "priority": ["革命老区"],
    },
    "RejectApplication": {
        "application_id": "APP-1", "stage": "city", "reasons": ["materials incomplete"],
    },
    "DisqualifyApplication": {
        "application_id": "APP-1", "stage": "province", "finding": "营业收入数据与统计部门不符",
        "evidence": [DOCUMENT],
    },
    "AllowSecondDomain": {
        "batch_id": "EIDB-2026-1", "province": "350000", "category": "enterprise",
        "name": "福州新型储能装备有限公司", "uscc": "91350100MA2XN0QJ14", "domain": "软件",
        "reasoning": "经部审定允许增报一个领域", "decision": DOCUMENT,
    },
    "LoadZoneCatalogue": {"edition": "2018年版", "csv_text": "name,province_code,level\n"},
    "OpenEvaluationRound": {
        "round_id": "NIID-EVAL-2025", "programme": "NIID", "evaluation_year": 2025,
        "notice": NOTICE, "deadlines": [{"level": "ministry", "due": "2026-03-31"}],
        "non_filer_rule": "one_star",
        "star_mapping": {"method": "cut_offs", "five": "90", "four": "80", "three": "70",
                         "two": "60"},
        "weights": WEIGHTS,
    },
    "FileAnnualMaterials": {
        "round_id": "NIID-EVAL-2025", "base_id": "BASE-1", "report_form": FIGURES,
        "development_report": {"sections": [{"heading": "发展概况", "text": "稳步发展"}]},
    },
    "ReviewAnnualMaterials": {
        "round_id": "NIID-EVAL-2025", "base_id": "BASE-1", "outcome": "return",
        "reasons": ["研发投入强度与统计数据不符"],
    },
    "RateRound": {
        "round_id": "NIID-EVAL-2025", "notice": NOTICE, "five_star_notice": NOTICE,
        "assessments": [{
            "base_id": "BASE-1", "qualitative": "80", "innovation": "75.5", "green": "90",
            "digital": "60", "statistics": FIGURES,
        }],
    },
    "ReportIncident": {
        "base_id": "BASE-5", "incident_id": "INC-1", "kind": "environmental", "grade": "Ⅱ级",
        "happened_on": "2025-08-02", "description": "river pollution", "evidence": [DOCUMENT],
    },
    "RecordInspectionFinding": {
        "base_id": "BASE-6", "finding_id": "FND-1", "inspection": "中央生态环境保护督察",
        "area": "生态环保", "description": "untreated waste water", "rectify_by": "2025-12-31",
        "evidence": [DOCUMENT],
    },
    "ConfirmRectification": {
        "base_id": "BASE-6", "finding_id": "FND-1", "rectified_on": "2025-11-30",
        "evidence": [DOCUMENT],
    },
    "CheckRectificationDeadlines": {"effective_on": "2026-01-01"},
    "ReportFraud": {
        "base_id": "BASE-8", "description": "falsified revenue figures", "evidence": [DOCUMENT],
    },
    "RequestRename": {
        "base_id": "BASE-7",
        "new_title": "国家新型工业化产业示范基地（装备制造·某某经济技术开发区）",
        "cause": "开发区名称变更", "leading_industry_changed": False, "boundaries_changed": False,
        "request": DOCUMENT,
    },
    "DecideRename": {
        "base_id": "BASE-7", "approved": False, "decision": DOCUMENT, "reason": "四至范围 changed",
    },
    "ChangeTier": {
        "base_id": "BASE-1", "to_tier": "卓越提升计划", "reason": "five stars three years running",
        "decision": DOCUMENT,
    },
    "FileActionPlan": {"base_id": "BASE-1", "first_year": 2026, "plan": DOCUMENT},
    "FormPanel": {
        "application_id": "APP-1",
        "experts": [{"expert_id": "EXP-1", "name": "张三", "province": "110000",
                     "organisation": "某某大学"}],
    },
    "ScoreApplication": {
        "application_id": "APP-1", "expert_id": "EXP-1", "sections": {"发展基础": "25.5"},
    },
    "RecordSiteVisit": {
        "application_id": "APP-1", "visited_on": "2026-05-20", "experts": ["EXP-1"],
        "findings": "as described",
    },
    "DecideProposedList": {"batch_id": "EIDB-2026-1", "propose": 10, "cut_off": "60"},
    "OpenPublicity": {"batch_id": "EIDB-2026-1", "notice": DOCUMENT},
    "FileObjection": {
        "publicity_id": "PUB-EIDB-2026-1", "application_id": "APP-1", "source": "public",
        "grounds": "revenue figures differ", "evidence": [DOCUMENT],
    },
    "ResolveObjection": {
        "publicity_id": "PUB-EIDB-2026-1", "objection_id": "OBJ-1", "outcome": "dismissed",
        "reasoning": "the statistical bureau confirmed the figures",
    },
    "RecordConsultation": {
        "publicity_id": "PUB-EIDB-2026-1", "ministry": "商务部", "opinion": "objection",
        "remarks": "export figures disputed", "objected": ["APP-1"],
    },
    "DisqualifyCandidate": {
        "application_id": "APP-1", "finding": "营业收入数据与统计部门不符", "evidence": [DOCUMENT],
    },
    "ClosePublicity": {"publicity_id": "PUB-EIDB-2026-1", "announcement": DOCUMENT},
    "AcceptCreation": {
        "base_id": "BASE-2", "accepted": False, "score": "52", "report": DOCUMENT,
        "reason": "creation targets not met",
    },
    "ImportTitle": {
        "programme": "NIID", "batch_number": 1, "province": "430000",
        "name": "长沙经济技术开发区", "showcase": "装备制造(工程机械)",
        "announced_on": "2010-01-10", "announcement": DOCUMENT,
    },
    "SetPlatformClock": {"to": "2027-03-01T09:00:00+08:00", "reason": "play 2027"},
}  # fmt: skip
"""A valid body of every command, as JSON gives it; optional values filled in, to be walked."""

EXTRA_EVENT_SAMPLES: dict[str, dict[str, Any]] = {
    "EvaluationRoundOpened": {
        "batch_id": "NIID-EVAL-2025", "programme": "NIID", "evaluation_year": 2025,
        "announced_by": "2024-12-31", "notice": DOCUMENT, "deadlines": [DEADLINE],
        "non_filer_rule": "figures_alone",
        "star_mapping": {"method": "quotas", "five": "0.1", "four": "0.2", "three": "0.3",
                         "two": "0.2"},
        "weights": WEIGHTS,
        "participants": [{"base_id": "BASE-1", "title": "国家新型工业化产业示范基地（装备制造）",
                          "province": "430000"}],
        "exclusions": [EXCLUSION],
    },
    "StarRated": {
        "base_id": "BASE-1", "batch_id": "NIID-EVAL-2025", "evaluation_year": 2025, "stars": 4,
        "score": "81.25", "rank": 3, "materials": "forwarded",
        "parts": [{"part": "quantitative", "weight": "0.4", "mark": "80", "points": "32"}],
    },
    "EvaluationResultsPublished": {
        "batch_id": "NIID-EVAL-2025", "programme": "NIID", "evaluation_year": 2025,
        "notice": NOTICE, "rated": 2, "not_rated": [EXCLUSION],
        "by_province": [{"province": "430000", "five": 1, "four": 0, "three": 0, "two": 0,
                         "one": 1, "not_rated": 1}],
    },
    "ExpertReviewCompleted": {
        "application_id": "APP-1", "batch_id": "EIDB-2026-1", "panel": ["EXP-1"],
        "sections": [{"section": "发展基础", "score": "25.5"}], "total": "88.25",
        "site_visited_on": "2026-05-20", "outcome": "proposed", "remarks": "sound",
        "raw_mean": "88.2512", "normalised": "-0.1234", "rank": 1, "priority": ["革命老区"],
    },
    "CityReviewCompleted": {
        "application_id": "APP-1", "batch_id": "EIDB-2026-1", "city": "广州",
        "category": "enterprise", "rank": 1, "summary_table": DOCUMENT,
    },
    "AnnualReportSubmitted": {
        "base_id": "BASE-1", "batch_id": "NIID-EVAL-2025", "evaluation_year": 2025,
        "report_form": FIGURES, "development_report": DOCUMENT,
        "sections": [{"heading": "发展概况", "text": "稳步发展"}],
    },
    "PlatformClockSet": {
        "decided_in": "submission", "to": "2027-03-01T09:00:00+08:00",
        "received_at": "2026-04-10T09:30:00+08:00", "reason": "play 2027",
    },
}  # fmt: skip
"""Event payloads beyond ``test_contract.SAMPLES``: the value objects those leave out."""


@dataclass(frozen=True)
class Node:
    """One thing a field's type holds: its kind, its constraints, and the steps down to it."""

    kind: str
    constraints: tuple[Any, ...]
    steps: Path = ()
    model: type[BaseModel] | None = None


@dataclass(frozen=True)
class Leaf:
    """A value of one kind at one place in a sample."""

    top: str
    owner: type[BaseModel]
    field: str
    path: Path
    kind: str
    max_length: int | None

    def __str__(self) -> str:
        return f"{self.top}.{'.'.join(str(step) for step in self.path)}"


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    constraints: list[Any] = []
    while get_origin(annotation) is Annotated:
        annotation, *metadata = get_args(annotation)
        for item in metadata:
            constraints.extend(item.metadata if isinstance(item, FieldInfo) else [item])
    return annotation, constraints


def nodes(annotation: Any, constraints: tuple[Any, ...] = ()) -> Iterator[Node]:
    """What a field of ``annotation`` holds, down to its scalars, its lists and its models."""
    annotation, more = _unwrap(annotation)
    held = (*constraints, *more)
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        for member in get_args(annotation):
            if member is not type(None):
                yield from nodes(member, held)
    elif origin is tuple:
        yield Node("list", held)
        for node in nodes(get_args(annotation)[0]):
            yield Node(node.kind, node.constraints, (0, *node.steps), node.model)
    elif origin is dict:
        key, value = get_args(annotation)
        yield Node("mapping", held)
        for node in nodes(key):
            if node.kind == "str":
                yield Node("key", node.constraints)
        for node in nodes(value):
            yield Node(node.kind, node.constraints, (FIRST, *node.steps), node.model)
    elif origin is Literal:
        yield Node("literal", held)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield Node("model", held, model=annotation)
    elif annotation is bool:
        yield Node("bool", held)
    elif annotation is int:
        yield Node("int", held)
    elif annotation is str:
        yield Node("str", held)
    elif annotation is Decimal:
        yield Node("decimal", held)
    elif annotation in (datetime, AwareDatetime):
        yield Node("datetime", held)
    elif annotation is date:
        yield Node("date", held)
    else:
        yield Node("other", held)  # UUID, Any


def max_length(constraints: tuple[Any, ...]) -> int | None:
    found = [item.max_length for item in constraints if isinstance(item, MaxLen)]
    return min(found) if found else None


def step_into(data: Any, step: str | int) -> Any:
    if step == FIRST:
        return next(iter(data.values()), None) if isinstance(data, dict) and data else None
    if isinstance(step, int):
        return data[step] if isinstance(data, list) and len(data) > step else None
    return data.get(step) if isinstance(data, dict) else None


def value_at(data: Any, path: Path) -> Any:
    for step in path:
        data = step_into(data, step)
    return data


def replaced(data: dict[str, Any], path: Path, value: Any) -> dict[str, Any]:
    """A copy of ``data`` with ``value`` at ``path``, the lists and mappings on the way made."""
    changed = copy.deepcopy(data)
    here: Any = changed
    for step, after in zip(path, (*path[1:], None), strict=True):
        last = after is None
        if step == FIRST:
            key = next(iter(here), "x")
            if last:
                here[key] = value
            else:
                here = here.setdefault(key, {})
        elif isinstance(step, int):
            if not here:
                here.append(value if last else ([] if isinstance(after, int) else {}))
            if last:
                here[0] = value
            here = here[0]
        elif last:
            here[step] = value
        else:
            if not isinstance(here.get(step), (list, dict)):
                here[step] = [] if isinstance(after, int) else {}
            here = here[step]
    return changed


def fits(model: type[BaseModel], data: Any) -> bool:
    try:
        model.model_validate_json(json.dumps(data))
    except ValidationError:
        return False
    return True


def walk(top: str, model: type[BaseModel], data: dict[str, Any], path: Path = ()) -> Iterator[Leaf]:
    """Every scalar of ``model`` at its place in ``data``, and the models ``data`` holds."""
    for name, info in model.model_fields.items():
        for node in nodes(info.annotation, tuple(info.metadata)):
            where = (*path, name, *node.steps)
            if node.kind == "model":
                assert node.model is not None
                inner = value_at(data, where)
                if isinstance(inner, dict) and fits(node.model, inner):
                    yield from walk(top, node.model, data, where)
            elif node.kind in ("int", "bool", "str", "decimal", "date", "datetime"):
                yield Leaf(top, model, name, where, node.kind, max_length(node.constraints))


def contract() -> Iterator[tuple[str, type[CommandBody] | type[EventPayload], str]]:
    """Every command body and event payload: its name, its class, what carries it."""
    for name, command in sorted(COMMAND_TYPES.items()):
        yield name, command, "body"
    for (event_type, version), payload in sorted(EVENT_TYPES.items()):
        yield f"{event_type}v{version}", payload, "payload"


def samples() -> Iterator[tuple[str, type[BaseModel], str, dict[str, Any]]]:
    by_class = {cls: sample.model_dump(mode="json") for cls, sample in SAMPLES.items()}
    for name, cls, carrier in contract():
        found = [by_class[cls]] if cls in by_class else []
        extra = COMMAND_SAMPLES if carrier == "body" else EXTRA_EVENT_SAMPLES
        found += [extra[cls.__name__]] if cls.__name__ in extra else []
        for number, data in enumerate(found):
            yield (name if number == 0 else f"{name}#{number + 1}"), cls, carrier, data


SAMPLED = list(samples())
LEAVES = [leaf for top, cls, _, data in SAMPLED for leaf in walk(top, cls, data)]
CARRIERS = {top: (cls, carrier, data) for top, cls, carrier, data in SAMPLED}


def attempt(top: str, data: dict[str, Any]) -> BaseModel:
    """The command or event of ``top`` with ``data``, validated from JSON as a service reads it."""
    cls, carrier, _ = CARRIERS[top]
    if carrier == "body":
        return IntakeMessage.model_validate({
            "command_id": str(uuid4()), "command_type": cls.__name__,
            "issued_at": "2026-04-10T09:30:00+08:00", "actor": "ministry:planning",
            "province": "000000", "correlation_id": str(uuid4()), "body": data,
        })  # fmt: skip
    assert issubclass(cls, EventPayload)
    return Envelope.from_json(json.dumps({
        "event_id": str(uuid4()), "event_type": cls.event_type,
        "schema_version": cls.schema_version, "occurred_at": "2026-04-10T09:30:00+08:00",
        "recorded_at": "2026-04-10T09:30:01+08:00", "actor": "ministry:planning",
        "province": "000000", "subject_id": "S-1", "correlation_id": str(uuid4()),
        "payload": data,
    }, ensure_ascii=False))  # fmt: skip


def assert_refused_by_name(leaf: Leaf, value: Any) -> None:
    _, carrier, data = CARRIERS[leaf.top]
    with pytest.raises(ValidationError) as refused:
        attempt(leaf.top, replaced(data, leaf.path, value))
    expected = (carrier, *(step for step in leaf.path if step != FIRST))
    locations = [error["loc"] for error in refused.value.errors()]
    assert any(_follows(expected, location) for location in locations), (leaf, locations)


def _follows(expected: tuple[Any, ...], location: tuple[Any, ...]) -> bool:
    """``expected`` in order within ``location`` (a tagged union adds its tag; a mapping its key),
    starting where it starts."""
    if not location or location[0] != expected[0]:
        return False
    rest = iter(location)
    return all(any(step == part for part in rest) for step in expected)


def leaves(*kinds: str) -> list[Leaf]:
    return [leaf for leaf in LEAVES if leaf.kind in kinds]


def cases(values: dict[str, list[Any]]) -> pytest.MarkDecorator:
    """Each leaf of the kinds named, with each of the values given for its kind."""
    chosen = [(leaf, value) for leaf in leaves(*values) for value in values[leaf.kind]]
    return pytest.mark.parametrize(
        ("leaf", "value"), chosen, ids=[f"{leaf}={value!r}" for leaf, value in chosen]
    )


# --- the samples and the walk ------------------------------------------------------------------


def test_every_command_and_event_has_a_sample_to_walk_P_STRICT() -> None:
    sampled = {cls for _, cls, _, _ in SAMPLED}
    missing = sorted(name for name, cls, _ in contract() if cls not in sampled)
    assert not missing, f"add a sample to COMMAND_SAMPLES or EXTRA_EVENT_SAMPLES for {missing}"


@pytest.mark.parametrize("top", sorted(CARRIERS))
def test_every_sample_is_valid_from_json_P_STRICT(top: str) -> None:
    """Dates, decimals and UUIDs still parse from their JSON strings."""
    cls, _, data = CARRIERS[top]
    parsed = attempt(top, data)
    inner = parsed.body if isinstance(parsed, IntakeMessage) else parsed.payload  # type: ignore[attr-defined]
    assert type(inner) is cls


def _reachable() -> Iterator[tuple[type[BaseModel], str, Node]]:
    seen: set[type[BaseModel]] = set()
    pending: list[type[BaseModel]] = [cls for _, cls, _ in contract()]
    while pending:
        model = pending.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            for node in nodes(info.annotation, tuple(info.metadata)):
                if node.model is not None:
                    pending.append(node.model)
                yield model, name, node


SCALARS = ("int", "bool", "str", "decimal", "date", "datetime")


def test_the_walk_reaches_every_scalar_of_the_contract_P_STRICT() -> None:
    """Each field of every payload and value object is tried by at least one sample."""
    walked = {(leaf.owner, leaf.field, leaf.kind) for leaf in LEAVES}
    reachable = {(model, name, node.kind) for model, name, node in _reachable()}
    missing = sorted(
        f"{model.__name__}.{name} ({kind})"
        for model, name, kind in reachable - walked
        if kind in SCALARS
    )
    assert not missing, f"no sample holds {missing}: fill them in a sample"


def test_every_string_list_and_mapping_of_the_contract_has_a_bound_P_STRICT() -> None:
    unbounded = sorted(
        f"{model.__name__}.{name} ({node.kind})"
        for model, name, node in _reachable()
        if node.kind in ("str", "key", "list", "mapping") and max_length(node.constraints) is None
    )
    assert not unbounded, f"give these a max_length: {unbounded}"


# --- exact types ---------------------------------------------------------------------------------


@cases({"int": [1.0, True, "1", "yes"]})
def test_an_integer_field_takes_only_a_json_integer_P_STRICT(leaf: Leaf, value: object) -> None:
    assert_refused_by_name(leaf, value)


@cases({"bool": [1, "true", "yes"]})
def test_a_boolean_field_takes_only_a_json_boolean_P_STRICT(leaf: Leaf, value: object) -> None:
    assert_refused_by_name(leaf, value)


# --- bounds --------------------------------------------------------------------------------------


@pytest.mark.parametrize("leaf", leaves("str"), ids=str)
def test_a_string_one_longer_than_its_max_length_is_refused_P_STRICT(leaf: Leaf) -> None:
    assert leaf.max_length is not None, f"{leaf} has no max_length"
    given = value_at(CARRIERS[leaf.top][2], leaf.path)
    start = given if isinstance(given, str) and given else "x"
    assert_refused_by_name(leaf, start.ljust(leaf.max_length + 1, start[-1]))


@cases({"decimal": ["1e-999999", "1e999999", "NaN", "Infinity", "-Infinity"]})
def test_a_decimal_is_finite_and_within_its_digits_P_STRICT(leaf: Leaf, value: object) -> None:
    assert_refused_by_name(leaf, value)


@cases(
    {
        "date": ["0001-01-01", "9999-12-31", f"{FIRST_YEAR - 1}-12-31", f"{LAST_YEAR + 1}-01-01"],
        "datetime": ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00"],
    }
)
def test_a_date_or_time_falls_in_the_platforms_years_P_STRICT(leaf: Leaf, value: object) -> None:
    assert_refused_by_name(leaf, value)


def test_a_date_out_of_range_is_refused_with_the_range_named_P_STRICT() -> None:
    body = replaced(COMMAND_SAMPLES["ReportIncident"], ("happened_on",), "9999-12-31")
    with pytest.raises(ValidationError, match="happened_on") as refused:
        attempt("ReportIncident", body)
    assert f"years {FIRST_YEAR} to {LAST_YEAR}, not 9999" in str(refused.value)


def test_a_tiny_decimal_is_refused_by_field_P_STRICT() -> None:
    body = replaced(COMMAND_SAMPLES["RecommendApplication"], ("preliminary_score",), "1e-999999")
    with pytest.raises(ValidationError, match="preliminary_score"):
        attempt("RecommendApplication", body)


def test_a_value_built_in_code_is_validated_as_its_json_form_P_STRICT() -> None:
    """A body built in Python (dates, decimals as objects) passes as its JSON form would."""
    body = {**COMMAND_SAMPLES["RecommendApplication"], "preliminary_score": Decimal("86.5")}
    message = attempt("RecommendApplication", body)
    assert isinstance(message, IntakeMessage)
    assert message.body.preliminary_score == Decimal("86.5")  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="visited_on"):
        attempt(
            "RecordSiteVisit", {**COMMAND_SAMPLES["RecordSiteVisit"], "visited_on": date(1, 1, 1)}
        )
    with pytest.raises(ValidationError, match="batch_id"):  # no JSON form: refused as it is
        attempt("OpenPublicity", {**COMMAND_SAMPLES["OpenPublicity"], "batch_id": object()})


# --- the top-level models ------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1.0, True, "1", "yes"])
def test_the_envelope_takes_its_schema_version_as_a_json_integer_only_P_STRICT(
    value: object,
) -> None:
    cls, payload = next(iter(SAMPLES.items()))
    envelope = {
        "event_id": str(uuid4()), "event_type": cls.event_type, "schema_version": value,
        "occurred_at": "2026-04-10T09:30:00+08:00", "recorded_at": "2026-04-10T09:30:01+08:00",
        "actor": "ministry:planning", "province": "000000", "subject_id": "S-1",
        "correlation_id": str(uuid4()), "payload": payload.model_dump(mode="json"),
    }  # fmt: skip
    with pytest.raises(ValidationError, match="schema_version"):
        Envelope.from_json(json.dumps(envelope))


@pytest.mark.parametrize(
    "issued_at", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+08:00", "2026-04-10T09:30:00"]
)
def test_an_attempt_is_issued_at_an_aware_time_in_the_platforms_years_P_STRICT(
    issued_at: str,
) -> None:
    message = {
        "command_id": str(uuid4()), "command_type": "CheckRectificationDeadlines",
        "issued_at": issued_at, "actor": "ministry:planning", "province": "000000",
        "correlation_id": str(uuid4()), "body": {},
    }  # fmt: skip
    with pytest.raises(ValidationError, match="issued_at"):
        IntakeMessage.model_validate(message)


def test_an_attempt_refuses_a_province_longer_than_a_code_before_looking_it_up_P_STRICT() -> None:
    message = {
        "command_id": str(uuid4()), "command_type": "CheckRectificationDeadlines",
        "issued_at": "2026-04-10T09:30:00+08:00", "actor": "ministry:planning",
        "province": "4" * 100_000, "correlation_id": str(uuid4()), "body": {},
    }  # fmt: skip
    with pytest.raises(ValidationError, match="province") as refused:
        IntakeMessage.model_validate(message)
    assert refused.value.errors()[0]["type"] == "string_too_long"


@pytest.mark.parametrize("accepted", [1, "true", "yes"])
def test_a_decision_is_accepted_by_a_json_boolean_only_P_STRICT(accepted: object) -> None:
    with pytest.raises(ValidationError, match="accepted"):
        IntakeDecision.model_validate_json(json.dumps({"command_id": None, "accepted": accepted}))


@pytest.mark.parametrize("sequence", [1.0, True, "1"])
def test_a_dead_letter_names_its_intake_sequence_as_a_json_integer_only_P_STRICT(
    sequence: object,
) -> None:
    refused = {
        "service": "submission", "intake_sequence": sequence, "intake_subject": "intake.v1.x",
        "command_type": "SubmitApplication",
        "decision": {"command_id": str(UUID(int=1)), "accepted": False},
    }  # fmt: skip
    with pytest.raises(ValidationError, match="intake_sequence"):
        AttemptRefused.model_validate_json(json.dumps(refused))
