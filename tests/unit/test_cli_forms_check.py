"""`demobase forms check` in words the person filling the form reads: each field by its printed
Chinese label and its path, the reason in Chinese, and a 统一社会信用代码 whose GB 32100-2015
check digit is wrong flagged (R-ELIGIBLE-ENTERPRISE), even beside problems that stop the form
from reading (issue 11, item 7)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from demobase.cli import app
from services.submission.forms.eidb_enterprise import EidbEnterpriseForm
from services.submission.forms.readable import field_label, reason_in_chinese

pytestmark = pytest.mark.unit
FORM = Path(__file__).parents[2] / "examples" / "forms" / "eidb-enterprise-fuzhou.json"
BAD_USCC = "91350100MA2XN0QJ15"
"""The example's code (…QJ14) with its check digit changed."""


def check(tmp_path: Path, form: dict[str, Any], *options: str) -> tuple[int, str]:
    path = tmp_path / "form.json"
    path.write_text(json.dumps(form, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["forms", "check", str(path), "--programme", "EIDB", "--category", "enterprise", *options],
        env={"COLUMNS": "200"},
    )
    return result.exit_code, result.output


def example() -> dict[str, Any]:
    return dict(json.loads(FORM.read_text(encoding="utf-8")))


def test_r_eligible_enterprise_a_wrong_check_digit_is_flagged_in_chinese(tmp_path: Path) -> None:
    """R-ELIGIBLE-ENTERPRISE: the code with a wrong GB 32100-2015 check digit is named by its
    label, with the code given; the form is not sent (exit 2)."""
    form = {**example(), "uscc": BAD_USCC}
    code, output = check(tmp_path, form)
    assert code == 2
    assert "统一社会信用代码（uscc）" in output and "GB 32100-2015" in output
    assert BAD_USCC in output and "[R-ELIGIBLE-ENTERPRISE]" in output


def test_r_eligible_enterprise_the_code_is_checked_when_the_form_does_not_read(
    tmp_path: Path,
) -> None:
    """R-ELIGIBLE-ENTERPRISE: a missing field and a misspelt one stop the form from reading;
    the bad code is flagged all the same, every problem in Chinese with its label."""
    form = {**example(), "uscc": BAD_USCC, "employees": "很多"}
    form.pop("main_business")
    form["narratives"] = {**form["narratives"], "bogus": "x"}
    code, output = check(tmp_path, form)
    assert code == 2
    assert "主营业务（main_business）：必填项，未填写" in output
    assert "应填近三年逐年数值" in output
    assert "重点领域情况说明 › bogus（narratives.bogus）：表中没有这一项" in output
    assert "统一社会信用代码（uscc）" in output and BAD_USCC in output
    assert "Field required" not in output and "Extra inputs" not in output


def test_the_example_form_reads_and_english_and_json_are_there_for_tools(tmp_path: Path) -> None:
    """A good form reads (exit 0); --english gives the services' wording, --json the problems."""
    code, output = check(tmp_path, example())
    assert code == 0 and "without a problem" in output
    form = {**example(), "uscc": BAD_USCC}
    code, english = check(tmp_path, form, "--english")
    assert code == 2 and "the unified social credit code is not valid" in english
    code, answer = check(tmp_path, form, "--json")
    found = json.loads(answer)
    assert code == 2 and found["reads"] is False
    assert [p["field"] for p in found["problems"]] == ["uscc"]


def test_labels_follow_the_dotted_path_and_reasons_read_in_chinese() -> None:
    """A nested field's label is the path of printed labels; list positions count from 1."""
    assert field_label(EidbEnterpriseForm, "products.1.name").endswith("第 2 项 › 产品名称")
    assert field_label(EidbEnterpriseForm, "nope") == "nope"
    assert reason_in_chinese("String should have at most 500 characters") == "不超过 500 个字"
    assert reason_in_chinese("something else") == "something else"
