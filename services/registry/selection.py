"""Selection as the registry shows it: batches, each batch's funnel, recommendations against quota,
and a province's summary table (R-SUMMARY-TABLE)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from services.registry.adapters.db import Database

FUNNEL = (
    "submitted",
    "rejected_on_arrival",
    "rejected_by_city",
    "rejected_by_province",
    "disqualified",
    "city_reviewed",
    "recommended",
    "reviewed",
    "proposed",
    "publicised",
    "withheld",
    "awarded",
)
SUMMARY_COLUMNS = ("序号", "申报单位名称", "园区/企业名称", "申报类别", "申报创建领域")
CATEGORY_NAMES = {"park": "园区", "enterprise": "企业"}


def batches(db: Database) -> list[dict[str, Any]]:
    """Every batch as opened, with the provinces that forwarded it."""
    with db.snapshot() as cursor:
        cursor.execute(
            f"SELECT batch_id, province, data FROM {db.table_prefix}batches "
            "ORDER BY batch_id, province"
        )
        rows = cursor.fetchall()
    found: dict[str, dict[str, Any]] = {}
    for batch_id, province, data in rows:
        batch = found.setdefault(batch_id, {"batch_id": batch_id, "forwarded": {}})
        if province == "000000":
            batch.update(json.loads(data))
        else:
            batch["forwarded"][province] = json.loads(data)
    return list(found.values())


def _events_of_batch(
    db: Database, batch_id: str
) -> list[tuple[str, str, dict[str, Any], str | None]]:
    p = db.table_prefix
    with db.snapshot() as cursor:
        cursor.execute(
            f"""SELECT e.subject_id, t.event_type, t.payload, NULL FROM {p}entries e
                JOIN {p}timeline t ON t.subject_id = e.subject_id
                WHERE e.batch_id = ? AND e.kind = 'application'
                UNION ALL
                SELECT e.subject_id, t.event_type, t.payload, l.status FROM {p}entries e
                JOIN {p}links l ON l.subject_id = e.subject_id
                JOIN {p}timeline t ON t.sequence = l.sequence
                WHERE e.batch_id = ? AND e.kind = 'application'""",
            (batch_id, batch_id),
        )
        return [(s, t, json.loads(payload), status) for s, t, payload, status in cursor.fetchall()]


def _stages(event_type: str, payload: dict[str, Any], status: str | None) -> list[str]:
    if event_type == "ApplicationRejected":
        if any(reason.get("rule_id") == "R-FRAUD" for reason in payload["reasons"]):
            return ["disqualified"]  # fraud (R-FRAUD), at whichever stage it was found
        return [
            {"submission": "rejected_on_arrival", "city": "rejected_by_city"}.get(
                payload["stage"], "rejected_by_province"
            )
        ]
    if event_type == "ExpertReviewCompleted":
        return ["reviewed"] + (["proposed"] if payload.get("outcome") == "proposed" else [])
    if event_type == "PublicityClosed":
        return ["withheld"] if status == "withheld" else []
    return {
        "ApplicationSubmitted": ["submitted"],
        "CityReviewCompleted": ["city_reviewed"],
        "ProvinciallyRecommended": ["recommended"],
        "PublicityOpened": ["publicised"],
        "TitleAwarded": ["awarded"],
        "CandidateDisqualified": ["disqualified"],
    }.get(event_type, [])


def funnel(db: Database, batch_id: str) -> dict[str, int]:
    """How many applications of the batch reached each stage."""
    reached: set[tuple[str, str]] = set()
    for subject_id, event_type, payload, status in _events_of_batch(db, batch_id):
        reached.update((subject_id, stage) for stage in _stages(event_type, payload, status))
    counts = Counter(stage for _, stage in reached)
    return {stage: counts.get(stage, 0) for stage in FUNNEL}


def quota_report(db: Database, batch_id: str) -> list[dict[str, Any]]:
    """Per province, city and category: applications put forward against the quota (R-QUOTAS)."""
    forwarded: dict[str, Any] = next(
        (b["forwarded"] for b in batches(db) if b["batch_id"] == batch_id), {}
    )
    rows = []
    with db.snapshot() as cursor:
        cursor.execute(
            f"""SELECT province, city, category, COUNT(*) FROM {db.table_prefix}entries
                WHERE batch_id = ? AND kind = 'application' AND status NOT IN ('submitted',
                'rejected') GROUP BY province, city, category ORDER BY province, city, category""",
            (batch_id,),
        )
        put_forward = cursor.fetchall()
    for province, city, category, count in put_forward:
        quotas = forwarded.get(province, {}).get("quotas", [])
        quota = _quota_of(quotas, city, category)
        rows.append(
            {
                "province": province,
                "city": city,
                "category": category,
                "put_forward": int(count),
                "quota": None if quota is None else f"{quota['minimum']}–{quota['maximum']}",
            }
        )
    return rows


def _quota_of(quotas: list[dict[str, Any]], city: str | None, category: str) -> Any:
    """The city's own quota for the category, else the one for every other city."""
    mine = [q for q in quotas if q["category"] == category and q.get("city") == city]
    others = [q for q in quotas if q["category"] == category and q.get("city") is None]
    return (mine or others)[0] if (mine or others) else None


def summary_table(db: Database, batch_id: str, province: str) -> list[dict[str, Any]]:
    """附件1: the province's recommendations in the order of their 序号 (R-SUMMARY-TABLE)."""
    with db.snapshot() as cursor:
        cursor.execute(
            f"""SELECT payload FROM {db.table_prefix}timeline
                WHERE event_type = 'ProvinciallyRecommended' AND province = ? ORDER BY sequence""",
            (province,),
        )
        payloads = [json.loads(row[0]) for row in cursor.fetchall()]
    return [
        {
            "序号": p["serial_no"],
            "申报单位名称": p["applicant"],
            "园区/企业名称": p["name"],
            "申报类别": CATEGORY_NAMES[p["category"]],
            "申报创建领域": p["domain"],
            "application_id": p["application_id"],
        }
        for p in payloads
        if p["batch_id"] == batch_id
    ]
