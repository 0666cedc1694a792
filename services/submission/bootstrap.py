"""The one place that builds the submission service (STYLE.md 5); tests call it too."""

from __future__ import annotations

from services.submission.application import SubmissionApplication
from services.submission.config import SERVICE
from services.submission.entrypoints.commands import commands, owners
from services.submission.integration import translate
from services.submission.policies import LOG, reactions
from shared.bus.connection import Credentials
from shared.bus.gatekeeper import gatekeeper_task
from shared.bus.handler import ServiceHandler
from shared.bus.runtime import ServiceRuntime, Subscription
from shared.config import Settings, resolve_nats_url
from shared.contract.subjects import EVENTS_STREAM, INTAKE_STREAM, intake_filter
from shared.store import open_store


def build_application(settings: Settings) -> SubmissionApplication:
    return open_store(lambda: SubmissionApplication(env=settings.eventsourcing_env(SERVICE)))


def build(settings: Settings) -> ServiceRuntime:
    app = build_application(settings)
    runtime = ServiceRuntime(
        service=SERVICE,
        nats_url=resolve_nats_url(settings),
        credentials=Credentials.from_settings(settings),
        stream_replicas=settings.stream_replicas,
        handler=ServiceHandler(
            app, commands=commands(app), reactions=reactions(app), owners=owners(app)
        ),
        subscriptions=(
            Subscription(INTAKE_STREAM, intake_filter("submission")),
            Subscription(EVENTS_STREAM, LOG),
        ),
        app=app,
        translate=translate,
    )
    runtime.extra_tasks = (gatekeeper_task(runtime),)  # attempts no context reads are refused
    return runtime
