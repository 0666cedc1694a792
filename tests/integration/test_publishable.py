"""P-LIMITS: no decision records an event that the server could never publish.

The runtime gives every deciding service a check, from the server's ``max_payload``, that each
event a decision would record fits with its envelope; a decision beyond it is refused with the
figures and nothing is saved (a recorded fact the relay could never publish would stop the log).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from services.submission.bootstrap import build_application
from services.submission.integration import translate
from shared.bus.runtime import HEADROOM, publishable
from shared.config import Settings
from shared.intake import RefusedAttemptError
from tests.integration.test_outbox_relay import intake_message

pytestmark = pytest.mark.integration


def test_p_limits_a_decision_whose_event_would_not_fit_the_server_is_refused_and_nothing_saved(
    tmp_path: Path,
) -> None:
    """P-LIMITS: an application that fits a 8 MB server but not one of 4.5 KiB is refused there."""
    app = build_application(Settings(var_dir=tmp_path))
    try:
        app.publishable = publishable(translate, max_payload=HEADROOM + 512)
        with pytest.raises(RefusedAttemptError) as refused:
            app.submit(intake_message(1), upstream="INTAKE", position=1)
        [problem] = refused.value.problems
        assert problem.rule_id == "P-LIMITS" and problem.field == "(decision)"
        assert problem.required == "at most 512 bytes"
        assert "could not be published" in problem.reason
        assert int(str(problem.given).removesuffix(" bytes")) > 512
        assert app.position("INTAKE") == 0
        assert app.process_recorder.max_notification_id() in (None, 0)

        app.publishable = publishable(translate, max_payload=8 * 1024 * 1024)
        app.submit(intake_message(2), upstream="INTAKE", position=2)
        assert app.position("INTAKE") == 2
    finally:
        app.close()
