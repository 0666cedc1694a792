"""R-TITLE-NAME and R-CREATION-PERIOD: what a base is called, and how long EIDB creation lasts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.review.domain.procedure import years_after

NIID_TITLE = "国家新型工业化产业示范基地"
EIDB_TITLE = "国家新兴产业发展示范基地"
EIDB_CREATION_TITLE = "国家新兴产业发展示范基地创建对象"
PROGRAMME_TITLES = {"NIID": NIID_TITLE, "EIDB": EIDB_TITLE}
CREATION_YEARS = 2
"""R-CREATION-PERIOD: 示范基地创建期为 2 年 (002 一)."""


@dataclass(frozen=True)
class Title:
    """A base's canonical title and the two parts it is made of."""

    domain: str
    """示范内容 (NIID) or 创建领域 (EIDB)."""
    location: str
    """所在地: the zone, else the park's own name; for an enterprise its city, else its name."""
    text: str


def canonical_title(dossier: Mapping[str, Any], *, under_creation: bool = False) -> Title:
    """R-TITLE-NAME: the one rule for naming a base, from its dossier.

    NIID (001 第十一条(四)): 国家新型工业化产业示范基地（示范内容·所在地）, e.g.
    国家新型工业化产业示范基地（装备制造·长沙经济技术开发区）. 示范内容 is the form's 示范内容 where
    given, else the domain; 所在地 is the development zone, else the park's own name (an NIID
    applicant is itself a zone or park, and bases.csv names every base so, never by a bare city).

    EIDB (002): no title format is published. The call selects 创建对象 ("创建对象推荐汇总表") and
    only "期满后……验收，达标后认定为示范基地", so during the creation period the base is
    国家新兴产业发展示范基地创建对象（创建领域·名称） and after acceptance
    国家新兴产业发展示范基地（创建领域·名称）, 名称 being the park's or the enterprise's own name
    (several parks-in-park can share one zone, so the zone alone would not tell them apart).
    """
    programme, category = dossier["programme"], dossier["category"]
    place = dossier.get("zone") or dossier["name"]
    if programme == "NIID":
        showcase = dossier.get("showcase") or dossier["domain"]
        return Title(showcase, place, f"{NIID_TITLE}（{showcase}·{place}）")
    holder = dossier["name"]  # a park-in-park shares its zone with others: its own name, then
    location = place if category == "park" else dossier.get("city") or dossier["name"]
    prefix = EIDB_CREATION_TITLE if under_creation else EIDB_TITLE
    return Title(dossier["domain"], location, f"{prefix}（{dossier['domain']}·{holder}）")


def creation_period_end(programme: str, announced_on: date) -> date | None:
    """R-CREATION-PERIOD: an EIDB base is under creation for 2 years from its announcement."""
    return years_after(announced_on, CREATION_YEARS) if programme == "EIDB" else None
