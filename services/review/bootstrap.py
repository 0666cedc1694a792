"""The one place that builds the review service (STYLE.md 5); tests call it too."""

from __future__ import annotations

from services.review.adapters.sheets import PACKAGED_SHEETS, load_scoring_sheets
from services.review.application import ReviewApplication, translate
from services.review.config import SERVICE, ReviewSettings
from services.review.entrypoints.commands import commands
from services.review.policies import reactions
from services.review.scheduler import PublicityCloser
from shared.bus.connection import Credentials
from shared.bus.handler import ServiceHandler
from shared.bus.runtime import ServiceRuntime, Subscription
from shared.calendar import default_calendar
from shared.clock import Clock
from shared.config import Settings, resolve_nats_url
from shared.contract.subjects import EVENTS_STREAM, INTAKE_STREAM, intake_filter
from shared.store import open_store


def build_application(
    settings: Settings, review: ReviewSettings | None = None
) -> ReviewApplication:
    review = review or ReviewSettings()
    calendar = default_calendar(review.holidays_dir or settings.var_dir / "holidays")
    sheets = load_scoring_sheets(review.scoring_sheets or PACKAGED_SHEETS)
    return open_store(
        lambda: ReviewApplication(
            env=settings.eventsourcing_env(SERVICE), calendar=calendar, sheets=sheets
        )
    )


def build(
    settings: Settings, review: ReviewSettings | None = None, clock: Clock | None = None
) -> ServiceRuntime:
    review = review or ReviewSettings()
    app = build_application(settings, review)
    handler = ServiceHandler(app, commands=commands(app), reactions=reactions(app))
    runtime = ServiceRuntime(
        service=SERVICE,
        nats_url=resolve_nats_url(settings),
        credentials=Credentials.from_settings(settings),
        stream_replicas=settings.stream_replicas,
        handler=handler,
        subscriptions=(
            Subscription(EVENTS_STREAM, "bases.v1.submission.>"),
            Subscription(INTAKE_STREAM, intake_filter("review")),
        ),
        app=app,
        translate=translate,
    )
    closer = PublicityCloser(
        app,
        runtime,
        clock or handler.platform_time,  # the platform's clock (P-POSTMARK, ADR 13)
        review.close_interval_seconds,
        review.close_grace_seconds,
    )
    runtime.extra_tasks = (closer.run,)
    return runtime
