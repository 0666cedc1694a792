"""R-TITLE-NAME and R-CREATION-PERIOD, the rules alone."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.review.domain import (
    ProgrammeCalls,
    canonical_title,
    check_taken_over_from_history,
    creation_period_end,
)
from services.review.domain.candidate import dossier_of

pytestmark = pytest.mark.unit


def niid(**changes: Any) -> dict[str, Any]:
    details = {
        "programme": "NIID", "category": "park", "name": "长沙经济技术开发区",
        "applicant": "长沙经济技术开发区管理委员会", "domain": "装备工业", "city": "长沙市",
        "zone": "长沙经济技术开发区", "form": {"示范内容": "装备制造"},
    }  # fmt: skip
    return dossier_of({**details, **changes})


def test_r_title_name_niid_is_the_showcase_and_the_zone() -> None:
    """R-TITLE-NAME: 国家新型工业化产业示范基地（装备制造·长沙经济技术开发区）, 001 第十一条(四)."""
    title = canonical_title(niid())

    assert title.text == "国家新型工业化产业示范基地（装备制造·长沙经济技术开发区）"
    assert (title.domain, title.location) == ("装备制造", "长沙经济技术开发区")


def test_r_title_name_niid_falls_back_to_the_domain_and_the_parks_own_name() -> None:
    """No 示范内容 in the form: the domain; no zone: the park itself is the 所在地, not its city."""
    title = canonical_title(niid(form={}, zone=None, name="九龙工业园区"))

    assert title.text == "国家新型工业化产业示范基地（装备工业·九龙工业园区）"


def test_r_title_name_niid_has_no_creation_period() -> None:
    assert canonical_title(niid(), under_creation=True) == canonical_title(niid())
    assert creation_period_end("NIID", date(2026, 10, 12)) is None


def test_r_title_name_eidb_park_is_a_creation_object_until_accepted() -> None:
    """EIDB (002): 创建对象 during creation; 示范基地 once accepted; named by the park itself."""
    park = niid(
        programme="EIDB", domain="低空装备", zone="珠海高新技术产业开发区", name="珠海低空产业园"
    )

    assert canonical_title(park, under_creation=True).text == (
        "国家新兴产业发展示范基地创建对象（低空装备·珠海低空产业园）"
    )
    assert canonical_title(park).text == "国家新兴产业发展示范基地（低空装备·珠海低空产业园）"


def test_r_creation_period_ends_two_years_after_the_announcement() -> None:
    """R-CREATION-PERIOD: 2 years; 29 February announcements end on 28 February."""
    assert creation_period_end("EIDB", date(2026, 10, 12)) == date(2028, 10, 12)
    assert creation_period_end("EIDB", date(2028, 2, 29)) == date(2030, 2, 28)


def called(*batches: tuple[int, str]) -> ProgrammeCalls:
    calls = ProgrammeCalls(programme="NIID")
    for number, batch_id in batches:
        calls.call(number, batch_id)
    return calls


@pytest.mark.parametrize("batch_number", [1, 8, 10, None])
def test_r_procedure_titles_of_niids_batches_before_the_platform_are_taken_over(
    batch_number: int | None,
) -> None:
    """R-PROCEDURE (ADR 8, 15): NIID batches 1–10 were called before the platform (None: the
    record names none of them)."""
    assert check_taken_over_from_history("NIID", batch_number, called()) is None


@pytest.mark.parametrize("batch_number", [1, None])
def test_r_procedure_there_is_no_earlier_eidb_title_to_take_over(batch_number: int | None) -> None:
    """R-PROCEDURE: EIDB's first batch is the 2026 call (工信厅规函〔2026〕101号 第一批)."""
    violation = check_taken_over_from_history("EIDB", batch_number, called())
    assert violation is not None
    assert (violation.rule_id, violation.field, violation.given) == (
        "R-PROCEDURE", "programme", "EIDB",
    )  # fmt: skip


def test_r_procedure_a_title_of_a_batch_the_platform_runs_is_never_taken_over() -> None:
    """R-PROCEDURE: NIID-11 is on the platform: its titles come through expert review and
    publicity; the refusal names the batch. Batch 12, not yet called, is refused all the same."""
    calls = called((11, "NIID-11"))
    violation = check_taken_over_from_history("NIID", 11, calls)
    assert violation is not None
    assert (violation.rule_id, violation.field, violation.given) == (
        "R-PROCEDURE", "batch_number", "11",
    )  # fmt: skip
    assert "NIID-11, called on the platform" in violation.message
    assert violation.required == "a batch called before the platform (NIID 1–10)"
    later = check_taken_over_from_history("NIID", 12, calls)
    assert later is not None and "a batch the platform calls" in later.message
