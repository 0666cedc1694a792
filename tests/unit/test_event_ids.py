"""Integration event ids are stable per stored event and unique across services."""

from __future__ import annotations

from types import SimpleNamespace
from uuid import uuid4

import pytest

from shared.store import stable_event_id

pytestmark = pytest.mark.unit


def test_the_same_stored_event_always_gets_the_same_id() -> None:
    """A relay that publishes again after a crash uses the id the server has seen."""
    event = SimpleNamespace(originator_id=uuid4(), originator_version=3)
    assert stable_event_id("review", event) == stable_event_id("review", event)


def test_two_services_holding_an_aggregate_of_the_same_id_publish_different_event_ids() -> None:
    """Review's and evaluation's views of one base must not squat each other's ids on the log."""
    shared_id = uuid4()
    review = SimpleNamespace(originator_id=shared_id, originator_version=1)
    evaluation = SimpleNamespace(originator_id=shared_id, originator_version=1)
    assert stable_event_id("review", review) != stable_event_id("evaluation", evaluation)
