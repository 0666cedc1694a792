"""The evaluation service's settings: the shared ones, plus its own (``EVALUATION_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE = "evaluation"
DEFAULT_METRICS_PORT = 9103


class EvaluationSettings(BaseSettings):
    """``EVALUATION_DEADLINE_CHECK_SECONDS``: how often overdue rectifications are looked for."""

    model_config = SettingsConfigDict(env_prefix="EVALUATION_", extra="ignore", frozen=True)

    deadline_check_seconds: float = Field(
        default=60.0, gt=0, description="how often findings past their deadline are looked for"
    )
