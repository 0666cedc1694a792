"""Every row of the registry keeps its history (issue 8): each version with the sequence that made
it, its business time and its recording time; the registry answers as of a moment by either time
from that history alone, on SQLite and on PostgreSQL.

The events are applied straight to the projection (no bus): an application, a title taken over from
a batch of 2010 on an import day of 2026, its stars, a rename and its revocation, a clock setting,
and an event whose business time lies before its subject's last version (a clock set back).
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import httpx
import pytest

from services.registry.adapters.db import Database, open_database
from services.registry.application import Registry
from services.registry.entrypoints.http import create_app
from services.registry.projections import instant
from services.registry.queries import (
    as_of,
    digest,
    export_lines,
    find_entry,
    history_lines,
    list_entries,
    moment_of,
)
from shared.config import Settings
from shared.contract.envelope import EventPayload, new_envelope
from shared.contract.events import ApplicationSubmitted, DocumentRef, TitleAwarded
from shared.contract.events_common import EventRef
from shared.contract.events_evaluation import (
    StarRated,
    TierChanged,
    TitleRenamed,
    TitleRevoked,
)
from shared.contract.events_platform import PLATFORM_CLOCK, PlatformClockSet
from shared.contract.events_submission import CityReviewCompleted

pytestmark = pytest.mark.integration

APPLICATION = "NIID-430000-000000000001"
BASE = "NIID-B-LEGACY-0001"
OLD_TITLE = "国家新型工业化产业示范基地（装备制造(工程机械)·长沙经济技术开发区）"
NEW_TITLE = "国家新型工业化产业示范基地（装备制造(工程机械)·长沙经开区）"
IMPORTED = datetime(2026, 1, 12, 1, tzinfo=UTC)
"""The import day (09:00 Beijing); the title itself was announced on 2010-04-20."""


def bj(day: str) -> datetime:
    """09:00 Beijing time on ``day``, as the platform's clock reads an office's attempt."""
    return datetime.fromisoformat(f"{day}T09:00:00+08:00")


def event(
    payload: EventPayload,
    subject_id: str,
    occurred: datetime,
    recorded: datetime,
    *,
    event_id: UUID | None = None,
    causation_id: UUID | None = None,
) -> bytes:
    return new_envelope(
        payload, event_id=event_id or uuid4(), occurred_at=occurred, recorded_at=recorded,
        actor="ministry", province="430000", subject_id=subject_id, correlation_id=uuid4(),
        causation_id=causation_id or uuid4(),
    ).to_json()  # fmt: skip


def submitted() -> ApplicationSubmitted:
    return ApplicationSubmitted(
        application_id=APPLICATION, programme="NIID", category="park", name="株洲高新区",
        applicant="株洲高新区管理委员会", city="株洲市", domain="装备工业", zone="株洲高新区",
    )  # fmt: skip


def reviewed() -> CityReviewCompleted:
    return CityReviewCompleted(
        application_id=APPLICATION, batch_id="NIID-11", city="株洲市", category="park", rank=1
    )


def awarded() -> TitleAwarded:
    return TitleAwarded(
        base_id=BASE, application_id=f"LEGACY-{BASE}", batch_id="NIID-1", programme="NIID",
        category="park", name="长沙经济技术开发区", domain="装备制造(工程机械)",
        location="长沙经济技术开发区", title=OLD_TITLE, announced_on=date(2010, 4, 20),
        announcement=DocumentRef(title="第一批国家新型工业化产业示范基地名单"),
    )  # fmt: skip


def rated(year: int, stars: int) -> StarRated:
    return StarRated(base_id=BASE, batch_id=f"NIID-EVAL-{year}", evaluation_year=year, stars=stars)


def enrolled() -> TierChanged:
    """What evaluation decides on the award: at the award's business time (its ``caused_by``)."""
    return TierChanged(
        base_id=BASE, to_tier="国家级示范基地",
        reason="title awarded: a titled base enters the national tier",
    )  # fmt: skip


def renamed() -> TitleRenamed:
    return TitleRenamed(
        base_id=BASE, old_title=OLD_TITLE, new_title=NEW_TITLE, cause="开发区名称变更",
        published_with_year=2028, request=DocumentRef(title="更名申请"),
        approval=DocumentRef(title="同意更名的复函"),
    )  # fmt: skip


def revoked() -> TitleRevoked:
    return TitleRevoked(
        base_id=BASE, rule_id="R-REVOKE-INCIDENT", reason="Ⅱ级突发环境事件",
        causing_events=(EventRef(event_id=uuid4(), stream_sequence=1),),
    )  # fmt: skip


def clock_set() -> PlatformClockSet:
    return PlatformClockSet(
        decided_in="review", to=IMPORTED, received_at=datetime(2031, 5, 1, tzinfo=UTC),
        reason="the demo imports earlier titles",
    )  # fmt: skip


RECORDED = datetime(2031, 5, 1, 2, tzinfo=UTC)
"""The whole story was recorded in one morning of 2031 (as `make demo` records three years)."""


def the_log() -> list[bytes]:
    """Sequences 1–9; ``RECORDED + n minutes`` is when the n-th was recorded."""
    at = [RECORDED + timedelta(minutes=n) for n in range(1, 10)]
    award = uuid4()
    return [
        event(submitted(), APPLICATION, bj("2026-03-20"), at[0]),
        event(clock_set(), PLATFORM_CLOCK, IMPORTED, at[1]),
        event(awarded(), BASE, IMPORTED, at[2], event_id=award),
        event(enrolled(), BASE, IMPORTED, at[3], causation_id=award),
        event(rated(2027, 4), BASE, bj("2028-04-20"), at[4]),
        event(renamed(), BASE, bj("2028-06-01"), at[5]),
        event(revoked(), BASE, bj("2028-07-20"), at[6]),
        event(rated(2028, 2), BASE, bj("2029-04-20"), at[7]),
        # recorded after a clock set back: its business time lies before the entry's last version
        event(reviewed(), APPLICATION, bj("2026-03-10"), at[8]),
    ]


LOG = the_log()
"""One log for every test: a rebuild applies the same bytes."""


def apply_log(db: Database) -> Registry:
    registry = Registry(db)
    registry.apply_batch("EVENTS", list(enumerate(LOG, start=1)))
    return registry


def names(answer: dict[str, object]) -> dict[str, str]:
    return {e["id"]: e["status"] for e in answer["entries"]}  # type: ignore[attr-defined, index]


def test_an_imported_title_takes_effect_on_its_announcement_day(settings: Settings) -> None:
    """ImportTitle → TitleAwarded on 2026-01-12 with announced_on 2010-04-20: business time 2010."""
    registry = apply_log(open_database(settings))
    base = find_entry(registry.db, BASE)
    assert base is not None
    assert base["history"][0]["effective_at"] == "2010-04-19T16:00:00.000000+00:00"  # 00:00 BJ
    assert base["history"][0]["since"] == "2010-04-20T00:00:00+08:00"
    assert base["timeline"][0]["occurred_at"] == IMPORTED.isoformat()  # the event, as recorded
    in_2011 = as_of(registry.db, moment_of("2011-01-01"))
    assert names(in_2011) == {BASE: "titled"}
    assert in_2011["entries"][0]["title"] == OLD_TITLE
    # The tier it entered with its title, decided on the import day, took effect with the title.
    assert in_2011["entries"][0]["tier"] == "国家级示范基地"
    assert in_2011["entries"][0]["sequence"] == 4
    assert base["history"][1]["effective_at"] == base["history"][0]["effective_at"]


def test_as_of_by_business_time_shows_each_version_as_it_took_effect(settings: Settings) -> None:
    db = apply_log(open_database(settings)).db
    june = as_of(db, moment_of("2028-06-01"))
    assert names(june) == {APPLICATION: "city_reviewed", BASE: "titled"}
    base = next(e for e in june["entries"] if e["id"] == BASE)
    assert base["stars_by_year"] == {"2027": 4} and base["revoked_rule"] is None
    assert base["title"] == OLD_TITLE and base["former_names"] == []  # renamed at 09:00 BJ
    assert base["sequence"] == 5 and base["effective_at"] == instant(bj("2028-04-20"))
    assert base["recorded_at"] == instant(RECORDED + timedelta(minutes=5))  # both times shown
    august = as_of(db, moment_of("2028-08-01"))
    base = next(e for e in august["entries"] if e["id"] == BASE)
    assert base["status"] == "revoked" and base["revoked_rule"] == "R-REVOKE-INCIDENT"
    assert base["title"] == NEW_TITLE and base["former_names"] == [OLD_TITLE]
    later = as_of(db, moment_of("2030-01-01"))
    assert names(later) == {APPLICATION: "city_reviewed", BASE: "revoked"}
    assert next(e for e in later["entries"] if e["id"] == BASE)["stars_by_year"] == {
        "2027": 4, "2028": 2,
    }  # fmt: skip
    assert names(as_of(db, moment_of("2009-12-31"))) == {}
    assert june["history_from"] == 1 and june["applied"] == 9


def test_a_version_takes_effect_no_earlier_than_the_one_it_builds_on(settings: Settings) -> None:
    """The city review recorded after a clock set back (business time 2026-03-10) holds the
    submission of 2026-03-20 too: it takes effect with it, not before."""
    db = apply_log(open_database(settings)).db
    application = find_entry(db, APPLICATION)
    assert application is not None
    assert [v["effective_at"] for v in application["history"]] == [instant(bj("2026-03-20"))] * 2
    assert application["since"] == bj("2026-03-10").isoformat()  # the event's own business time
    assert names(as_of(db, moment_of("2026-03-15T00:00:00+08:00"))) == {BASE: "titled"}


def test_as_of_by_recording_time_shows_what_was_recorded_by_then(settings: Settings) -> None:
    db = apply_log(open_database(settings)).db
    assert names(as_of(db, RECORDED, by="recorded")) == {}
    first = as_of(db, RECORDED + timedelta(minutes=3, seconds=30), by="recorded")
    assert names(first) == {APPLICATION: "submitted", BASE: "titled"}
    assert first["by"] == "recorded"
    base = next(e for e in first["entries"] if e["id"] == BASE)
    assert base["effective_at"] == "2010-04-19T16:00:00.000000+00:00"  # both times, either way
    assert base["stars_by_year"] == {}
    after_revocation = as_of(db, RECORDED + timedelta(minutes=7), by="recorded")
    assert names(after_revocation) == {APPLICATION: "submitted", BASE: "revoked"}
    everything = as_of(db, RECORDED + timedelta(days=1), by="recorded")
    assert names(everything) == {APPLICATION: "city_reviewed", BASE: "revoked"}


def test_as_of_filters_like_the_list(settings: Settings) -> None:
    db = apply_log(open_database(settings)).db
    june = moment_of("2028-06-01")
    assert names(as_of(db, june, kind="base")) == {BASE: "titled"}
    assert names(as_of(db, june, status="city_reviewed")) == {APPLICATION: "city_reviewed"}
    assert names(as_of(db, june, stars=4)) == {BASE: "titled"}
    assert names(as_of(db, june, stars=4, year=2028)) == {}
    assert names(as_of(db, moment_of("2030-01-01"), stars=2)) == {BASE: "revoked"}


def test_as_of_answers_a_page_at_a_time(settings: Settings) -> None:
    """``limit`` entries by id after ``after``; ``next`` is where the following page starts."""
    db = apply_log(open_database(settings)).db
    later = moment_of("2030-01-01")
    first = as_of(db, later, limit=1)
    assert [e["id"] for e in first["entries"]] == [APPLICATION] and first["next"] == APPLICATION
    second = as_of(db, later, limit=1, after=first["next"])
    assert [e["id"] for e in second["entries"]] == [BASE] and second["next"] is None
    assert as_of(db, later, limit=2)["next"] is None
    assert as_of(db, later, after=BASE)["entries"] == []
    revoked = as_of(db, later, limit=1, status="revoked")  # the first entry is no such version
    assert [e["id"] for e in revoked["entries"]] == [BASE] and revoked["next"] is None


def test_the_pages_of_one_as_of_answer_read_one_state(settings: Settings) -> None:
    """A registry that applies between two pages of one answer does not show the second from the
    later state: the first page says up to which sequence it read (``through``), the next asks
    for the same, and later versions are not in it (issue 8: as-of on the live registry)."""
    db = open_database(settings)
    registry = Registry(db)
    registry.apply_batch("EVENTS", list(enumerate(LOG[:6], start=1)))  # up to the renaming
    later = moment_of("2030-01-01")
    first = as_of(db, later, limit=1)
    assert first["through"] == first["applied"] == 6 and first["next"] == APPLICATION
    registry.apply_batch("EVENTS", list(enumerate(LOG, start=1)))  # the revocation and the rest
    second = as_of(db, later, limit=1, after=first["next"], through=first["through"])
    [base] = second["entries"]
    assert base["status"] == "titled" and base["sequence"] == 6  # not the revocation of seq 7
    assert base["stars_by_year"] == {"2027": 4}  # not 2028's, rated at seq 8
    assert second["applied"] == 9 and second["through"] == 6
    now = as_of(db, later, limit=1, after=first["next"])
    assert now["entries"][0]["status"] == "revoked" and now["through"] == 9
    assert as_of(db, later, through=99)["through"] == 9  # never beyond what was applied


async def test_the_api_and_the_page_answer_as_of_either_time(settings: Settings) -> None:
    app = create_app(apply_log(open_database(settings)).db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://r") as client:
        await answers_as_of_either_time(client)


async def answers_as_of_either_time(client: httpx.AsyncClient) -> None:
    june = (await client.get("/api/as-of/2028-06-01")).json()
    assert (
        names(june) == {APPLICATION: "city_reviewed", BASE: "titled"} and june["by"] == "effective"
    )
    recorded = (
        await client.get(f"/api/as-of/{RECORDED.isoformat()}", params={"by": "recorded"})
    ).json()
    assert recorded["entries"] == [] and recorded["by"] == "recorded"
    paged = (await client.get("/api/as-of/2030-01-01", params={"limit": 1, "kind": "base"})).json()
    assert names(paged) == {BASE: "revoked"} and paged["next"] is None
    wrong = await client.get("/api/as-of/last-june")
    assert wrong.status_code == 422 and "YYYY-MM-DD" in wrong.json()["detail"]
    page = (await client.get("/as-of", params={"at": "2028-06-01"})).text
    assert BASE in page and 'class="status titled">示范基地<' in page and "改按记录时间" in page
    assert "已撤销" not in page  # the site speaks Chinese by default (issue 11)
    entry = (await client.get(f"/entries/{BASE}")).text
    assert "<h2>版本历史</h2>" in entry and "R-REVOKE-INCIDENT" in entry


def test_now_the_history_and_the_registry_agree(settings: Settings) -> None:
    """As of a moment after every event, by either time, the history is the registry."""
    db = apply_log(open_database(settings)).db
    live = {e["id"]: e for e in list_entries(db)}
    for by in ("effective", "recorded"):
        then = as_of(db, datetime(2099, 1, 1, tzinfo=UTC), by=by)  # type: ignore[arg-type]
        for entry in then["entries"]:
            shown = {key: live[entry["id"]][key] for key in entry if key in live[entry["id"]]}
            assert {key: entry[key] for key in shown} == shown


def test_the_digest_covers_the_history(settings: Settings) -> None:
    """A rebuild into new tables equals the live registry, history included; a changed version
    changes the digest."""
    live = apply_log(open_database(settings))
    rebuilt = apply_log(live.db.with_prefix("again_"))
    assert digest(rebuilt.db) == digest(live.db)
    assert len(list(history_lines(live.db))) == 8
    assert not any(line.startswith('{"version"') for line in export_lines(live.db))
    with live.db.transaction() as cursor:
        cursor.execute(
            f"UPDATE {live.db.table_prefix}history SET status = 'titled' WHERE sequence = 7"
        )
    assert digest(rebuilt.db) != digest(live.db)
    rebuilt.discard()


def test_a_registry_made_before_the_history_is_upgraded_and_says_where_its_history_starts(
    settings: Settings,
) -> None:
    db = open_database(settings)
    registry = Registry(db)
    registry.apply_batch("EVENTS", list(enumerate(LOG[:3], start=1)))
    p = db.table_prefix
    with db.transaction() as cursor:  # as the registry's tables were before issue 8
        cursor.execute(f"DROP TABLE {p}history")
        cursor.execute(f"DROP TABLE {p}history_start")
        cursor.execute(f"ALTER TABLE {p}entries DROP COLUMN effective_at")
        cursor.execute(f"ALTER TABLE {p}entries DROP COLUMN recorded_at")
    upgraded = Registry(db)
    upgraded.apply_batch("EVENTS", list(enumerate(LOG, start=1)))
    answer = as_of(db, moment_of("2030-01-01"))
    assert answer["history_from"] == 4 and names(answer) == {
        APPLICATION: "city_reviewed", BASE: "revoked",
    }  # fmt: skip
    assert [v["sequence"] for v in find_entry(db, BASE)["history"]] == [4, 5, 6, 7, 8]  # type: ignore[index]


def test_as_of_answers_from_an_index_not_a_replay(settings: Settings) -> None:
    """2,000 bases with 10 versions each (20,000 history rows): as of either time stays well
    under a second (the figure for 10^6 events is in services/registry/README.md)."""
    db = open_database(settings)
    Registry(db)
    p = db.table_prefix
    rows = []
    for n in range(2000):
        for v in range(10):
            at = instant(datetime(2020 + v, 1, 1, tzinfo=UTC) + timedelta(minutes=n))
            rows.append((f"B-{n:05d}", n * 10 + v + 1, at, at, "base", "430000", f"基地{n}",
                         "NIID", "park", "装备工业", None, "NIID-1", None,
                         "revoked" if v == 9 else "titled", at, str(uuid4())))  # fmt: skip
    with db.transaction() as cursor:
        for row in rows:
            cursor.execute(
                f"""INSERT INTO {p}history (subject_id, sequence, effective_at, recorded_at, kind,
                    province, name, programme, category, domain, city, batch_id, applicant,
                    status, since, correlation_id) VALUES ({", ".join("?" * 16)})""",
                row,
            )
        cursor.execute(
            f"""INSERT INTO {p}entries (subject_id, kind, province, status, since, last_sequence,
                correlation_id) SELECT subject_id, kind, province, status, since, sequence,
                correlation_id FROM {p}history
                WHERE sequence IN (SELECT MAX(sequence) FROM {p}history GROUP BY subject_id)"""
        )
    for by in ("effective", "recorded"):
        started = time.perf_counter()
        answer = as_of(db, datetime(2025, 6, 1, tzinfo=UTC), by=by)  # type: ignore[arg-type]
        assert time.perf_counter() - started < 1.0
        assert len(answer["entries"]) == 2000
        assert {e["sequence"] % 10 for e in answer["entries"]} == {6}
