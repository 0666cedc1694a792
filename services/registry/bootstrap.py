"""The one place that builds the registry service: projection consumer plus HTTP server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import structlog
import uvicorn

from services.registry import audit_api
from services.registry.adapters.db import open_database
from services.registry.application import Registry
from services.registry.audit import Signer
from services.registry.config import SERVICE, registry_url_file
from services.registry.entrypoints.http import create_app
from services.registry.heads import Heads, log_signer
from shared.bus.connection import Credentials
from shared.bus.runtime import ServiceRuntime, Subscription
from shared.bus.server import port_is_free
from shared.config import Settings, resolve_nats_url
from shared.contract.subjects import EVENTS_STREAM, EVENTS_SUBJECTS

log = structlog.get_logger()

THE_LOG = Subscription(EVENTS_STREAM, EVENTS_SUBJECTS, batch_size=256)
"""The whole log, in sequence, up to 256 events per commit: live it is one or two at a time, but
a registry that was stopped catches up with one commit per batch, not one per event."""


def build_registry(settings: Settings) -> Registry:
    return Registry(open_database(settings))


def http_server(
    registry: Registry, settings: Settings, heads: Heads | None = None
) -> tuple[uvicorn.Server, str]:
    port = settings.registry_port
    if port and not port_is_free(port):
        log.warning("registry port taken, using a free one", wanted=port)
        port = 0
    app = create_app(registry.db, Signer(settings.var_dir / "registry-ed25519.pem"))
    if heads is not None:  # signed tree heads, proofs and /audit (ADR 16)
        app.include_router(audit_api.router(registry, heads))
    config = uvicorn.Config(
        app,
        host=settings.registry_host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="off",
    )
    return uvicorn.Server(config), settings.registry_host


def build(settings: Settings) -> ServiceRuntime:
    registry = build_registry(settings)
    signer, _ = log_signer(settings)
    heads = Heads(registry.db, signer, interval=settings.registry_head_interval)
    server, host = http_server(registry, settings, heads)

    async def serve(stop: asyncio.Event) -> None:
        task = asyncio.create_task(server.serve())
        while not server.started and not task.done():  # noqa: ASYNC110 (uvicorn has no event)
            await asyncio.sleep(0.05)
        if task.done():
            task.result()
        port = server.servers[0].sockets[0].getsockname()[1]
        url = f"http://{host}:{port}"
        Path(registry_url_file(settings)).write_text(url + "\n")  # noqa: ASYNC240 (once, tiny)
        log.info("registry page", url=url)
        print(f"registry page: {url}/", flush=True)
        await stop.wait()
        server.should_exit = True
        await task

    async def publish_heads(stop: asyncio.Event) -> None:
        await heads.run(lambda: runtime.nc.jetstream() if runtime.nc else None, stop)

    runtime = ServiceRuntime(
        service=SERVICE,
        nats_url=resolve_nats_url(settings),
        credentials=Credentials.from_settings(settings),
        stream_replicas=settings.stream_replicas,
        handler=registry,
        subscriptions=(THE_LOG,),
        extra_tasks=(serve, publish_heads),
        reader=replica_reader(settings),
    )
    return runtime


def replica_reader(settings: Settings) -> str:
    """The durable consumer name of this registry replica (ADR 19), or "" for the only one."""
    return f"{SERVICE}-{settings.registry_replica}" if settings.registry_replica else ""
