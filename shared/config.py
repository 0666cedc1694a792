"""Settings every process reads from its environment (pydantic-settings), with embedded defaults.

Persistence follows the ``eventsourcing`` library's own variables: ``PERSISTENCE_MODULE`` is
``eventsourcing.sqlite`` (the default, one file per service under ``var/``) or
``eventsourcing.postgres`` with ``POSTGRES_DBNAME``, ``POSTGRES_HOST``, ``POSTGRES_PORT``,
``POSTGRES_USER``, ``POSTGRES_PASSWORD`` and optionally ``POSTGRES_SCHEMA``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final, Literal

from psycopg.conninfo import make_conninfo
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PersistenceModule = Literal["eventsourcing.sqlite", "eventsourcing.postgres"]
SQLITE: Final = "eventsourcing.sqlite"
POSTGRES: Final = "eventsourcing.postgres"


class Settings(BaseSettings):
    """The environment of one demobase process."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    nats_url: str | None = None
    nats_user: str | None = None
    nats_password: str | None = None
    nats_inbox_prefix: str | None = None
    nats_js_prefix: str | None = None
    """The JetStream API prefix of an account that imports it (the auditor: JS.DEMOBASE.API)."""
    stream_replicas: int = Field(default=1, ge=1, le=5)
    """Copies of each stream (``STREAM_REPLICAS``): 1 on a single node, 3 on the cluster. A
    stream created with another count is refused at start-up, with the difference named."""
    var_dir: Path = Path("var")
    persistence_module: PersistenceModule = SQLITE
    postgres_dbname: str = "postgres"
    postgres_host: str = "127.0.0.1"
    postgres_port: int = 5432
    postgres_user: str = "postgres"
    postgres_password: str = ""
    postgres_schema: str = ""
    registry_host: str = "127.0.0.1"
    registry_port: int = 8080
    registry_signing_key: Path | None = None
    """The ministry's Ed25519 key (PEM) that signs tree heads; it must exist when set. Unset, a
    development key is created under ``var_dir`` (``make run``), and the registry says so."""
    registry_replica: str = Field(default="", pattern=r"^[a-z0-9-]{0,32}$")
    """The name of one registry replica among several reading the same log (ADR 19): its durable
    consumer is ``registry-<name>-events``; each replica keeps its own store (``VAR_DIR`` or
    ``POSTGRES_SCHEMA``). Empty for the one registry of ``make run``."""
    registry_log_origin: str = "demobase.miit.gov.cn/events"
    registry_head_interval: float = 1.0
    audit_public_key: str | None = None
    """The registry's verifier key (vkey) as an auditor keeps it, for ``demobase audit``."""
    metrics_port: int = 0
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: str = "INFO"

    @property
    def uses_postgres(self) -> bool:
        return self.persistence_module == POSTGRES

    @property
    def postgres_conninfo(self) -> str:
        """``POSTGRES_*`` as a libpq connection string."""
        return make_conninfo(
            dbname=self.postgres_dbname, host=self.postgres_host, port=self.postgres_port,
            user=self.postgres_user, password=self.postgres_password or None,
        )  # fmt: skip

    def eventsourcing_env(self, service: str) -> dict[str, str]:
        """The ``eventsourcing`` environment of one service's own event store."""
        if self.uses_postgres:
            env = {
                "PERSISTENCE_MODULE": POSTGRES,
                "POSTGRES_DBNAME": self.postgres_dbname,
                "POSTGRES_HOST": self.postgres_host,
                "POSTGRES_PORT": str(self.postgres_port),
                "POSTGRES_USER": self.postgres_user,
                "POSTGRES_PASSWORD": self.postgres_password,
            }
            if self.postgres_schema:
                env["POSTGRES_SCHEMA"] = self.postgres_schema
            env["PROCESS_RECORDER_TOPIC"] = "shared.fence:FencedPostgresProcessRecorder"
            return env
        self.var_dir.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": SQLITE,
            "SQLITE_DBNAME": str(self.var_dir / f"{service}.sqlite"),
            "SQLITE_LOCK_TIMEOUT": "10",
            "PROCESS_RECORDER_TOPIC": "shared.fence:FencedSQLiteProcessRecorder",
        }


def nats_url_file(settings: Settings) -> Path:
    """Where ``demobase run`` writes the URL of the NATS server it started."""
    return settings.var_dir / "nats.url"


def resolve_nats_url(settings: Settings) -> str:
    """``NATS_URL`` if set, else the embedded server's URL from ``var/``, else the default port."""
    if settings.nats_url:
        return settings.nats_url
    recorded = nats_url_file(settings)
    if recorded.exists():
        return recorded.read_text().strip()
    return "nats://127.0.0.1:4222"
