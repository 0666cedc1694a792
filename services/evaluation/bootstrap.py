"""The one place that builds the evaluation service."""

from __future__ import annotations

from services.evaluation.application import EvaluationApplication, translate
from services.evaluation.config import SERVICE
from services.evaluation.policies import reactions
from shared.bus.handler import ServiceHandler
from shared.bus.runtime import ServiceRuntime, Subscription
from shared.config import Settings, resolve_nats_url
from shared.contract.subjects import EVENTS_STREAM


def build(settings: Settings) -> ServiceRuntime:
    app = EvaluationApplication(env=settings.eventsourcing_env(SERVICE))
    return ServiceRuntime(
        service=SERVICE,
        nats_url=resolve_nats_url(settings),
        handler=ServiceHandler(app, reactions=reactions(app)),
        subscriptions=(Subscription(EVENTS_STREAM, "bases.v1.review.>"),),
        app=app,
        translate=translate,
    )
