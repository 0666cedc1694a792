"""The submission service's settings: the shared ones, plus its name and metrics port."""

from __future__ import annotations

SERVICE = "submission"
DEFAULT_METRICS_PORT = 9101
