"""A start that loses a creation race on a shared PostgreSQL schema tries again; any other error
of the store is raised at once, and a race lost every time is raised after the bounded tries
(`shared.ddl`, issue 9's shared schema)."""

from __future__ import annotations

import pytest
from eventsourcing.persistence import InternalError, ProgrammingError

from shared.ddl import create_racing, lost_creation_race

pytestmark = pytest.mark.unit


class PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def wrapped(sqlstate: str, outer: type[Exception] = InternalError) -> Exception:
    """psycopg's error as eventsourcing raises it: ``raise … from`` the original."""
    try:
        try:
            raise PgError(sqlstate)
        except PgError as error:
            raise outer(str(error)) from error
    except Exception as outer_error:
        return outer_error


@pytest.mark.parametrize("sqlstate", ["23505", "42710", "42P07", "42P06", "XX000"])
def test_a_lost_creation_race_is_recognised_bare_or_wrapped(sqlstate: str) -> None:
    assert lost_creation_race(PgError(sqlstate))
    assert lost_creation_race(wrapped(sqlstate))


def test_another_error_of_the_store_is_not_a_race() -> None:
    assert not lost_creation_race(wrapped("42601", ProgrammingError))  # a syntax error
    assert not lost_creation_race(ValueError("no"))


def test_a_start_that_loses_the_race_tries_again_and_opens() -> None:
    tries: list[int] = []

    def create() -> str:
        tries.append(1)
        if len(tries) < 3:
            raise wrapped("XX000")  # tuple concurrently updated
        return "opened"

    assert create_racing(create, pause=0) == "opened"
    assert len(tries) == 3


def test_other_errors_at_once_and_a_race_lost_every_time_after_the_tries() -> None:
    tries: list[int] = []

    def syntax() -> None:
        tries.append(1)
        raise wrapped("42601", ProgrammingError)

    with pytest.raises(ProgrammingError):
        create_racing(syntax, pause=0)
    assert len(tries) == 1

    def always() -> None:
        tries.append(1)
        raise wrapped("42710")

    with pytest.raises(InternalError):
        create_racing(always, attempts=4, pause=0)
    assert len(tries) == 1 + 4
