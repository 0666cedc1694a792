"""From scores to stars (R-STARS; 001 第二十一条), by the round's own mapping. Pure, no I/O.

A round maps scores to one to five stars in one of two ways, both data of the round:

- **cut-offs** (:class:`StarCutOffs`): the least score of five, four, three and two stars; a score
  below the two-star cut-off is one star.
- **quotas** (:class:`StarQuotas`): the share of the bases *rated in the round* (the scored ones and
  the non-filers rated one star) that may hold each star. A star's places are
  ``floor(share × rated)``, e.g. 0.079 × 381 gives the 30 five-star bases of 2019. Places are
  filled best score first. Equal scores always get equal stars, so a quota is a ceiling: a group of
  equal scores that would overflow the places left goes to the next star down, and the places it
  did not take are not carried over. Whatever is left is one star.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from itertools import groupby

from services.evaluation.domain.scoring import Scored
from shared.contract.events_evaluation import StarCutOffs, StarQuotas


def stars_by_cut_offs(score: Decimal, cut_offs: StarCutOffs) -> int:
    """The stars of one score by the round's cut-offs."""
    for stars, least in (
        (5, cut_offs.five),
        (4, cut_offs.four),
        (3, cut_offs.three),
        (2, cut_offs.two),
    ):
        if score >= least:
            return stars
    return 1


def quota_places(quotas: StarQuotas, rated: int) -> dict[int, int]:
    """How many bases may hold each of two to five stars, of ``rated`` bases rated."""
    shares = {5: quotas.five, 4: quotas.four, 3: quotas.three, 2: quotas.two}
    return {
        stars: int((share * rated).to_integral_value(rounding=ROUND_FLOOR))
        for stars, share in shares.items()
    }


def stars_by_quotas(scored: list[Scored], quotas: StarQuotas, rated: int) -> dict[str, int]:
    """The stars of every scored base (best first) by the round's quotas."""
    places = quota_places(quotas, rated)
    result: dict[str, int] = {}
    stars = 5
    for _, group in groupby(scored, key=lambda s: s.score):
        tied = [s.base_id for s in group]
        while stars > 1 and len(tied) > places[stars]:
            stars -= 1
        if stars > 1:
            places[stars] -= len(tied)
        result.update(dict.fromkeys(tied, stars))
    return result


def assign_stars(
    scored: list[Scored], mapping: StarCutOffs | StarQuotas, rated: int
) -> dict[str, int]:
    """Stars by the round's mapping; ``rated`` counts every base rated in the round."""
    if isinstance(mapping, StarCutOffs):
        return {s.base_id: stars_by_cut_offs(s.score, mapping) for s in scored}
    return stars_by_quotas(scored, mapping, rated)
