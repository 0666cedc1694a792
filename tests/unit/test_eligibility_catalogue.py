"""R-ELIGIBLE-ZONE's reference data: the development-zone catalogue an operator loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.submission.data.zones import SAMPLE_PATH, CatalogueError, ZoneCatalogue

pytestmark = pytest.mark.unit
HEADER = "name,province_code,level\n"


def test_r_eligible_zone_the_sample_catalogue_loads_with_its_real_zones() -> None:
    """R-ELIGIBLE-ZONE: the sample lists national zones and one provincial zone."""
    catalogue = ZoneCatalogue.from_csv(SAMPLE_PATH)
    assert len(catalogue) == 15
    changsha = catalogue.find("长沙经济技术开发区")
    assert changsha is not None
    assert (changsha.province_code, changsha.level) == ("430000", "国家级经济技术开发区")
    assert "苏州工业园区" in catalogue and "天津经济技术开发区" in catalogue
    assert {zone.level for zone in catalogue} >= {"国家高新技术产业开发区", "省级"}


def test_r_eligible_zone_the_sample_says_it_is_a_sample() -> None:
    """R-ELIGIBLE-ZONE: the sample is not the catalogue, and its file says so."""
    assert "SAMPLE ONLY" in SAMPLE_PATH.read_text(encoding="utf-8").splitlines()[0]


def test_r_eligible_zone_names_match_without_spaces_and_with_either_parentheses() -> None:
    """R-ELIGIBLE-ZONE: 全角 and 半角 parentheses name the same zone."""
    catalogue = ZoneCatalogue.from_csv_text(HEADER + "某某高新区（南区）,430000,省级\n")
    assert " 某某高新区(南区) " in catalogue


def test_r_eligible_zone_every_bad_line_is_reported_by_line_and_field(tmp_path: Path) -> None:
    """R-ELIGIBLE-ZONE: a catalogue with errors is refused whole, every error named."""
    path = tmp_path / "zones.csv"
    path.write_text(
        "# a comment line\n"
        + HEADER
        + "长沙经济技术开发区,430000,国家级经济技术开发区\n"
        + "苏州工业园区,32000,国家级经济技术开发区\n"
        + "长沙经济技术开发区,430000,省级\n"
        + ",120000,县级\n"
        + "天津经济技术开发区,120000\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError) as caught:
        ZoneCatalogue.from_csv(path)
    found = [(p.line, p.field) for p in caught.value.problems]
    assert found == [(4, "province_code"), (5, "name"), (6, "name"), (6, "level"), (7, "")]
    assert "line 4, field province_code" in str(caught.value)
    assert "already on line 3" in str(caught.value)


def test_r_eligible_zone_a_catalogue_with_another_header_is_refused() -> None:
    """R-ELIGIBLE-ZONE: the columns are name, province_code, level."""
    with pytest.raises(CatalogueError, match="line 1, field header"):
        ZoneCatalogue.from_csv_text("名称,省份,级别\n长沙经济技术开发区,430000,省级\n")


def test_r_eligible_zone_an_empty_or_missing_catalogue_is_refused(tmp_path: Path) -> None:
    """R-ELIGIBLE-ZONE: no catalogue, no eligibility."""
    with pytest.raises(CatalogueError, match="no header"):
        ZoneCatalogue.from_csv_text("# only a comment\n")
    with pytest.raises(CatalogueError):
        ZoneCatalogue.from_csv(tmp_path / "absent.csv")
