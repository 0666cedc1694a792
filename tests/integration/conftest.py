"""Fixtures shared by the integration suites."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.submission.application import SubmissionApplication
from services.submission.bootstrap import build_application
from shared.config import Settings


@pytest.fixture
def app(settings: Settings) -> Iterator[SubmissionApplication]:
    """The submission service's application on each adapter's store, closed after the test."""
    application = build_application(settings)
    try:
        yield application
    finally:
        application.close()
