"""No message can stop a service (issue 12, P-LIMITS): the subject, the size, the nesting and the
numbers of an attempt are checked before (or while) it is parsed, and each is a refusal with the
figures, never an exception out of the handler."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from demobase.client import intake_message
from shared.bus.consumer import Delivery
from shared.contract.commands import Problem, SubmitApplication
from shared.contract.envelope import (
    MAX_JSON_DEPTH,
    Envelope,
    JsonLimitError,
    json_depth,
    loads_strict,
    new_envelope,
)
from shared.contract.events import ApplicationSubmitted
from shared.contract.subjects import SubjectError, intake_subject, parse_intake_subject
from shared.intake import MAX_ATTEMPT_BYTES, RefusedAttemptError, read_attempt
from tests.support import park_application, sample_catalogue_body

pytestmark = pytest.mark.unit

HUNAN = "430000"
SUBMIT = intake_subject("submission", HUNAN, "SubmitApplication")


def attempt(body: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    message = intake_message(
        "SubmitApplication", body or park_application(), HUNAN, f"province:{HUNAN}",
        datetime(2026, 3, 2, 9, tzinfo=UTC),
    )  # fmt: skip
    return {**message, **overrides}


def delivery(data: bytes | dict[str, Any], subject: str = SUBMIT) -> Delivery:
    raw = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()
    return Delivery("INTAKE", 7, subject, raw)


def refusal(data: bytes | dict[str, Any], subject: str = SUBMIT) -> Problem:
    with pytest.raises(RefusedAttemptError) as refused:
        read_attempt(delivery(data, subject))
    [problem] = refused.value.problems
    assert refused.value.decision().accepted is False
    return problem


def with_form(form: Any) -> bytes:
    """A valid attempt whose form is ``form`` as raw JSON text (numbers as written)."""
    marker = "__FORM__"
    text = json.dumps(attempt(park_application(form=marker)), ensure_ascii=False)
    return text.replace(json.dumps(marker), form).encode()


# --- the subject ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "reason", "given"),
    [
        (f"{SUBMIT}.extra", "6 tokens, not the 5", f"{SUBMIT}.extra"),
        ("intake.v1.submission.SubmitApplication", "4 tokens, not the 5",
         "intake.v1.submission.SubmitApplication"),
        (f"intake.v2.submission.{HUNAN}.SubmitApplication", "not an intake.v1 subject",
         f"intake.v2.submission.{HUNAN}.SubmitApplication"),
        (f"intake.v1.billing.{HUNAN}.SubmitApplication", "no context", "billing"),
        ("intake.v1.submission.999999.SubmitApplication", "no provincial authority", "999999"),
        ("intake.v1.submission.4300.SubmitApplication", "no provincial authority", "4300"),
        (f"intake.v1.submission.{HUNAN}.submitApplication", "not a command type",
         "submitApplication"),
        (f"intake.v1.submission.{HUNAN}.Submit-Application", "not a command type",
         "Submit-Application"),
        (f"intake.v1.submission.{HUNAN}.{'A' * 65}", "not a command type", "A" * 65),
    ],
)  # fmt: skip
def test_p_limits_an_attempt_on_a_subject_not_of_the_intake_form_is_refused_not_raised(
    subject: str, reason: str, given: str
) -> None:
    """P-LIMITS: ``province_of`` raised ValueError on a sixth token and stopped the service."""
    problem = refusal(attempt(), subject)

    assert (problem.field, problem.rule_id, problem.given) == ("(subject)", "P-LIMITS", given)
    assert reason in problem.reason and problem.required


def test_p_limits_the_refusal_shows_at_most_200_characters_of_a_long_subject() -> None:
    subject = SUBMIT + ".x" * 5000
    problem = refusal(b"{}", subject)
    assert problem.given == subject[:200] and "5005 tokens" in problem.reason


def test_p_limits_an_intake_subject_of_a_province_and_of_the_ministry_is_read_whole() -> None:
    assert parse_intake_subject(SUBMIT) == ("submission", HUNAN, "SubmitApplication")
    assert parse_intake_subject("intake.v1.review.000000.OpenPublicity").province == "000000"
    with pytest.raises(SubjectError):
        parse_intake_subject("intake.v1.review.000000.OpenPublicity\n")


def test_p_limits_an_attempt_on_a_good_subject_is_read_as_before() -> None:
    message = read_attempt(delivery(attempt()))
    assert isinstance(message.body, SubmitApplication) and message.province == HUNAN


# --- the size ------------------------------------------------------------------------------------


def test_p_limits_an_attempt_larger_than_the_limit_is_refused_with_the_figures() -> None:
    """P-LIMITS: the size is checked before a byte is parsed (the data is not even JSON)."""
    problem = refusal(b"[" * (MAX_ATTEMPT_BYTES + 1))

    assert (problem.field, problem.rule_id) == ("(message)", "P-LIMITS")
    assert problem.required == f"at most {MAX_ATTEMPT_BYTES} bytes" == "at most 262144 bytes"
    assert problem.given == f"{MAX_ATTEMPT_BYTES + 1} bytes"


def test_p_limits_an_attempt_of_exactly_the_limit_is_parsed() -> None:
    padded = json.dumps(attempt()).encode()
    padded += b" " * (MAX_ATTEMPT_BYTES - len(padded))
    assert len(padded) == MAX_ATTEMPT_BYTES
    assert read_attempt(delivery(padded)).province == HUNAN


def test_p_limits_a_zone_catalogue_may_be_larger_as_its_contract_allows() -> None:
    """P-LIMITS: a catalogue's csv_text may be 2,000,000 characters (commands.py)."""
    body = sample_catalogue_body()
    body["csv_text"] += "# a comment line to make it longer\n" * 20_000
    message = intake_message("LoadZoneCatalogue", body, "000000", "ministry",
                             datetime(2026, 1, 5, 9, tzinfo=UTC))  # fmt: skip
    data = json.dumps(message).encode()
    assert len(data) > MAX_ATTEMPT_BYTES
    subject = intake_subject("submission", "000000", "LoadZoneCatalogue")

    assert read_attempt(delivery(data, subject)).command_type == "LoadZoneCatalogue"
    problem = refusal(data, intake_subject("submission", "000000", "SubmitApplication"))
    assert problem.rule_id == "P-LIMITS" and "larger than a SubmitApplication" in problem.reason


# --- the nesting ---------------------------------------------------------------------------------


def test_p_limits_json_nested_ten_thousand_deep_is_refused_before_parsing() -> None:
    """P-LIMITS: ``json.loads`` raised RecursionError on it and stopped the service."""
    for data in (b"[" * 10_000 + b"]" * 10_000, with_form('{"a":' * 10_000 + "1" + "}" * 10_000)):
        problem = refusal(data)
        assert (problem.field, problem.rule_id) == ("(message)", "P-LIMITS")
        assert problem.required == f"at most {MAX_JSON_DEPTH} levels" == "at most 32 levels"
        assert problem.given is not None and problem.given.startswith("more than 32")


def test_p_limits_brackets_inside_strings_do_not_count_towards_the_depth() -> None:
    """P-LIMITS: the scanner skips strings, escaped quotes included."""
    tricky = json.dumps({"note": '"[[[' * 1000, "also": "\\" + "{" * 1000, "x": ['\\"{{']})
    assert json_depth(tricky) == 2
    assert json_depth(tricky.encode()) == 2
    message = read_attempt(delivery(with_form(tricky)))
    assert isinstance(message.body, SubmitApplication)
    assert message.body.form["note"] == '"[[[' * 1000


def test_p_limits_the_depth_limit_is_inclusive_and_the_scan_is_linear() -> None:
    at_limit = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert json_depth(at_limit) == MAX_JSON_DEPTH
    assert loads_strict(at_limit) is not None
    with pytest.raises(JsonLimitError, match="nest too deep"):
        loads_strict("[" + at_limit + "]")
    with pytest.raises(JsonLimitError):  # an unterminated string does not hide what came before
        json_depth("[" * 40 + '"')
    assert json_depth('["' + "[" * 100) == 1  # … and what follows it is inside the string

    big = b'{"csv_text": "' + b"a,[b],{c}\\n" * 700_000 + b'"}'
    started = time.perf_counter()
    assert json_depth(big) == 1
    assert time.perf_counter() - started < 1.0


# --- the numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("literal", "reason"),
    [
        ("1e-999999", "too large or too small"),
        ("1e999", "too large or too small"),
        ("-1E+31", "too large or too small"),
        ("1" + "0" * 31, "too large or too small"),
        ("0.0e-99", "too large or too small"),
        ("1" * 41, "too long"),
        ("0." + "0" * 40 + "1", "too long"),
        ("NaN", "not finite"),
        ("Infinity", "not finite"),
        ("-Infinity", "not finite"),
    ],
)
def test_p_limits_a_number_the_parser_would_have_to_invent_is_refused(
    literal: str, reason: str
) -> None:
    """P-LIMITS: ``1e-999999`` came through as 0.0, ``1e999`` as inf, NaN as NaN."""
    problem = refusal(with_form(f'{{"area": {literal}}}'))

    assert (problem.field, problem.rule_id) == ("(message)", "P-LIMITS")
    assert reason in problem.reason and problem.required
    assert problem.given is not None and problem.given.startswith(literal[:20])


def test_p_limits_ordinary_numbers_are_read_as_before_ints_and_floats() -> None:
    assert loads_strict('[12.5, -3, 0, 1e30, 1.5e-30, 123456789012345678]') == [
        12.5, -3, 0, 1e30, 1.5e-30, 123456789012345678,
    ]  # fmt: skip
    assert [type(v) for v in loads_strict("[1, 1.0]")] == [int, float]
    message = read_attempt(delivery(with_form('{"area": 12.75, "jobs": 3000}')))
    assert isinstance(message.body, SubmitApplication)
    assert message.body.form == {"area": 12.75, "jobs": 3000}


@pytest.mark.parametrize(
    "literal",
    ["9" * 31, "-" + "9" * 31, "0." + "0" * 28 + "1", "-0." + "0" * 28 + "1", "9" * 30 + ".5"],
)
def test_p_limits_numbers_at_the_exponent_bound_are_read(literal: str) -> None:
    """P-LIMITS: a literal short enough to skip the exponent check (31 characters, no exponent)
    is one the check would pass; one character more is checked, and passes when within ±30."""
    assert loads_strict(f"[{literal}]") == [float(literal) if "." in literal else int(literal)]


def test_p_limits_events_are_still_read_through_the_same_parser() -> None:
    """P-LIMITS: ``Envelope.from_json`` uses ``loads_strict`` too."""
    payload = ApplicationSubmitted(
        application_id="NIID-430000-000000000001", programme="NIID", category="park",
        name="园区", applicant="园区管委会", city="长沙市", domain="装备工业", zone="长沙经开区",
    )  # fmt: skip
    envelope = new_envelope(
        payload, event_id=uuid4(), occurred_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
        recorded_at=datetime(2026, 3, 2, 9, 1, tzinfo=UTC), actor=HUNAN, province=HUNAN,
        subject_id=payload.application_id, correlation_id=uuid4(),
    )  # fmt: skip
    assert Envelope.from_json(envelope.to_json()) == envelope
    with pytest.raises(JsonLimitError):
        Envelope.from_json(b'{"payload": ' * 100 + b"1" + b"}" * 100)
