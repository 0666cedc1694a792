"""The one place that builds the review service."""

from __future__ import annotations

from services.review.application import ReviewApplication, translate
from services.review.config import SERVICE
from services.review.policies import reactions
from shared.bus.handler import ServiceHandler
from shared.bus.runtime import ServiceRuntime, Subscription
from shared.config import Settings, resolve_nats_url
from shared.contract.subjects import EVENTS_STREAM


def build(settings: Settings) -> ServiceRuntime:
    app = ReviewApplication(env=settings.eventsourcing_env(SERVICE))
    return ServiceRuntime(
        service=SERVICE,
        nats_url=resolve_nats_url(settings),
        handler=ServiceHandler(app, reactions=reactions(app)),
        subscriptions=(Subscription(EVENTS_STREAM, "bases.v1.submission.>"),),
        app=app,
        translate=translate,
    )
