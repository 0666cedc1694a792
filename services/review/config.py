"""The review service's settings: the shared ones, plus its own (``REVIEW_*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE = "review"
DEFAULT_METRICS_PORT = 9102


class ReviewSettings(BaseSettings):
    """``REVIEW_CLOSE_INTERVAL_SECONDS``, ``REVIEW_SCORING_SHEETS`` and ``HOLIDAYS_DIR``."""

    model_config = SettingsConfigDict(env_prefix="REVIEW_", extra="ignore", frozen=True)

    close_interval_seconds: float = Field(default=5.0, gt=0, description="how often due "
                                          "publicities are looked for and closed")  # fmt: skip
    close_grace_seconds: float = Field(
        default=10.0, ge=0, description="how long a publicity is seen due before it is closed"
    )
    scoring_sheets: Path | None = Field(default=None, description="default: the packaged sheets")
    holidays_dir: Path | None = Field(
        default=None, validation_alias="HOLIDAYS_DIR",
        description="operator's holiday schedules; default <var_dir>/holidays",
    )  # fmt: skip
