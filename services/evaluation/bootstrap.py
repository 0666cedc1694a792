"""The one place that builds the evaluation service (STYLE.md 5); tests call it too."""

from __future__ import annotations

from services.evaluation.application import EvaluationApplication, translate
from services.evaluation.config import SERVICE, EvaluationSettings
from services.evaluation.entrypoints.commands import commands, owners
from services.evaluation.policies import LOG, reactions
from services.evaluation.scheduler import RectificationWatch
from shared.bus.connection import Credentials
from shared.bus.handler import ServiceHandler
from shared.bus.runtime import ServiceRuntime, Subscription
from shared.clock import Clock
from shared.config import Settings, resolve_nats_url
from shared.contract.subjects import EVENTS_STREAM, INTAKE_STREAM, intake_filter
from shared.store import open_store


def build_application(settings: Settings) -> EvaluationApplication:
    return open_store(lambda: EvaluationApplication(env=settings.eventsourcing_env(SERVICE)))


def build(
    settings: Settings, evaluation: EvaluationSettings | None = None, clock: Clock | None = None
) -> ServiceRuntime:
    evaluation = evaluation or EvaluationSettings()
    app = build_application(settings)
    handler = ServiceHandler(
        app, commands=commands(app), reactions=reactions(app), owners=owners(app)
    )
    runtime = ServiceRuntime(
        service=SERVICE,
        nats_url=resolve_nats_url(settings),
        credentials=Credentials.from_settings(settings),
        stream_replicas=settings.stream_replicas,
        handler=handler,
        subscriptions=(
            Subscription(EVENTS_STREAM, LOG),
            Subscription(INTAKE_STREAM, intake_filter("evaluation")),
        ),
        app=app,
        translate=translate,
    )
    watch = RectificationWatch(
        app, runtime, clock or handler.platform_time, evaluation.deadline_check_seconds
    )
    runtime.extra_tasks = (watch.run,)
    return runtime
